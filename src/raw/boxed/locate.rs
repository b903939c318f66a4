//! One probe of one table for a key: where it is, or where it would go.

use super::slots::BoxedSlots;
use super::Entry;
use crate::raw::table::Table;

/// Where a key is, or would go, in one table.
pub(super) enum Loc {
    /// The key's slot; `word` is live or frozen-live, never COPIED.
    Found { idx: usize, word: super::Word },
    /// The first empty (unfrozen) slot on the probe path: the key is absent.
    Vacant {
        idx: usize,
        dist: usize,
        tombs: usize,
    },
    /// The table is (being) migrated past this key: look in `next`.
    Moved,
    /// Every slot was visited without finding the key or an empty slot.
    Full,
}

/// Scan `table` for the key, stopping at the first empty slot. `table` must be
/// reachable under a guard the caller holds (every caller loads it from the map's root
/// or a `next` under one), so the entries met may be read.
#[inline]
pub(super) fn locate<K, V>(
    table: &Table<BoxedSlots<K, V>>,
    hash: u64,
    eq: impl Fn(&K) -> bool,
) -> Loc {
    let mut probe = table.probe(hash);
    let mut tombs = 0;
    while let Some(idx) = probe.current() {
        let w = table.load(idx);
        if w.is_null() {
            if w.is_empty() {
                return Loc::Vacant {
                    idx,
                    dist: probe.dist,
                    tombs,
                };
            }
            if w.is_frozen_empty() {
                return Loc::Moved;
            }
            tombs += 1;
        } else if w.may_hold(hash) {
            // SAFETY: I7: the entry was loaded from a table reachable under the caller's
            // guard, and I6 keeps it alive at least as long as that table is reachable.
            let e = unsafe { &*w.ptr::<K, V>() as &Entry<K, V> };
            if e.hash == hash && eq(&e.key) {
                return if w.is_copied() {
                    Loc::Moved
                } else {
                    Loc::Found { idx, word: w }
                };
            }
        }
        probe.advance();
    }
    Loc::Full
}
