//! The seam between the migration driver and a kind of slot.
//!
//! The driver (`migrate.rs`) moves a table to its `next` block by block, seals a table
//! for a shrink, counts progress, promotes and retires; it never looks inside a slot.
//! What it needs from the slots is this trait: freeze one, say what it held, copy a
//! range of them into the next table (where an entry goes in a table of another size
//! is the kind's business: it knows the entry's hash), and tell a copied slot from one
//! that needed no copy. Dropping what a table owns beyond its slot words (the boxed
//! kind's borrowed list) is the kind's `Drop`.
//!
//! `docs/design.md`, "Adding a slot kind", lists the invariants a kind must keep and
//! the loom models it must pass (`src/raw/tests/`).

use std::ops::Range;

use super::table::Table;

/// What a slot held when a freeze reached it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Held {
    /// Nothing ever (or already frozen empty): the first such slot on a key's probe
    /// path proves the key absent from this table for good (I3).
    Empty,
    /// A removed key (a tombstone): no entry to copy, but no proof of absence either.
    Removed,
    /// An entry (possibly already copied).
    Entry,
}

/// The slot array of one table, of one kind. The driver reaches it as `table.slots`.
pub(crate) trait SlotKind: Sized {
    /// `len` empty slots.
    fn with_len(len: usize) -> Self;

    /// Freeze slot `idx` (idempotent; I2) and say what it held just before.
    fn freeze(&self, idx: usize) -> Held;

    /// Is slot `idx` COPIED: frozen, and its entry installed in `next`? Asked only of
    /// slots every one of which is final (frozen and, if live, copied), to count the
    /// room a finished block did not use (I8).
    fn is_copied(&self, idx: usize) -> bool;

    /// Freeze each slot of `range` in `old` (unless `sealed`: a seal froze them all
    /// already, and a load gives what a freeze would) and install each live entry not
    /// yet copied into `next`, marking its old slot COPIED. Idempotent; any number of
    /// threads may copy the same range. Returns how many entries this call found still
    /// to copy (the expensive part, which paces helpers).
    ///
    /// The install must keep I1 and I3 in `next` (never a second slot for a key, never
    /// over a newer write) and may assume I8 (a free slot exists).
    ///
    /// # Safety
    ///
    /// - `next` is `old`'s `next`, and both are reachable under a guard the caller
    ///   holds (I7), so entries loaded from their slots may be dereferenced.
    /// - `range` lies within one migration block of `old`.
    unsafe fn copy_range(
        old: &Table<Self>,
        next: &Table<Self>,
        range: Range<usize>,
        sealed: bool,
    ) -> usize;

    /// `copy_range` for the one slot `idx`, which the caller found frozen (or is
    /// about to see frozen).
    ///
    /// # Safety
    ///
    /// As `copy_range`.
    unsafe fn copy_slot(old: &Table<Self>, next: &Table<Self>, idx: usize) {
        // SAFETY: the caller's contract is `copy_range`'s, and one slot lies in one block.
        unsafe { Self::copy_range(old, next, idx..idx + 1, false) };
    }
}
