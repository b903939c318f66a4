//! Slot words: an entry pointer with three state bits in its low (alignment) bits.
//!
//! ```text
//!   state            pointer   tag bits (BORROWED | MARK | FROZEN)
//!   EMPTY            null      000
//!   FROZEN EMPTY     null      001        the migration passed here: writers go to `next`
//!   TOMBSTONE        null      010        a removed key; never reused within this table
//!   FROZEN TOMBSTONE null      011
//!   LIVE             E         000 / 100  100 = BORROWED: E arrived by copy from the old table
//!   FROZEN LIVE      E         x01        read-only; still the current value until COPIED
//!   COPIED           E         x11        E (or its successor) lives in `next`
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

use super::entry::Entry;

/// The migration has frozen this slot: no write may change it except setting MARK
/// (COPIED) on a frozen live entry.
pub(crate) const FROZEN: usize = 0b001;
/// With a null pointer: a tombstone. With an entry: the entry has been installed in
/// the next table (COPIED); only ever set together with FROZEN.
pub(crate) const MARK: usize = 0b010;
/// The entry was installed here by the migration copy, so it is still reachable from
/// the previous table; retiring it must wait until that table is retired (see
/// `RawMap::retire`).
pub(crate) const BORROWED: usize = 0b100;
const TAG_MASK: usize = 0b111;

/// Entries must leave three low bits free for the tags above.
pub(crate) const REQUIRED_ALIGN: usize = TAG_MASK + 1;

/// A snapshot of one slot word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word(pub(crate) usize);

impl std::fmt::Debug for Word {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Word({:#x}|{:03b})",
            self.0 & !TAG_MASK,
            self.0 & TAG_MASK
        )
    }
}

impl Word {
    pub(crate) const EMPTY: Word = Word(0);
    pub(crate) const TOMBSTONE: Word = Word(MARK);

    #[inline]
    pub(crate) fn from_entry<K, V>(entry: *const Entry<K, V>, tag: usize) -> Word {
        debug_assert_eq!(
            entry as usize & TAG_MASK,
            0,
            "entry pointer is not 8-aligned"
        );
        debug_assert_eq!(tag & !TAG_MASK, 0);
        Word(entry as usize | tag)
    }
    #[inline]
    pub(crate) fn ptr<K, V>(self) -> *mut Entry<K, V> {
        (self.0 & !TAG_MASK) as *mut Entry<K, V>
    }
    #[inline]
    pub(crate) fn is_null(self) -> bool {
        self.0 & !TAG_MASK == 0
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
        let live = Word::from_entry(e, 0);
        let borrowed = Word::from_entry(e, BORROWED);
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
        assert_eq!(copied.ptr::<u8, u8>() as usize, 0x1000);
    }
}
