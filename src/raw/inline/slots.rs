//! The inline kind's slot array: each slot holds its key word and its control word
//! (`ctrl.rs`) side by side in 32 bytes, so a probe reads one cache line per two
//! slots and nothing outside the table. Implements `SlotKind` for the migration
//! driver: freezing a control word, copying live values into the next table.

use std::ops::Range;

use super::ctrl::Ctrl;
use crate::raw::kind::{Held, SlotKind};
use crate::raw::table::Table;
use crate::raw::zeroed::{zeroed_slice, Zeroable};
use crate::sync::{retry_hint, AtomicU128, AtomicU64, Ordering};

/// The key word that no key has claimed. The key whose word is 0 lives in the map's
/// side cell instead (`RawWordMap::zero`), so a slot never needs to store it.
pub(super) const NO_KEY: u64 = 0;

/// One slot. `key` goes from `NO_KEY` to a key once, by CAS, and never changes again
/// (I1 for this kind); `ctrl` carries the value and the state.
#[repr(C, align(32))]
pub(crate) struct Slot {
    ctrl: AtomicU128,
    key: AtomicU64,
}

/// The result of `Slot::claim`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Claim {
    /// The slot was unclaimed and is now the key's.
    Won,
    /// Another thread claimed it for the same key first.
    Already,
    /// It belongs to another key.
    Other,
}

pub(crate) struct InlineSlots {
    slots: Box<[Slot]>,
}

impl Slot {
    /// Acquire: a non-empty control word was set after its key was claimed (by the
    /// same writer, or by one that read the claim first), so the key load that follows
    /// sees the claim.
    #[inline]
    pub(super) fn ctrl(&self) -> Ctrl {
        Ctrl(self.ctrl.load(Ordering::Acquire))
    }

    /// The key word, Acquire: pairs with the claim's CAS, so a control word loaded
    /// afterwards is no older than the claim.
    #[inline]
    pub(super) fn key_acquire(&self) -> u64 {
        self.key.load(Ordering::Acquire)
    }

    /// The key word. Relaxed where it follows a `ctrl` load (that Acquire orders it);
    /// a key word is written once and carries no other data. Iteration reads it before
    /// the control word, only to skip unclaimed slots (`RawWordIter::next` says why
    /// Relaxed is enough there).
    #[inline]
    pub(in crate::raw) fn key(&self) -> u64 {
        self.key.load(Ordering::Relaxed)
    }

    /// Claim this slot for `key`. AcqRel: the claim is ordered before the control-word
    /// CAS that gives the key its value (Release), which is what readers acquire; and
    /// a claim we lose is read whole.
    #[inline]
    pub(super) fn claim(&self, key: u64) -> Claim {
        match self
            .key
            .compare_exchange(NO_KEY, key, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Claim::Won,
            Err(k) if k == key => Claim::Already,
            Err(_) => Claim::Other,
        }
    }

    /// CAS the control word. Release on success publishes the value (and, before it,
    /// the key claim); Acquire on failure because the caller acts on what it sees.
    #[inline]
    pub(super) fn cas(&self, current: Ctrl, new: Ctrl) -> Result<(), Ctrl> {
        self.ctrl
            .compare_exchange(current.0, new.0, Ordering::Release, Ordering::Acquire)
            .map(|_| ())
            .map_err(Ctrl)
    }

    /// Freeze the slot and return its control word just before. AcqRel: Acquire so the
    /// value and key read for the copy are the latest; Release so a thread that later
    /// reads the frozen word also sees our earlier load of `next` (non-null for any
    /// frozen slot, or a seal under way).
    #[inline]
    fn freeze(&self) -> Ctrl {
        Ctrl(self.ctrl.fetch_or(Ctrl::FREEZE, Ordering::AcqRel))
    }
}

impl InlineSlots {
    #[inline]
    pub(in crate::raw) fn get(&self, idx: usize) -> &Slot {
        &self.slots[idx]
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &Slot> + '_ {
        self.slots.iter()
    }
}

