//! Loom models of the inline kind's slot protocol (WordMap): the races that the driver
//! models do not reach because they are about one slot's key and control words. Each
//! documents its setup, its race and what must hold in every interleaving;
//! `docs/testing.md` lists the bug each one was shown to catch.
//!
//! Setup shared by the migration models (`with_k_in_block_1`): a 2-slot root (4 slots
//! with the tail, 2 blocks of 2) holding X (home 1, slot 1) and K (home 1, slot 2:
//! block 1) = 1; a grow to 8 slots has started and copied block 0, so K's block is
//! still to be frozen and copied.

use crossbeam_epoch as epoch;
use loom::sync::Arc;
use loom::thread;

use super::{key, model};
use crate::raw::inline::{RawWordMap, WordOp, Written};

const X: u64 = key(0x8, 2);
const K: u64 = key(0x8, 3);
/// K of `with_k_in_block_2`.
const K2: u64 = key(0xC, 3);

fn write(map: &RawWordMap, k: u64, decide: impl FnMut(Option<u64>) -> WordOp) -> Written {
    map.modify(k, k, &epoch::pin(), decide)
}

fn set(map: &RawWordMap, k: u64, v: u64) -> Written {
    write(map, k, |_| WordOp::Set(v))
}

fn get(map: &RawWordMap, k: u64) -> Option<u64> {
    map.find(k, k, &epoch::pin())
}

/// A map with room for `entries` holding `neighbour` = 10 and `k` = 1, `k` in slot
/// `k_slot`, in a root of `cap` slots and `nblocks` blocks; a grow has started and
/// copied block 0 (`Tables::overflow` starts it and helps once).
fn mid_grow(
    entries: usize,
    neighbour: u64,
    k: u64,
    k_slot: usize,
    shape: (usize, usize),
) -> RawWordMap {
    let map = RawWordMap::with_capacity(entries);
    set(&map, neighbour, 10);
    set(&map, k, 1);
    let guard = epoch::pin();
    let tables = &map.tables;
    let root = tables.root(&guard);
    assert_eq!((root.cap, root.nblocks()), shape, "setup: the root's shape");
    assert_eq!(root.slots.get(k_slot).key(), k, "setup: K's slot");
    tables.overflow(root, None, false, &guard);
    assert_eq!(root.resize.done.load(crate::sync::Ordering::Relaxed), 1);
    drop(guard);
    map
}

/// The setup in the module docs: K in block 1 of a 2-block root.
fn with_k_in_block_1() -> RawWordMap {
    mid_grow(1, X, K, 2, (2, 2))
}

/// A 4-slot root (6 with the tail: 3 blocks of 2) holding Y (home 3, slot 3: block 1)
/// and K2 (home 3, slot 4: block 2) = 1; a grow has started and copied block 0. A
/// write's help then copies block 1 and stops, so the write itself races whoever
/// freezes block 2.
fn with_k_in_block_2() -> RawWordMap {
    mid_grow(2, key(0xC, 2), K2, 4, (4, 3))
}

/// Two inserts of the same new key race for one unclaimed slot (claim, then value).
/// In every interleaving exactly one finds the key absent, the other replaces its
/// value, the key has one slot, and the count is 1.
pub(super) fn insert_races_insert_of_the_same_key() {
    model(|| {
        let map = Arc::new(RawWordMap::with_capacity(1));
        let other = map.clone();
        let t = thread::spawn(move || set(&other, K, 1).prev);
        let mine = set(&map, K, 2).prev;
        let theirs = t.join().unwrap();
        let last = match (mine, theirs) {
            (None, Some(2)) => 1,
            (Some(1), None) => 2,
            other => panic!("inserts (main, t1) saw {other:?}"),
        };
        assert_eq!(get(&map, K), Some(last));
        assert_eq!(map.len(), 1);
        let guard = epoch::pin();
        let root = map.tables.root(&guard);
        let slots = (0..root.len())
            .filter(|&i| root.slots.get(i).key() == K)
            .count();
        assert_eq!(slots, 1, "one slot per key (I1)");
    });
}

