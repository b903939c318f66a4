//! Freeing an entry that a write unlinked: through the epoch collector, or, while the
//! old table that still reaches it is root, through that table's borrowed list (I6).

use crossbeam_epoch::Guard;

use super::slots::BoxedSlots;
use super::word::Word;
use super::{Entry, RawMap};
use crate::raw::reclaim::Garbage;
use crate::raw::table::Table;
use crate::sync::{retry_hint, Ordering};

impl<K: Send + 'static, V: Send + 'static> RawMap<K, V> {
    /// Retire an entry that was just unlinked from `table` by the caller's CAS.
    ///
    /// # Safety
    ///
    /// - `word` held a non-null entry and the caller's successful CAS on a slot of
    ///   `table` replaced it, so the caller is the only thread retiring it (I6).
    /// - `table` is reachable under `guard`.
    pub(super) unsafe fn retire(&self, table: &Table<BoxedSlots<K, V>>, word: Word, guard: &Guard) {
        let entry = word.ptr::<K, V>();
        if word.is_borrowed() {
            // The decision, and why loads suffice for it. `entry` was copied into
            // `table` from the table before it. If that old table is still root (so
            // `table` is its `next`), readers may still reach `entry` through it: it
            // goes onto the old table's list, which the old table frees when it is
            // retired. Our load of `root` (Acquire) comes after our unlinking CAS; if
            // it still returns the old table, the old table's retirement (a later
            // promotion) is deferred until after our guard is dropped, so our push
            // (a Release CAS) happens before its destructor reads the list (the epoch
            // orders the two). If it returns any other table, the old one is already
            // unlinked and retired, every reader that can still reach `entry` through
            // it was pinned before our `defer` below, and the epoch keeps `entry`
            // alive for them. The load of `next` is only compared with `table`, never
            // dereferenced; Acquire there is the convention for `next` and costs
            // nothing on x86.
            let root = self.tables.root(guard);
            if !std::ptr::eq(root, table)
                && std::ptr::eq(root.resize.next.load(Ordering::Acquire), table)
            {
                // SAFETY: `entry` is ours to retire (caller's contract) and `root` is
                // alive under `guard`.
                unsafe { push_borrowed(&root.slots, entry) };
                return;
            }
        }
        // Not borrowed from a live old table, so after this no new reader can reach it;
        // readers already holding it are pinned, which delays the destructor.
        // SAFETY: I6, I7: the caller unlinked `entry` and is the only thread retiring
        // it (caller's contract), entries are `Box`es, and K, V: Send + 'static, so
        // dropping it later on another thread is sound.
        unsafe { crate::raw::reclaim::retire(Garbage::boxed(entry), guard) };
    }
}

/// Push a retired entry onto a table's borrowed list (a Treiber stack).
///
/// # Safety
///
/// - `entry` was unlinked by the caller, is reachable only from this table (as a
///   COPIED slot) and is retired by no one else.
/// - The table is reachable under a guard the caller holds.
unsafe fn push_borrowed<K, V>(slots: &BoxedSlots<K, V>, entry: *mut Entry<K, V>) {
    // Relaxed: the CAS below is Release and publishes our write of `retired_next`.
    let mut head = slots.borrowed.load(Ordering::Relaxed);
    loop {
        // SAFETY: `entry` is alive (it is freed only from this list) and only we write
        // its link (caller's contract).
        unsafe { (*entry).retired_next.store(head, Ordering::Relaxed) };
        match slots.borrowed.compare_exchange_weak(
            head,
            entry,
            Ordering::Release,
            Ordering::Relaxed,
        ) {
            Ok(_) => return,
            Err(actual) => head = actual,
        }
        retry_hint();
    }
}
