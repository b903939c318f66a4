//! One probe of one table for a key word: where it is, or where it would go.

use super::ctrl::Ctrl;
use super::slots::{InlineSlots, NO_KEY};
use crate::raw::table::Table;

/// Where a key is, or would go, in one table.
pub(super) enum Loc {
    /// The key's slot (the only one it has in this table, I1), whatever its state.
    Found { idx: usize, ctrl: Ctrl },
    /// The first unclaimed, unfrozen slot on the probe path: the key is absent.
    Vacant {
        idx: usize,
        dist: usize,
        dead: usize,
    },
    /// An unclaimed frozen slot ended the probe: the key's fate is in `next`.
    Moved,
    /// Every slot was visited without finding the key or an unclaimed slot.
    Full,
}

/// Scan `table` for `key`, stopping at the first unclaimed slot; `dead` counts the
/// slots of other keys passed that hold no value (removed keys), for the purge rule.
#[inline]
pub(super) fn locate(table: &Table<InlineSlots>, hash: u64, key: u64) -> Loc {
    debug_assert_ne!(key, NO_KEY);
    let mut probe = table.probe(hash);
    let mut dead = 0;
    while let Some(idx) = probe.current() {
        let slot = table.slots.get(idx);
        // Control word first (Acquire): if it holds a value or a tombstone, the key
        // claim that preceded it is visible to the key load after it.
        let ctrl = slot.ctrl();
        let k = slot.key();
        if k == key {
            return Loc::Found { idx, ctrl };
        }
        if k == NO_KEY {
            return if ctrl.is_frozen() {
                Loc::Moved
            } else {
                Loc::Vacant {
                    idx,
                    dist: probe.dist,
                    dead,
                }
            };
        }
        dead += usize::from(!ctrl.is_live());
        probe.advance();
    }
    Loc::Full
}
