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
