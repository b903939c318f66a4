//! The driver's models, generic over the map of a slot kind (`ModelMap`). Each
//! documents its setup (chosen home slots), its race, and what must hold in every
//! interleaving; `docs/testing.md` lists the bug each one was shown to catch.

use crossbeam_epoch as epoch;
use loom::sync::Arc;
use loom::thread;

use super::{key, model, ModelMap};
use crate::sync::loom_stats;

/// Promotions so far in this execution.
fn promotions() -> usize {
    loom_stats::get()[loom_stats::PROMOTE]
}

/// Progress-counter increments so far in this execution.
fn blocks_done() -> usize {
    loom_stats::get()[loom_stats::BLOCK_DONE]
}

/// The root's capacity.
fn root_cap<M: ModelMap>(map: &M) -> usize {
    let guard = epoch::pin();
    map.tables().root(&guard).cap
}

/// A grow that one thread finishes (`finish_migration`) while another thread's insert
/// helps it (redoing or claiming the block still to copy) and then inserts. Setup: a
/// 2-slot table (4 slots with the tail, 2 blocks) holding A0, A1 (home 0) and B (home
/// 1) in slots 0-2; the driver starts the grow (to 8) and copies block 0. In every
/// interleaving: the root is promoted exactly once, each block is counted once, and
/// the 8-slot root holds all four keys.
pub(super) fn grow_helpers_copy_every_entry_once<M: ModelMap>() {
    const A0: u64 = key(0x0, 1);
    const A1: u64 = key(0x2, 2);
    const B: u64 = key(0x8, 3);
    const C: u64 = key(0x4, 4);
    model(|| {
        let map = M::with_capacity(1);
        for k in [A0, A1, B] {
            assert!(map.insert(k));
        }
        {
            let guard = epoch::pin();
            let tables = map.tables();
            let root = tables.root(&guard);
            assert_eq!((root.cap, root.nblocks()), (2, 2), "setup: a 2-slot root");
            // No empty slot to prove absence with: the driver starts the grow, helps once.
            tables.overflow(root, None, false, &guard);
            assert_eq!(root.resize.done.load(crate::sync::Ordering::Relaxed), 1);
        }
        assert_eq!(
            (promotions(), blocks_done()),
            (0, 1),
            "setup: block 0 copied"
        );
        let map = Arc::new(map);
        let finisher = map.clone();
        let t = thread::spawn(move || {
            let guard = epoch::pin();
            finisher.tables().finish_migration(&guard);
        });
        assert!(map.insert(C));
        t.join().unwrap();
        assert_eq!(root_cap(&*map), 8);
        assert_eq!(
            (promotions(), blocks_done()),
            (1, 2),
            "promoted once, each block once"
        );
        for k in [A0, A1, B, C] {
            assert!(map.contains(k), "{k:#x} lost");
        }
        assert_eq!(map.tables().len(), 4);
    });
}

/// A shrink racing inserts (issue 10's panic, at the driver's level). Setup: a 4-slot
/// root holding only A. T1 removes A, which makes the table sparse and starts a shrink
/// (seal, then a `next` sized from the sealed count); meanwhile the main thread inserts
/// K1-K5 (homes 1, 2, 3, 3, 3: slots 1-5 of the old table), some into the old table
/// before its blocks are sealed, some into `next` taking room (I8). In every
/// interleaving the copy finds room (no panic) and the map ends with K1-K5, each once.
pub(super) fn shrink_seal_racing_inserts_keeps_room<M: ModelMap>() {
    const A: u64 = key(0x0, 1);
    const KEYS: [u64; 5] = [
        key(0x4, 31),
        key(0x8, 32),
        key(0xC, 33),
        key(0xD, 34),
        key(0xE, 35),
    ];
    model(|| {
        let map = M::with_capacity(1);
        for k in [A, key(0x2, 2), key(0x4, 3), key(0x6, 4)] {
            assert!(map.insert(k)); // the fourth home-0 key grows the table to 8
        }
        for k in [key(0x2, 2), key(0x4, 3), key(0x6, 4)] {
            assert!(map.remove(k)); // the last one starts a shrink from 8 to 4
        }
        map.tables().finish_migration(&epoch::pin());
        assert_eq!(root_cap(&map), 4, "setup: a 4-slot root holding A");
        let map = Arc::new(map);
        let remover = map.clone();
        let t = thread::spawn(move || assert!(remover.remove(A)));
        for k in KEYS {
            assert!(map.insert(k), "{k:#x} was new");
        }
        t.join().unwrap();
        map.tables().finish_migration(&epoch::pin());
        assert!(!map.contains(A));
        for k in KEYS {
            assert!(map.contains(k), "{k:#x} lost");
        }
        assert_eq!(map.tables().len(), KEYS.len());
    });
}

/// Reads during a seal. Setup: an 8-slot root holding A (home 0) and B (home 1), not
/// sparse yet. T1 removes B, which makes the table sparse: it starts sealing (one
/// block per write under loom), then finishes the shrink (`finish_migration`: seal the
/// rest, size and publish `next`, copy, promote). The main thread looks A up twice. A
/// is present throughout, in whichever table it is, frozen, copied or not; B is gone
/// once its remove returned; the root ends at 4 slots.
pub(super) fn reads_never_miss_during_a_seal<M: ModelMap>() {
    const A: u64 = key(0x0, 1);
    const B: u64 = key(0x2, 2);
    model(|| {
        let map = M::with_capacity(1);
        for k in [A, B, key(0x4, 3), key(0x6, 4)] {
            assert!(map.insert(k)); // the fourth home-0 key grows the table to 8
        }
        for k in [key(0x4, 3), key(0x6, 4)] {
            assert!(map.remove(k));
        }
        map.tables().finish_migration(&epoch::pin());
        assert_eq!(root_cap(&map), 8, "setup: an 8-slot root holding A and B");
        let map = Arc::new(map);
        let shrinker = map.clone();
        let t = thread::spawn(move || {
            assert!(shrinker.remove(B));
            shrinker.tables().finish_migration(&epoch::pin());
        });
        assert!(map.contains(A));
        assert!(map.contains(A));
        t.join().unwrap();
        assert!(map.contains(A) && !map.contains(B));
        assert_eq!(root_cap(&*map), 4);
    });
}
