//! Slot words: an entry pointer with four flag bits in its low (alignment) bits and,
//! where the address leaves room, a 16-bit hash tag in its top bits.
//!
//! ```text
//!   state            pointer   flag bits (TAGGED | BORROWED | MARK | FROZEN)
//!   EMPTY            null      0000
//!   FROZEN EMPTY     null      0001       the migration passed here: writers go to `next`
//!   TOMBSTONE        null      0010       a removed key; never reused within this table
//!   FROZEN TOMBSTONE null      0011
//!   LIVE             E         t000 / t100   100 = BORROWED: E arrived by copy from the old table
//!   FROZEN LIVE      E         tx01       read-only; still the current value until COPIED
//!   COPIED           E         tx11       E (or its successor) lives in `next`
//!
//!   EMPTY ──insert──► LIVE ──replace──► LIVE ──remove──► TOMBSTONE
//!     │                 │                                  │
//!   freeze            freeze                             freeze
//!     ▼                 ▼                                  ▼
//!   FROZEN EMPTY     FROZEN LIVE ──install in next──► COPIED   FROZEN TOMBSTONE
//! ```
//!
//! TOMBSTONE and COPIED share the MARK bit and are told apart by the null pointer.
//! Every transition is a CAS or `fetch_or` on the one word, so a slot has a single
//! modification order and the freeze is the single point where writers lose the slot.
//!
//! **Hash tags.** On 64-bit targets a word whose entry address fits in 48 bits (every
//! mainstream user-space address on x86-64 and AArch64) carries 16 bits of the key's
//! hash in bits 48..63 and sets TAGGED (t above). A probe compares the tag before it
//! dereferences the entry, so rejecting a slot of another key costs no cache miss
//! (the dependent load of an entry is the dearest step of a probe; `docs/benchmarks.md`,
//! "Hash tags"). An address that does not fit (5-level paging, pointer tagging such as MTE)
//! is stored whole, untagged, and probes dereference it as before; the flag is per
//! word, so both kinds mix freely in one table. The tag is fixed for a slot's entry and
//! travels with every `fetch_or`, so no state transition touches it.

use super::entry::Entry;

/// The migration has frozen this slot: no write may change it except setting MARK
/// (COPIED) on a frozen live entry.
pub(crate) const FROZEN: usize = 0b0001;
/// With a null pointer: a tombstone. With an entry: the entry has been installed in
/// the next table (COPIED); only ever set together with FROZEN.
pub(crate) const MARK: usize = 0b0010;
/// The entry was installed here by the migration copy, so it is still reachable from
/// the previous table; retiring it must wait until that table is retired (see
/// `boxed/retire.rs`).
pub(crate) const BORROWED: usize = 0b0100;
/// Bits 48..63 hold the hash tag and bits 0..47 (above the flags) the address.
const TAGGED: usize = 0b1000;
const FLAG_MASK: usize = 0b1111;

/// Entries must leave four low bits free for the flags above.
pub(crate) const REQUIRED_ALIGN: usize = FLAG_MASK + 1;

#[cfg(target_pointer_width = "64")]
const TAG_SHIFT: u32 = 48;
/// The address bits of a TAGGED word.
#[cfg(target_pointer_width = "64")]
const ADDR_MASK: usize = (1 << TAG_SHIFT) - 1;

/// The tag of a hash: its low 16 bits (the table index uses the top bits, so the tag
/// tells apart keys that share a home slot).
#[cfg(target_pointer_width = "64")]
#[inline]
fn tag_of(hash: u64) -> usize {
    (hash as u16 as usize) << TAG_SHIFT
}

/// A snapshot of one slot word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word(pub(crate) usize);

impl std::fmt::Debug for Word {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Word({:#x}|{:04b})",
            self.ptr::<(), ()>() as usize,
            self.0 & FLAG_MASK
        )
    }
}

impl Word {
    pub(crate) const EMPTY: Word = Word(0);
    pub(crate) const TOMBSTONE: Word = Word(MARK);