impl SlotKind for InlineSlots {
    fn with_len(len: usize) -> Self {
        InlineSlots {
            slots: zeroed_slice(len),
        }
    }

    fn freeze(&self, idx: usize) -> Held {
        let slot = &self.slots[idx];
        let c = slot.freeze();
        if c.is_live() {
            Held::Entry
        } else if slot.key.load(Ordering::Acquire) == NO_KEY {
            // Read after the freeze: a key claimed from now on finds the slot frozen
            // and goes to `next`, and one claimed earlier whose writer set the control
            // word we would have read (our freeze read from that Release CAS). So no
            // value of any key can enter this slot: a proof of absence (I3).
            Held::Empty
        } else {
            Held::Removed
        }
    }

    fn is_copied(&self, idx: usize) -> bool {
        self.slots[idx].ctrl().is_copied()
    }

    unsafe fn copy_range(
        old: &Table<Self>,
        next: &Table<Self>,
        range: Range<usize>,
        sealed: bool,
    ) -> usize {
        let mut copied = 0;
        for idx in range {
            let slot = old.slots.get(idx);
            // `sealed`: a seal froze every slot of the block (the caller saw it SEALED
            // with Acquire) and a frozen word changes only to COPIED, so a load gives
            // what a freeze would.
            let c = if sealed { slot.ctrl() } else { slot.freeze() };
            if !c.is_live() || c.is_copied() {
                continue;
            }
            // Acquire: pairs with the claim; the control word we froze was set after it.
            let key = slot.key.load(Ordering::Acquire);
            install_copy(next, key, c.value(), c.hash());
            // Release: a reader that sees COPIED goes to `next` and must find the value.
            slot.ctrl.fetch_or(Ctrl::COPY, Ordering::Release);
            copied += 1;
        }
        copied
    }
}

/// Put `key` (with `value`, hash `hash`) into `next`, unless a helper copying the
/// same slot did. Before the old slot is COPIED no writer touches `key` in `next`
/// (I3), so `key`'s slot there is unclaimed, claimed by a helper of this same copy,
/// or valued by one; after COPIED it may hold later writes, which we must not undo:
/// a non-empty control word is left alone in either case.
fn install_copy(next: &Table<InlineSlots>, key: u64, value: u64, hash: u64) {
    let mut probe = next.probe(hash);
    while let Some(i) = probe.current() {
        let slot = next.slots.get(i);
        if slot.claim(key) != Claim::Other {
            let mut c = slot.ctrl();
            // Never frozen here: `next` cannot start a migration of its own before
            // this one is promoted, which waits for this copy.
            while c.is_empty() && !c.is_frozen() {
                match slot.cas(c, Ctrl::live(value, hash)) {
                    Ok(()) => return,
                    Err(actual) => {
                        c = actual;
                        retry_hint();
                    }
                }
            }
            return;
        }
        probe.advance();
    }
    // I8: copies and room-holding direct inserts never claim every slot of `next`
    // while a copy is pending, so the probe above met an unclaimed slot or our key.
    unreachable!("splitmap: no free slot in the next table for a migrating entry");
}

// SAFETY: a `Slot` is two atomic integers (with padding), each with the
// representation of its integer, so all-zero bytes are key 0 and control word 0:
// unclaimed and EMPTY.
unsafe impl Zeroable for Slot {
    fn zero() -> Self {
        Slot {
            ctrl: AtomicU128::new(0),
            key: AtomicU64::new(0),
        }
    }
}

#[cfg(all(test, not(splitmap_loom)))]
mod tests {
    use super::*;

    #[test]
    fn two_slots_share_a_cache_line() {
        assert_eq!(std::mem::size_of::<Slot>(), 32);
        assert_eq!(std::mem::align_of::<Slot>(), 32);
    }
}
