//! Regression tests for bugs found by the cargo-fuzz targets in `fuzz/`.
//!
//! Each test is the minimised fuzz input rewritten as ordinary code. Some of these bugs
//! are memory errors that do not fail a plain `cargo test` (a read of freed memory
//! usually returns stale but harmless bytes): they fail under AddressSanitizer, which
//! `.ci/sanitizers.sh` runs over every test file, including this one.

use splitmap::HashMap;

/// Found by `fuzz/fuzz_targets/ops.rs` (input: `InsertRange(58339, 227)`, `Clone`,
/// `Insert(0, 0)`: the clone was dropped right after an insert started a migration).
///
/// `RawMap::drop` finishes a migration in flight with `finish_unbounded` under the
/// `unprotected()` guard. Under that guard `defer_unchecked` runs at once, so when
/// `copy_block` completes the last block and `promote` retires the old table, the old
/// table is freed immediately; `finish_unbounded` then keeps using it (reads
/// `old.blocks[k]` for the remaining blocks, and calls `promote(old, ..)`, which loads
/// `old.next`): heap-use-after-free (ASan: READ of size 8 in `promote`,
/// src/raw/migrate.rs, freed by the `defer_unchecked` closure in the same `promote`).
///
/// This drops maps of every size from 1 to 600 entries built from a tiny table, so
/// that some of them are dropped while a migration is in flight.
#[test]
fn drop_while_migration_in_flight() {
    for n in 1..600u32 {
        let map = HashMap::with_capacity(0);
        for i in 0..n {
            map.insert(i, i);
        }
        assert_eq!(map.len(), n as usize);
        drop(map);
    }
}

/// The same bug reached through `Clone`, as in the original fuzz input: the copy is
/// built by inserting into a fresh table and is dropped mid-migration.
#[test]
fn drop_clone_after_insert_that_starts_migration() {
    let map = HashMap::with_capacity(63);
    for k in 58339u32..58339 + 227 {
        map.insert(k, k);
    }
    let copy = map.clone();
    assert_eq!(copy.len(), 227);
    copy.insert(0, 0);
    drop(copy);
    map.insert(0, 0);
    assert_eq!(map.len(), 228);
}

/// Found by `fuzz/fuzz_targets/drops.rs` (a single-threaded run whose ops included
/// `Upsert` of a new key into a small table; panic
/// "value used once: inserts do not retry after success" at src/map.rs in `upsert`).
///
/// `HashMap::upsert` runs `compute` with a closure that moves `value` out on its first
/// `None` run. But `RawMap::modify` calls the decision closure again without the insert
/// having happened: when the insert's probe runs past the probe limit and a migration
/// starts (`recycled = Some(value); ...; continue`), and when the CAS into the empty slot
/// loses a race. It hands the value back (`recycled`), but `Pinned::compute` ignores the
/// handed-back value and calls the user closure again with `None`, so `upsert`'s closure
/// finds `value` already taken and panics. Every map that grows through `upsert` of new
/// keys hits the first case.
#[test]
fn upsert_of_new_keys_while_the_table_grows() {
    let map = HashMap::with_capacity(0);
    for k in 0..5_000u32 {
        assert_eq!(*map.upsert(k, 1u32, |n| n + 1), 1, "first upsert of {k}");
    }
    for k in 0..5_000u32 {
        assert_eq!(*map.upsert(k, 1u32, |n| n + 1), 2, "second upsert of {k}");
    }
    assert_eq!(map.len(), 5_000);
}
