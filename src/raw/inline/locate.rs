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

/// Scan `table` for `key`, stopping at the first unclaimed slot. Writers pass
/// `COUNT_DEAD` to have `dead` count the slots of other keys passed that hold no value
/// (removed keys), for the purge rule; readers skip those control-word loads.
#[inline]
pub(super) fn locate<const COUNT_DEAD: bool>(
    table: &Table<InlineSlots>,
    hash: u64,
    key: u64,
) -> Loc {
    debug_assert_ne!(key, NO_KEY);
    let mut probe = table.probe(hash);
    let mut dead = 0;
    while let Some(idx) = probe.current() {
        let slot = table.slots.get(idx);
        // The key word first: a probe passes most slots on their key alone (a plain
        // 8-byte load, no 16-byte one). Acquire, so that a control word read after it
        // is at least as new as the claim.
        let mut k = slot.key_acquire();
        if k == NO_KEY {
            let ctrl = slot.ctrl();
            if ctrl.is_empty() {
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
            // A value or a tombstone: the slot was claimed after all, and the claim
            // happened before that control word was written (which our Acquire load
            // read), so the key word is visible now.
            k = slot.key();
            debug_assert_ne!(k, NO_KEY);
            if k == key {
                return Loc::Found { idx, ctrl };
            }
            dead += usize::from(COUNT_DEAD && !ctrl.is_live());
        } else if k == key {
            return Loc::Found {
                idx,
                ctrl: slot.ctrl(),
            };
        } else if COUNT_DEAD {
            dead += usize::from(!slot.ctrl().is_live());
        }
        probe.advance();
    }
    Loc::Full
}
