//! The inline slot kind and the map over it (`WordMap`'s engine): each slot holds a
//! key word and a control word (value and state) side by side, so a lookup reads one
//! cache line, no write allocates, and a migration copies words. Only whole tables
//! are retired through the epoch collector.
//!
//! - `ctrl.rs`: the control word's encoding and state machine.
//! - `slots.rs`: the slot array of one table (24-byte slots in 48-byte pairs) and its
//!   `SlotKind` impl (freeze, copy).
//! - `locate.rs`: one probe of one table for a key word.
//! - `modify.rs`: every write, as named steps.
//!
//! `RawWordMap` (this file) holds the chain of tables (`migrate::Tables`) and the side
//! cell for the key word 0, which a slot uses to mean "unclaimed"; it looks keys up,
//! iterates and clears.
//!
//! The boxed kind's invariants (`raw/mod.rs`) read here as: **I1** a slot's key word
//! goes from 0 to a key once and never changes again, so a key has at most one slot
//! per table and a removed key keeps it (a later insert revives it: no tombstone is
//! ever abandoned while its key comes back); **I2** a frozen control word changes only
//! by gaining COPIED; **I3** a key is written into `next` only after its old slot is
//! frozen (and, if it held a value, COPIED) or the first unclaimed slot on its old
//! probe path is frozen unclaimed. I6 has nothing to own: values are words.

mod ctrl;
mod locate;
mod modify;
mod slots;

use crossbeam_epoch::Guard;

use self::ctrl::Ctrl;
use self::locate::{locate, Loc};
use super::migrate::{next_of, Tables};
use super::table::Table;
use crate::sync::{retry_hint, AtomicU128, Ordering};
pub(crate) use modify::{WordOp, Written};
pub(crate) use slots::InlineSlots;
use slots::NO_KEY;

pub(crate) struct RawWordMap {
    pub(in crate::raw) tables: Tables<InlineSlots>,
    /// The value of the key word 0 (which no slot can hold: 0 is "unclaimed"). LIVE
    /// or not; never frozen, since it never migrates.
    zero: AtomicU128,
}

/// `find`'s common case, in the root only and written straight: `Some(answer)` where the
/// probe reaches the key with a current control word (neither FROZEN nor COPIED) or an
/// unclaimed EMPTY slot before the end of the array; `None` sends the caller to the
/// general loop (`locate`, then `next`), which starts over from the home slot. Every
/// answer given here is one `locate` + `find` could give from the same loads in the
/// same order (key words with Acquire, then the control word of the slot that ends the
/// probe); bailing out and starting over is only a later read.
/// Why it exists: under a held pin the general loop's lookups, identical in loads, ran
/// 1.2-1.5x slower out of cache on this VM (`docs/benchmarks.md`, "What bounds a one-thread
/// lookup", and "A straight-line find"). The loom model
/// `remove_then_revive_races_freeze` catches a version of this function that ignores
/// FROZEN and COPIED, and `tests/word_model.rs` one that takes a frozen EMPTY slot for
/// absence (`docs/testing.md`).
#[inline]
fn find_in_root(table: &Table<InlineSlots>, hash: u64, key: u64) -> Option<Option<u64>> {
    let mut idx = table.home(hash);
    let len = table.len();
    while idx < len {
        let slot = table.slots.get(idx);
        let k = slot.key_acquire();
        if k == key {
            let c = slot.ctrl();
            return (!c.is_frozen() && !c.is_copied()).then(|| c.live_value());
        }
        if k == NO_KEY {
            let c = slot.ctrl();
            return (c.is_empty() && !c.is_frozen()).then_some(None);
        }
        idx += 1;
    }
    None
}

impl RawWordMap {
    /// A map whose table never shrinks below room for `entries` entries.
    ///
    /// Panics with "capacity overflow" if the table size does not fit in `usize`.
    pub(crate) fn with_capacity(entries: usize) -> Self {
        RawWordMap {
            tables: Tables::with_capacity(entries),
            zero: AtomicU128::new(0),
        }
    }

    /// Number of entries (approximate while writers run).
    pub(crate) fn len(&self) -> usize {
        self.tables.len()
    }

    /// Home slots of the current root table.
    pub(crate) fn capacity(&self, guard: &Guard) -> usize {
        self.tables.root(guard).cap
    }

    /// The capacity the map never shrinks below.
    pub(crate) fn min_capacity(&self) -> usize {
        self.tables.min_capacity()
    }

    /// The value of `key` (hashing to `hash`), if any. Wait-free: at most two tables of
    /// bounded size are probed, and nothing is written.
    #[inline]
    pub(crate) fn find(&self, hash: u64, key: u64, guard: &Guard) -> Option<u64> {
        if key == NO_KEY {
            return self.zero_ctrl().live_value();
        }
        let root = self.tables.root(guard);
        if let Some(found) = find_in_root(root, hash, key) {
            return found;
        }
        let mut table = root;
        loop {
            match locate::<false>(table, hash, key) {
                // COPIED, or frozen without a value: whatever the key holds now is in
                // `next` (a frozen live value not yet COPIED is still current, I3).
                Loc::Found { ctrl, .. }
                    if ctrl.is_copied() || ctrl.is_frozen() && !ctrl.is_live() =>
                {
                    table = next_of(table, guard)?;
                }
                Loc::Found { ctrl, .. } => return ctrl.live_value(),
                Loc::Vacant { .. } => return None,
                Loc::Moved | Loc::Full => table = next_of(table, guard)?,
            }
        }
    }