    /// The word for `entry` (whose key hashes to `hash`) with the flags `flags`.
    #[inline]
    pub(crate) fn from_entry<K, V>(entry: *const Entry<K, V>, hash: u64, flags: usize) -> Word {
        let addr = entry as usize;
        debug_assert_eq!(addr & FLAG_MASK, 0, "entry pointer is not 16-aligned");
        debug_assert_eq!(flags & !(FROZEN | MARK | BORROWED), 0);
        #[cfg(target_pointer_width = "64")]
        if addr & !ADDR_MASK == 0 {
            return Word(addr | tag_of(hash) | TAGGED | flags);
        }
        let _ = hash;
        Word(addr | flags)
    }
    #[inline]
    pub(crate) fn ptr<K, V>(self) -> *mut Entry<K, V> {
        #[cfg(target_pointer_width = "64")]
        let addr = if self.0 & TAGGED != 0 {
            self.0 & ADDR_MASK
        } else {
            self.0
        };
        #[cfg(not(target_pointer_width = "64"))]
        let addr = self.0;
        (addr & !FLAG_MASK) as *mut Entry<K, V>
    }
    /// False only if the word's entry certainly belongs to another hash (its tag
    /// differs): then the probe can skip it without dereferencing it.
    #[inline]
    pub(crate) fn may_hold(self, hash: u64) -> bool {
        #[cfg(target_pointer_width = "64")]
        if self.0 & TAGGED != 0 {
            return self.0 & !ADDR_MASK == tag_of(hash);
        }
        let _ = hash;
        true
    }
    #[inline]
    pub(crate) fn is_null(self) -> bool {
        // Null words carry no tag, so every bit above the flags is clear.
        self.0 & !FLAG_MASK == 0
    }
    #[inline]
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
    #[inline]
    pub(crate) fn is_frozen(self) -> bool {
        self.0 & FROZEN != 0
    }
    /// Frozen and empty: the first such slot on a probe path proves the key is not in
    /// this table and sends writers (and readers) to the next table.
    #[inline]
    pub(crate) fn is_frozen_empty(self) -> bool {
        self.0 == FROZEN
    }
    /// A tombstone, frozen or not.
    #[inline]
    pub(crate) fn is_tombstone(self) -> bool {
        self.is_null() && self.0 & MARK != 0
    }
    #[inline]
    pub(crate) fn is_copied(self) -> bool {
        !self.is_null() && self.0 & MARK != 0
    }
    #[inline]
    pub(crate) fn is_borrowed(self) -> bool {
        self.0 & BORROWED != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_distinct() {
        let e = 0x1000usize as *const Entry<u8, u8>;
        let live = Word::from_entry(e, 7, 0);
        let borrowed = Word::from_entry(e, 7, BORROWED);
        let frozen = Word(live.0 | FROZEN);
        let copied = Word(borrowed.0 | FROZEN | MARK);
        assert!(Word::EMPTY.is_empty() && Word::EMPTY.is_null() && !Word::EMPTY.is_frozen());
        assert!(Word(FROZEN).is_frozen_empty() && !Word(FROZEN).is_tombstone());
        assert!(Word::TOMBSTONE.is_tombstone() && !Word::TOMBSTONE.is_empty());
        assert!(Word(MARK | FROZEN).is_tombstone() && !Word(MARK | FROZEN).is_frozen_empty());
        assert!(!live.is_null() && !live.is_frozen() && !live.is_copied());
        assert!(borrowed.is_borrowed() && !live.is_borrowed());
        assert!(frozen.is_frozen() && !frozen.is_copied() && !frozen.is_frozen_empty());
        assert!(copied.is_copied() && copied.is_borrowed() && !copied.is_tombstone());
        for w in [live, borrowed, frozen, copied] {
            assert_eq!(w.ptr::<u8, u8>() as usize, 0x1000);
        }
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn tags_reject_other_hashes_and_keep_the_pointer() {
        let e = 0x7fff_ffff_fff0usize as *const Entry<u8, u8>;
        let hash = 0xdead_beef_0000_abcd;
        let w = Word::from_entry(e, hash, 0);
        assert_eq!(w.ptr::<u8, u8>(), e as *mut _);
        assert!(w.may_hold(hash));
        assert!(
            w.may_hold(0x1234_0000_0000_abcd),
            "same low 16 bits, same tag"
        );
        assert!(!w.may_hold(hash ^ 1) && !w.may_hold(hash ^ 0x8000));
        // The flags and the tag survive every state transition.
        let copied = Word(w.0 | FROZEN | MARK);
        assert!(copied.is_copied() && copied.may_hold(hash));
        assert_eq!(copied.ptr::<u8, u8>(), e as *mut _);
        // Tag 0 is still a tag: a zero low half must not look like "untagged".
        let zero = Word::from_entry(e, 0x1111_0000_0000_0000, 0);
        assert!(zero.may_hold(0) && !zero.may_hold(1));
        assert!(!zero.is_null());
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn an_address_above_48_bits_is_stored_untagged() {
        let e = 0x00ab_0000_0000_1000usize as *const Entry<u8, u8>;
        let w = Word::from_entry(e, 42, BORROWED);
        assert_eq!(w.ptr::<u8, u8>(), e as *mut _);
        assert!(w.is_borrowed() && !w.is_null());
        assert!(
            w.may_hold(42) && w.may_hold(43),
            "untagged words match every hash"
        );
        let frozen = Word(w.0 | FROZEN | MARK);
        assert!(frozen.is_copied());
        assert_eq!(frozen.ptr::<u8, u8>(), e as *mut _);
    }
}
