//! Every write to the inline map: find the key word, let the caller decide from the
//! current value, and make the decision take effect with one CAS of the control word,
//! retrying until it does. The migration's parts (helping, the absence proof, room)
//! are the driver's (`migrate::Tables`), as for the boxed kind.

use crossbeam_epoch::Guard;

use super::ctrl::Ctrl;
use super::locate::{locate, Loc};
use super::slots::{Claim, InlineSlots, NO_KEY};
use super::RawWordMap;
use crate::raw::migrate::{next_of, Tables};
use crate::raw::table::Table;
use crate::sync::retry_hint;

/// What a write's decision function wants done, given the current value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WordOp {
    Keep,
    Remove,
    Set(u64),
}

/// What a write did: the value current when its decision took effect, and the
/// decision (`Keep` also when a `Remove` found nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) prev: Option<u64>,
    pub(crate) op: WordOp,
}

impl Written {
    fn kept(prev: Option<u64>) -> Self {
        Written {
            prev,
            op: WordOp::Keep,
        }
    }
}

impl RawWordMap {
    /// Find `key` (hashing to `hash`) and let `decide` choose what to do with its
    /// current value, retrying until the decision takes effect atomically. `decide`
    /// may run more than once. Lock-free.
    pub(crate) fn modify(
        &self,
        hash: u64,
        key: u64,
        guard: &Guard,
        mut decide: impl FnMut(Option<u64>) -> WordOp,
    ) -> Written {
        if key == NO_KEY {
            return self.zero_modify(decide);
        }
        let mut table = self.tables.root_for_write(guard);
        loop {
            let retry = match locate::<true>(table, hash, key) {
                // I3: the copy of this slot must be complete before the key is touched
                // in `next` (frozen but dead: the freeze proves it absent here).
                Loc::Found { idx, ctrl } if ctrl.is_frozen() => {
                    self.tables.copy_slot(table, idx, guard)
                }
                Loc::Found { idx, ctrl } => {
                    match self.write_found(table, idx, ctrl, hash, &mut decide, guard) {
                        Ok(done) => return done,
                        Err(retry) => retry,
                    }
                }
                Loc::Vacant { idx, dist, dead } => {
                    let at = Vacant {
                        idx,
                        dist,
                        dead,
                        hash,
                        key,
                    };
                    match self.write_vacant(table, at, &mut decide, guard) {
                        Ok(done) => return done,
                        Err(retry) => retry,
                    }
                }
                // An unclaimed frozen slot: `next` exists, or a shrink is sealing the
                // table and finishing the seal publishes it.
                Loc::Moved => self.tables.next_or_seal(table, guard),
                Loc::Full => self.tables.overflow(table, None, false, guard),
            };
            table = retry;
        }
    }

    /// The key has slot `idx` (control word `ctrl`, not frozen): decide, then keep,
    /// remove, replace, or give a dead key a value again (revive it in place).
    #[inline]
    fn write_found<'g>(
        &self,
        table: &'g Table<InlineSlots>,
        idx: usize,
        ctrl: Ctrl,
        hash: u64,
        decide: &mut impl FnMut(Option<u64>) -> WordOp,
        guard: &'g Guard,
    ) -> Result<Written, &'g Table<InlineSlots>> {
        let slot = table.slots.get(idx);
        let prev = ctrl.live_value();
        let op = decide(prev);
        let new = match (op, prev) {
            (WordOp::Keep, _) | (WordOp::Remove, None) => return Ok(Written::kept(prev)),
            (WordOp::Remove, Some(_)) => Ctrl::tombstone(hash),
            (WordOp::Set(_), None) if next_of(table, guard).is_some() => {
                // A key coming back while a migration is in flight goes to `next`, as
                // new keys do (so the old table only loses entries). Its slot here is
                // its only one (I1); freezing it proves the key absent here (I3).
                return Err(self.tables.copy_slot(table, idx, guard));
            }
            (WordOp::Set(v), _) => Ctrl::live(v, hash),
        };
        if slot.cas(ctrl, new).is_err() {
            retry_hint();
            return Err(table);
        }
        match (op, prev) {
            (WordOp::Remove, _) => {
                self.tables.count.remove_one();
                self.tables.after_remove(table, hash, guard);
            }
            // A claimed slot whose first value lost a race, or a tombstone revived.
            (_, None) if ctrl.is_empty() => self.tables.count.add(1),
            (_, None) => self.tables.count.revive_one(),
            _ => {}
        }
        Ok(Written { prev, op })
    }

    /// The key is absent: its probe ended at the unclaimed slot `at.idx`. Decide,
    /// then claim the slot and give it the value, or do nothing.
    #[inline]
    fn write_vacant<'g>(
        &self,
        table: &'g Table<InlineSlots>,
        at: Vacant,
        decide: &mut impl FnMut(Option<u64>) -> WordOp,
        guard: &'g Guard,
    ) -> Result<Written, &'g Table<InlineSlots>> {
        let op = decide(None);
        let WordOp::Set(value) = op else {
            return Ok(Written::kept(None));
        };
        if let Some(next) = next_of(table, guard) {
            // A migration is in flight: new keys go to `next`, after freezing the slot
            // that ended the probe (the proof of absence, I3). If someone claimed it
            // meanwhile, look again here.
            return Err(if Tables::prove_absent(table, at.idx) {
                next
            } else {
                table
            });
        }
        if at.dist > table.probe_limit {
            let retry = self
                .tables
                .past_probe_limit(table, at.idx, at.dist, at.dead, guard);
            if let Some(retry) = retry {
                return Err(retry);
            }
        }
        // I8: claiming a slot of any table but the root takes a unit of its room.
        let room = match self.tables.take_room(table, guard) {
            Ok(room) => room,
            Err(root) => {
                retry_hint();
                return Err(root);
            }
        };
        let slot = table.slots.get(at.idx);
        match slot.claim(at.key) {
            Claim::Won => {}
            // Someone else used the slot (for this key too: its claimant took room).
            Claim::Already | Claim::Other => {
                Tables::give_back_room(table, room);
                retry_hint();
                return Err(table);
            }
        }
        // The slot is the key's for good (I1), so the room unit stays spent even if
        // the CAS below loses (to a freeze, or to a writer of the same key).
        let _spent = room;
        if slot.cas(Ctrl::EMPTY, Ctrl::live(value, at.hash)).is_err() {
            retry_hint();
            return Err(table);
        }
        self.tables.count.add(1);
        Ok(Written { prev: None, op })
    }
}

/// Where a key's probe ended without finding it.
#[derive(Clone, Copy)]
struct Vacant {
    idx: usize,
    dist: usize,
    dead: usize,
    hash: u64,
    key: u64,
}