    /// Acquire: as a slot's control word (nothing else is read through it, but a
    /// reader that sees a value must not see an older one on a later read).
    fn zero_ctrl(&self) -> Ctrl {
        Ctrl(self.zero.load(Ordering::Acquire))
    }

    /// Remove every entry present for the whole call, then shrink (`Tables::clear_with`).
    pub(crate) fn clear(&self, guard: &Guard) {
        self.zero_modify(|_| WordOp::Remove);
        self.tables.clear_with(guard, |root| {
            for slot in root.slots.iter() {
                let mut c = slot.ctrl();
                // Frozen slots belong to a migration that started during this pass.
                while c.is_live() && !c.is_frozen() {
                    match slot.cas(c, Ctrl::tombstone(c.hash())) {
                        Ok(()) => {
                            self.tables.count.remove_one();
                            break;
                        }
                        Err(actual) => {
                            c = actual;
                            retry_hint();
                        }
                    }
                }
            }
        });
    }

    /// Grow the table, if needed, to hold `entries` entries (`Tables::reserve`).
    pub(crate) fn reserve(&self, entries: usize, guard: &Guard) {
        self.tables.reserve(entries, guard);
    }

    /// Finish any migration in flight, then shrink to the live count.
    pub(crate) fn shrink_to_fit(&self, guard: &Guard) {
        self.tables.shrink_to_fit(guard);
    }

    /// A weakly consistent walk over every key and value (see `RawWordIter`), which
    /// holds its own pin for as long as it lives.
    pub(crate) fn iter(&self) -> RawWordIter {
        let guard = crossbeam_epoch::pin();
        self.tables.finish_migration(&guard);
        let table: *const Table<InlineSlots> = self.tables.root(&guard);
        RawWordIter {
            zero: self.zero_ctrl().live_value(),
            table,
            idx: 0,
            guard,
        }
    }

    /// `modify` for the key word 0, on the side cell: the slot protocol without keys,
    /// freezing or room.
    fn zero_modify(&self, mut decide: impl FnMut(Option<u64>) -> WordOp) -> Written {
        let (cell, count) = (&self.zero, &self.tables.count);
        // Acquire, as `zero_ctrl`.
        let mut c = Ctrl(cell.load(Ordering::Acquire));
        loop {
            let prev = c.live_value();
            let op = decide(prev);
            let new = match (op, prev) {
                (WordOp::Keep, _) | (WordOp::Remove, None) => {
                    return Written {
                        prev,
                        op: WordOp::Keep,
                    }
                }
                (WordOp::Remove, Some(_)) => Ctrl::EMPTY,
                (WordOp::Set(v), _) => Ctrl::live(v, 0),
            };
            // Release / Acquire: as a slot's control word (`Slot::cas`).
            match cell.compare_exchange(c.0, new.0, Ordering::Release, Ordering::Acquire) {
                Ok(_) => {
                    match (op, prev) {
                        (WordOp::Remove, _) => count.add(-1),
                        (_, None) => count.add(1),
                        _ => {}
                    }
                    return Written { prev, op };
                }
                Err(actual) => {
                    c = Ctrl(actual);
                    retry_hint();
                }
            }
        }
    }
}

/// Weakly consistent iteration over the root table (after finishing any migration in
/// flight), yielding copies. A key has one slot per table (I1), so no key is yielded
/// twice; a key present for the whole walk is yielded with some value it held during
/// it; keys written during the walk may or may not be.
pub(crate) struct RawWordIter {
    zero: Option<u64>,
    /// Loaded from the root under `guard`, which this iterator owns.
    table: *const Table<InlineSlots>,
    idx: usize,
    guard: Guard,
}

impl RawWordIter {
    fn table(&self) -> &Table<InlineSlots> {
        let _pinned = &self.guard;
        // SAFETY: I7: `table` was loaded from the root under `self.guard`, which lives
        // as long as `self`, so the table is not freed while `self` can be used.
        unsafe { &*self.table }
    }
}

impl Iterator for RawWordIter {
    type Item = (u64, u64);

    fn next(&mut self) -> Option<(u64, u64)> {
        if let Some(v) = self.zero.take() {
            return Some((NO_KEY, v));
        }
        let mut idx = self.idx;
        let table = self.table();
        let found = loop {
            if idx >= table.len() {
                break None;
            }
            let slot = table.slots.get(idx);
            idx += 1;
            // The key word first, so an unclaimed slot (half the table or more) costs
            // an inlined 8-byte load instead of the 16-byte control-word load, an
            // out-of-line call through portable-atomic's run-time dispatch. Relaxed is
            // enough: a claim that happens-before this walk is seen (coherence), and one
            // that does not belongs to an insert that may or may not be yielded anyway.
            // A claimed key word never changes (I1), so it is the key of the value the
            // control word gives.
            let key = slot.key();
            if key == NO_KEY {
                continue;
            }
            if let Some(v) = slot.ctrl().live_value() {
                break Some((key, v));
            }
        };
        self.idx = idx;
        found
    }
}
