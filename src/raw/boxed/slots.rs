//! The boxed kind's slot array: one atomic word per slot (`word.rs`), each pointing to a
//! heap entry (`entry.rs`), plus the table's list of borrowed entries (I6). Implements
//! `SlotKind` for the migration driver: freezing a word, copying entries into the next
//! table, and freeing the borrowed list with the table.

use std::marker::PhantomData;
use std::ops::Range;

use super::entry::Entry;
use super::word::{Word, BORROWED, FROZEN, MARK};
use crate::raw::kind::{Held, SlotKind};
use crate::raw::table::{Table, BLOCK};
use crate::raw::zeroed::{zeroed_slice, Zeroable};
use crate::sync::{retry_hint, AtomicPtr, AtomicUsize, Ordering};

pub(crate) struct BoxedSlots<K, V> {
    words: Box<[AtomicUsize]>,
    /// Entries that were copied out of this table and then replaced or removed in
    /// `next`; readers of this table may still reach them, so they are freed with it.
    pub(super) borrowed: AtomicPtr<Entry<K, V>>,
    /// The borrowed list owns its entries (dropping the slots drops their K and V).
    _owns: PhantomData<Box<Entry<K, V>>>,
}

impl<K, V> BoxedSlots<K, V> {
    /// Acquire: the word may be dereferenced; pairs with the Release CAS that
    /// published the entry.
    #[inline]
    pub(super) fn load(&self, idx: usize) -> Word {
        Word(self.words[idx].load(Ordering::Acquire))
    }

    /// Every word, for a caller with exclusive access (the map's `Drop`).
    pub(super) fn words_relaxed(&self) -> impl Iterator<Item = Word> + '_ {
        // Relaxed: the caller has exclusive access.
        self.words.iter().map(|w| Word(w.load(Ordering::Relaxed)))
    }
}

impl<K, V> Table<BoxedSlots<K, V>> {
    /// Slot `idx`'s word (Acquire; see `BoxedSlots::load`).
    #[inline]
    pub(super) fn load(&self, idx: usize) -> Word {
        self.slots.load(idx)
    }

    /// CAS a slot from `current` to `new`. Release on success publishes `new`'s entry;
    /// Acquire on failure because the caller may dereference the value it sees.
    #[inline]
    pub(super) fn cas(&self, idx: usize, current: Word, new: Word) -> Result<(), Word> {
        self.slots.words[idx]
            .compare_exchange(current.0, new.0, Ordering::Release, Ordering::Acquire)
            .map(|_| ())
            .map_err(Word)
    }

    /// Freeze a slot and return the word it held just before.
    ///
    /// AcqRel: Acquire because the returned entry is copied (dereferenced); Release so a
    /// thread that later reads the frozen word also sees this thread's earlier writes
    /// (in particular its load of `next`, which must be non-null for any frozen slot).
    #[inline]
    pub(super) fn freeze(&self, idx: usize) -> Word {
        Word(self.slots.words[idx].fetch_or(FROZEN, Ordering::AcqRel))
    }
}

impl<K, V> SlotKind for BoxedSlots<K, V> {
    fn with_len(len: usize) -> Self {
        BoxedSlots {
            words: zeroed_slice(len),
            borrowed: AtomicPtr::new(std::ptr::null_mut()),
            _owns: PhantomData,
        }
    }

    fn freeze(&self, idx: usize) -> Held {
        // AcqRel, as `Table::freeze`.
        let w = Word(self.words[idx].fetch_or(FROZEN, Ordering::AcqRel));
        if !w.is_null() {
            Held::Entry
        } else if w.is_tombstone() {
            Held::Removed
        } else {
            Held::Empty
        }
    }

    fn is_copied(&self, idx: usize) -> bool {
        self.load(idx).is_copied()
    }

    unsafe fn copy_range(
        old: &Table<Self>,
        next: &Table<Self>,
        range: Range<usize>,
        sealed: bool,
    ) -> usize {
        // Pass 1: read the hash of every live entry in the block with plain loads.
        // Copying needs each entry's hash (for its home in `next`), and the entries lie
        // in allocation order, not table order, so each read is a cache miss. Here
        // nothing orders the loads, so the CPU overlaps the misses; in pass 2 every
        // slot's freeze is a locked RMW, which would make each miss wait for the one
        // before (dependent misses cost about ten times independent ones here).
        debug_assert!(range.len() <= BLOCK);
        let mut hashes = [(std::ptr::null_mut::<Entry<K, V>>(), 0u64); BLOCK];
        for (seen, idx) in hashes.iter_mut().zip(range.clone()) {
            let w = old.load(idx);
            if !w.is_null() && !w.is_copied() {
                let entry = w.ptr::<K, V>();
                // SAFETY: I7 (caller's contract): `w` was loaded under the caller's
                // guard from `old`, which is reachable under it, and I6 keeps the
                // entry alive as long as `old` is.
                *seen = (entry, unsafe { (*entry).hash });
            }
        }
        // Pass 2: freeze and copy. A slot that changed since pass 1 is copied all the
        // same (the hint only saves the read of a hash already known). Blocks never
        // exceed `BLOCK` slots, so the zip covers the whole range.
        let mut copied = 0;
        for (&hint, idx) in hashes.iter().zip(range) {
            // SAFETY: the caller's contract, passed on.
            copied += usize::from(unsafe { copy_slot_hinted(old, next, idx, hint, sealed) });
        }
        copied
    }

