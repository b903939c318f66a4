//! The inline kind's control word: a slot's value and its state, changed together by
//! one 128-bit CAS, so every 64-bit value is storable and no state needs a reserved
//! value (`docs/design.md`, "WordMap").
//!
//! ```text
//!   bits 0..64    the value (meaningful only when LIVE)
//!   bits 64..128  meta: the top 56 bits of the key's hash | COPIED | FROZEN | TOMB | LIVE
//!
//!   state          meta flags   key word
//!   EMPTY          0000         0 (unclaimed) or a key whose writer has not set it yet
//!   LIVE           0001         the key          value is the key's current value
//!   TOMBSTONE      0010         the key          removed; an insert of the key revives it
//!   FROZEN x       01xx         as x             the migration passed: writers go to `next`
//!   COPIED         1101         the key          the value lives in `next`
//!
//!   EMPTY ──insert──► LIVE ──remove──► TOMBSTONE ──insert (revive)──► LIVE
//!                      │  ▲ replace ─┘                                    │
//!   any unfrozen state ──freeze──► FROZEN (same state) ──copy, if LIVE──► COPIED
//! ```
//!
//! The hash bits let the migration place a copied entry in the next table without
//! hashing the key again (the copy has no hasher), and they come in the same load as
//! the state, so copying a block reads nothing but the block itself.

/// The value is the key's current value.
const LIVE: u64 = 0b0001;
/// The key was removed; its slot keeps it for a later insert of the same key.
const TOMB: u64 = 0b0010;
/// The migration has frozen this slot: only COPIED may still be set.
const FROZEN: u64 = 0b0100;
/// A frozen live value was installed in the next table.
const COPIED: u64 = 0b1000;
/// The flag bits of `meta`; the rest is the hash's top 56 bits.
const FLAGS: u64 = 0xff;

/// A snapshot of one control word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ctrl(pub(super) u128);

impl std::fmt::Debug for Ctrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ctrl({:#x}|{:04b})", self.value(), self.meta() & FLAGS)
    }
}

impl Ctrl {
    pub(super) const EMPTY: Ctrl = Ctrl(0);

    /// The FROZEN bit, as a word to `fetch_or` into a control word.
    pub(super) const FREEZE: u128 = (FROZEN as u128) << 64;
    /// The COPIED bit, likewise.
    pub(super) const COPY: u128 = (COPIED as u128) << 64;

    #[inline]
    fn new(value: u64, meta: u64) -> Ctrl {
        Ctrl((u128::from(meta) << 64) | u128::from(value))
    }

    /// `value` live for a key whose hash is `hash`.
    #[inline]
    pub(super) fn live(value: u64, hash: u64) -> Ctrl {
        Ctrl::new(value, (hash & !FLAGS) | LIVE)
    }

    /// A tombstone for a key whose hash is `hash`.
    #[inline]
    pub(super) fn tombstone(hash: u64) -> Ctrl {
        Ctrl::new(0, (hash & !FLAGS) | TOMB)
    }

    #[inline]
    pub(super) fn value(self) -> u64 {
        self.0 as u64
    }

    #[inline]
    fn meta(self) -> u64 {
        (self.0 >> 64) as u64
    }

    /// The hash of the key, as far as a table index needs it (its top 56 bits; the
    /// low byte reads as zero).
    #[inline]
    pub(super) fn hash(self) -> u64 {
        self.meta() & !FLAGS
    }

    /// The value, if the key is live (frozen or not; COPIED too).
    #[inline]
    pub(super) fn live_value(self) -> Option<u64> {
        (self.meta() & LIVE != 0).then_some(self.value())
    }

    #[inline]
    pub(super) fn is_live(self) -> bool {
        self.meta() & LIVE != 0
    }

    /// Never given a value (the key word may still be claimed).
    #[inline]
    pub(super) fn is_empty(self) -> bool {
        self.meta() & (LIVE | TOMB) == 0
    }

    #[inline]
    pub(super) fn is_frozen(self) -> bool {
        self.meta() & FROZEN != 0
    }

    #[inline]
    pub(super) fn is_copied(self) -> bool {
        self.meta() & COPIED != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_storable_and_states_are_distinct() {
        for v in [0, 1, u64::MAX, 1 << 63, 0xff, LIVE, TOMB, FROZEN, COPIED] {
            let c = Ctrl::live(v, u64::MAX);
            assert_eq!(c.live_value(), Some(v));
            assert!(!c.is_empty() && !c.is_frozen() && !c.is_copied());
            assert_eq!(c.hash(), !FLAGS);
            let frozen = Ctrl(c.0 | Ctrl::FREEZE);
            assert_eq!(frozen.live_value(), Some(v));
            assert!(frozen.is_frozen() && !frozen.is_copied());
            let copied = Ctrl(frozen.0 | Ctrl::COPY);
            assert!(copied.is_copied() && copied.is_live());
        }
        assert!(Ctrl::EMPTY.is_empty() && Ctrl::EMPTY.live_value().is_none());
        let t = Ctrl::tombstone(0x1234_5678_9abc_def0);
        assert!(!t.is_empty() && t.live_value().is_none() && !t.is_frozen());
        assert_eq!(t.hash(), 0x1234_5678_9abc_de00);
        assert!(Ctrl(Ctrl::FREEZE).is_empty() && Ctrl(Ctrl::FREEZE).is_frozen());
    }
}
