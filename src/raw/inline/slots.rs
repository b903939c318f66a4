//! The inline kind's slot array: each slot holds its key word and its control word
//! (`ctrl.rs`), 24 bytes, stored in pairs so the 16-byte control words stay 16-aligned
//! (see `Pair`); a probe reads one cache line for most slots and nothing outside the
//! table. Implements `SlotKind` for the migration driver: freezing a control word,
//! copying live values into the next table.

use std::ops::Range;

use super::ctrl::Ctrl;
use crate::raw::kind::{Held, SlotKind};
use crate::raw::table::Table;
use crate::raw::zeroed::{zeroed_slice, Zeroable};
use crate::sync::{retry_hint, AtomicU128, AtomicU64, Ordering};

/// The key word that no key has claimed. The key whose word is 0 lives in the map's
/// side cell instead (`RawWordMap::zero`), so a slot never needs to store it.
pub(super) const NO_KEY: u64 = 0;

/// Two slots in 48 bytes: `ctrl0 | key0 | key1 | ctrl1`. A slot needs 24 bytes (a key
/// word and a 16-byte control word, which the 128-bit CAS needs 16-aligned); alone it
/// would be padded to 32. Paired, each slot's bytes are contiguous (slot 0: 0..24,
/// slot 1: 24..48), so a slot straddles a cache line only where a pair does: 2 slots in
/// every 8 (their key word and control word then sit in adjacent lines). No atomic
/// straddles a line (each is aligned to its size). The table is 3/4 the bytes of
/// 32-byte slots, which is what a lookup's cache miss depends on (`docs/benchmarks.md`,
/// "Denser WordMap slots").
#[repr(C, align(16))]
pub(crate) struct Pair {
    ctrl0: AtomicU128,
    key0: AtomicU64,
    key1: AtomicU64,
    ctrl1: AtomicU128,
}

/// One slot: its key word and its control word, in some `Pair`. `key` goes from
/// `NO_KEY` to a key once, by CAS, and never changes again (I1 for this kind); `ctrl`
/// carries the value and the state.
#[derive(Clone, Copy)]
pub(crate) struct Slot<'a> {
    ctrl: &'a AtomicU128,
    key: &'a AtomicU64,
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
    /// `len` slots, rounded up to whole pairs (an odd `len` leaves one slot unused).
    pairs: Box<[Pair]>,
    len: usize,
}

impl<'a> Slot<'a> {
    /// Acquire: a non-empty control word was set after its key was claimed (by the
    /// same writer, or by one that read the claim first), so the key load that follows
    /// sees the claim.
    #[inline]
    pub(super) fn ctrl(self) -> Ctrl {
        Ctrl(self.ctrl.load(Ordering::Acquire))
    }

    /// The key word, Acquire: pairs with the claim's CAS, so a control word loaded
    /// afterwards is no older than the claim.
    #[inline]
    pub(super) fn key_acquire(self) -> u64 {
        self.key.load(Ordering::Acquire)
    }

    /// The key word. Relaxed where it follows a `ctrl` load (that Acquire orders it);
    /// a key word is written once and carries no other data. Iteration reads it before
    /// the control word, only to skip unclaimed slots (`RawWordIter::next` says why
    /// Relaxed is enough there).
    #[inline]
    pub(in crate::raw) fn key(self) -> u64 {
        self.key.load(Ordering::Relaxed)
    }

    /// Claim this slot for `key`. AcqRel: the claim is ordered before the control-word
    /// CAS that gives the key its value (Release), which is what readers acquire; and
    /// a claim we lose is read whole.
    #[inline]
    pub(super) fn claim(self, key: u64) -> Claim {
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
    pub(super) fn cas(self, current: Ctrl, new: Ctrl) -> Result<(), Ctrl> {
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
    fn freeze(self) -> Ctrl {
        Ctrl(self.ctrl.fetch_or(Ctrl::FREEZE, Ordering::AcqRel))
    }
}

impl InlineSlots {
    /// Slot `idx` (< the table's `len`).
    #[inline]
    pub(in crate::raw) fn get(&self, idx: usize) -> Slot<'_> {
        debug_assert!(idx < self.len);
        let pair = &self.pairs[idx / 2];
        if idx % 2 == 0 {
            Slot {
                ctrl: &pair.ctrl0,
                key: &pair.key0,
            }
        } else {
            Slot {
                ctrl: &pair.ctrl1,
                key: &pair.key1,
            }
        }
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = Slot<'_>> + '_ {
        (0..self.len).map(|idx| self.get(idx))
    }
}

impl SlotKind for InlineSlots {
    fn with_len(len: usize) -> Self {
        InlineSlots {
            pairs: zeroed_slice(len.div_ceil(2)),
            len,
        }
    }

    fn freeze(&self, idx: usize) -> Held {
        let slot = self.get(idx);
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
        self.get(idx).ctrl().is_copied()
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

// SAFETY: a `Pair` is four atomic integers (no padding), each with the representation
// of its integer, so all-zero bytes are keys 0 and control words 0: unclaimed and EMPTY.
unsafe impl Zeroable for Pair {
    fn zero() -> Self {
        Pair {
            ctrl0: AtomicU128::new(0),
            key0: AtomicU64::new(0),
            key1: AtomicU64::new(0),
            ctrl1: AtomicU128::new(0),
        }
    }
}

#[cfg(all(test, not(splitmap_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_pair_holds_two_contiguous_24_byte_slots() {
        assert_eq!(std::mem::size_of::<Pair>(), 48);
        assert_eq!(std::mem::align_of::<Pair>(), 16);
        let slots = InlineSlots::with_len(5);
        assert_eq!(slots.pairs.len(), 3);
        assert_eq!(slots.iter().count(), 5);
        let base = slots.pairs.as_ptr() as usize;
        for idx in 0..5 {
            let s = slots.get(idx);
            let (ctrl, key) = (s.ctrl as *const _ as usize, s.key as *const _ as usize);
            assert_eq!(ctrl % 16, 0, "slot {idx}: the 128-bit word is 16-aligned");
            // Each slot's 24 bytes are contiguous and slots follow one another.
            let start = ctrl.min(key);
            assert_eq!(start, base + 24 * idx, "slot {idx} starts at 24 * idx");
            assert_eq!(ctrl.max(key) + if ctrl > key { 16 } else { 8 }, start + 24);
        }
    }
}