    unsafe fn copy_slot(old: &Table<Self>, next: &Table<Self>, idx: usize) {
        // SAFETY: the caller's contract, passed on.
        unsafe { copy_slot_hinted(old, next, idx, (std::ptr::null_mut(), 0), false) };
    }
}

/// Copy one slot, where `hint` may hold an entry and its hash read earlier (see
/// `copy_range`); it is used only if the frozen slot still holds that same entry.
/// Returns whether the slot held an entry still to be copied (by us or a racing
/// helper): the work that makes a copy expensive.
///
/// # Safety
///
/// As `SlotKind::copy_range`: `next` is `old`'s `next`, both reachable under a guard
/// the caller holds.
unsafe fn copy_slot_hinted<K, V>(
    old: &Table<BoxedSlots<K, V>>,
    next: &Table<BoxedSlots<K, V>>,
    idx: usize,
    hint: (*mut Entry<K, V>, u64),
    sealed: bool,
) -> bool {
    // `sealed`: a seal froze the slot (the caller saw its block SEALED with Acquire),
    // and a frozen slot changes only to COPIED (I2), so a load gives what a freeze would.
    let w = if sealed {
        old.load(idx)
    } else {
        old.freeze(idx)
    };
    if w.is_null() || w.is_copied() {
        return false;
    }
    let entry = w.ptr::<K, V>();
    let hash = if entry == hint.0 {
        hint.1
    } else {
        // SAFETY: `entry` came from a frozen slot of `old`, which the caller reaches
        // under a guard; I6/I7 keep it alive while `old` is reachable.
        unsafe { (*entry).hash }
    };
    // SAFETY: the caller's contract, passed on.
    unsafe { install_copy(old, idx, next, entry, hash) };
    // Release: a reader that sees COPIED goes to `next` and must find the entry there
    // (the install CAS above happens-before this).
    old.slots.words[idx].fetch_or(MARK, Ordering::Release);
    true
}

/// Put `entry` (from slot `idx` of `old`, with hash `hash`) into `next` unless that
/// copy already happened.
///
/// # Safety
///
/// As `copy_slot_hinted`.
unsafe fn install_copy<K, V>(
    old: &Table<BoxedSlots<K, V>>,
    idx: usize,
    next: &Table<BoxedSlots<K, V>>,
    entry: *mut Entry<K, V>,
    hash: u64,
) {
    let mut probe = next.probe(hash);
    while let Some(i) = probe.current() {
        let mut w = next.load(i);
        loop {
            if w.is_empty() {
                match next.cas(i, Word::EMPTY, Word::from_entry(entry, hash, BORROWED)) {
                    Ok(()) => return,
                    Err(actual) => {
                        w = actual;
                        retry_hint();
                        continue;
                    }
                }
            }
            if w.ptr::<K, V>() == entry {
                return; // another helper installed it
            }
            // A tombstone, a frozen slot, or an entry with our hash might be the result of
            // our key having been copied and then removed or replaced in `next`. All of
            // those writes happen after the old slot is COPIED (I3), and we read them with
            // Acquire, so if this is the case we see COPIED now and stop.
            // SAFETY: a non-null word loaded from `next`, reachable under the caller's
            // guard (I7).
            let maybe_ours =
                w.is_null() || (w.may_hold(hash) && unsafe { (*w.ptr::<K, V>()).hash == hash });
            if maybe_ours && old.load(idx).is_copied() {
                return;
            }
            break;
        }
        probe.advance();
    }
    // I8: every non-empty slot of `next` holds a copy of another old slot or a direct
    // insert that took a unit of `next`'s room, and those never number `next.len()`
    // while a copy is pending, so the probe above (every slot) met an empty one.
    unreachable!("splitmap: no free slot in the next table for a migrating entry");
}

impl<K, V> Drop for BoxedSlots<K, V> {
    fn drop(&mut self) {
        // A table never owns the entries in its slots once it is retired (they belong to
        // `next`, I6); it owns only its borrowed list. The final root is emptied by
        // `RawMap::drop` before it is freed.
        // Acquire: pairs with the Release CAS of each `push_borrowed`, so every link
        // written before a push is visible (the epoch already orders the pushes before
        // this destructor; the pairing states it without relying on that). The links
        // themselves are then read Relaxed.
        let mut cur = self.borrowed.load(Ordering::Acquire);
        while !cur.is_null() {
            // SAFETY: I6: entries on the borrowed list are owned by this table alone, and
            // the table is being destroyed, so no reader can reach them any more (the
            // epoch collector only runs this after every guard that saw the table is gone).
            let entry = unsafe { Box::from_raw(cur) };
            cur = entry.retired_next.load(Ordering::Relaxed);
        }
    }
}

// SAFETY: an `AtomicUsize` has the representation of a `usize`, for which all-zero
// bytes are 0 (EMPTY).
unsafe impl Zeroable for AtomicUsize {
    fn zero() -> Self {
        AtomicUsize::new(0)
    }
}