/// An in-place update (a counter increment) races the freeze and copy of its slot
/// (`with_k_in_block_2`: the writer's own help does not reach K's block). In every
/// interleaving the increment lands exactly once: K ends at 2.
pub(super) fn update_races_freeze() {
    model(|| {
        let map = Arc::new(with_k_in_block_2());
        let finisher = map.clone();
        let t = thread::spawn(move || finisher.tables.finish_migration(&epoch::pin()));
        let w = write(&map, K2, |cur| WordOp::Set(cur.unwrap_or(0) + 1));
        assert_eq!(w.prev, Some(1));
        t.join().unwrap();
        assert_eq!(get(&map, K2), Some(2));
        assert_eq!(get(&map, key(0xC, 2)), Some(10));
    });
}

/// A remove and a revive of K race the freeze and copy of its block (T1 helps once,
/// which copies block 1 and then promotes). The revive lands in the old table (slot
/// not frozen yet: a tombstone given a value again) or in `next` (frozen dead: the
/// freeze proved K absent); either way the reviving thread then reads 5, possibly
/// before the promotion, and so does everyone after.
pub(super) fn remove_then_revive_races_freeze() {
    model(|| {
        let map = Arc::new(with_k_in_block_1());
        let helper = map.clone();
        let t = thread::spawn(move || {
            let guard = epoch::pin();
            let root = helper.tables.root(&guard);
            helper.tables.help(root, &guard);
        });
        assert_eq!(write(&map, K, |_| WordOp::Remove).prev, Some(1));
        assert_eq!(set(&map, K, 5).prev, None);
        assert_eq!(
            get(&map, K),
            Some(5),
            "the revive is visible once it returned"
        );
        t.join().unwrap();
        assert_eq!(get(&map, K), Some(5));
        assert_eq!(map.len(), 2);
    });
}

/// A late copier against a writer: T1 helps (claims block 1 and copies K) while the
/// main thread writes K = 2, whose own help redoes block 1 (every block is claimed)
/// and then writes in `next` once K's slot is COPIED. A copier that lost the race
/// must not install its stale copy over the write: K ends at 2.
pub(super) fn late_copier_never_overwrites_a_newer_write() {
    model(|| {
        let map = Arc::new(with_k_in_block_1());
        let helper = map.clone();
        let t = thread::spawn(move || {
            let guard = epoch::pin();
            let root = helper.tables.root(&guard);
            helper.tables.help(root, &guard);
        });
        assert_eq!(set(&map, K, 2).prev, Some(1));
        t.join().unwrap();
        map.tables.finish_migration(&epoch::pin());
        assert_eq!(get(&map, K), Some(2));
        assert_eq!(map.len(), 2);
    });
}

/// Iteration races an insert of a new key into an unclaimed slot (claim, then value),
/// and reads each slot's key word before its control word (`RawWordIter::next`). X was
/// inserted before the walk (happens-before it): it is yielded exactly once, with its
/// value. K is yielded at most once, and only with the value the insert gave it: never
/// for a slot that is claimed but has no value yet, never with any other value.
pub(super) fn iteration_races_an_insert() {
    model(|| {
        let map = Arc::new(RawWordMap::with_capacity(4));
        set(&map, X, 7);
        let other = map.clone();
        let t = thread::spawn(move || set(&other, K, 1).prev);
        let seen: Vec<(u64, u64)> = map.iter().collect();
        assert_eq!(t.join().unwrap(), None, "K was new");
        assert_eq!(
            seen.iter().filter(|&&e| e == (X, 7)).count(),
            1,
            "X once, with its value: {seen:?}"
        );
        let ks: Vec<&(u64, u64)> = seen.iter().filter(|e| e.0 == K).collect();
        assert!(ks.len() <= 1 && ks.iter().all(|e| e.1 == 1), "K: {seen:?}");
        assert_eq!(seen.len(), 1 + ks.len(), "nothing else: {seen:?}");
    });
}
