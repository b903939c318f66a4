//! The boxed slot kind and the map over it: each slot is one atomic word pointing to a
//! heap entry (key, value and the key's hash), so any `K` and `V` fit and a migration
//! copies pointers, never values.
//!
//! - `word.rs`: the slot word's encoding and state machine (I1, I2).
//! - `entry.rs`: the heap entry.
//! - `slots.rs`: the slot array of one table and its `SlotKind` impl (freeze, copy).
//! - `locate.rs`: one probe of one table for a key.
//! - `modify.rs`: every write, as named steps.
//! - `retire.rs`: freeing a replaced or removed entry (I6).
//! - `iter.rs`: weakly consistent iteration.
//!
//! `RawMap` (this file) holds the chain of tables (`migrate::Tables`), looks keys up,
//! clears, and frees what it owns when dropped.

mod entry;
mod iter;
mod locate;
mod modify;
mod retire;
mod slots;
mod word;

use equivalent::Equivalent;
use std::marker::PhantomData;

use crossbeam_epoch::Guard;

use super::address_order;
use super::migrate::{next_of, Tables};
use crate::sync::retry_hint;
pub(crate) use entry::Entry;
pub(crate) use iter::RawIter;
use locate::{locate, Loc};
pub(crate) use modify::{Decision, KeyRef, Modified, Outcome};
pub(crate) use slots::BoxedSlots;
use word::Word;

pub(crate) struct RawMap<K, V> {
    pub(in crate::raw) tables: Tables<BoxedSlots<K, V>>,
    _owns: PhantomData<Box<Entry<K, V>>>,
}

// Sending the map sends the K and V it owns; sharing it lets any thread read them
// through `&` and insert, remove or drop them anywhere: what `Mutex<HashMap>` requires.
// SAFETY: I6: a `RawMap` owns its keys and values and hands out only `&` to them, so
// K, V: Send suffices to send it.
unsafe impl<K: Send, V: Send> Send for RawMap<K, V> {}
// SAFETY: I6 (the map owns its K and V, handing out only `&`): sharing the map lets
// threads read K, V through `&` (Sync) and move or drop them anywhere (Send).
unsafe impl<K: Send + Sync, V: Send + Sync> Sync for RawMap<K, V> {}

impl<K, V> RawMap<K, V> {
    /// A map whose table never shrinks below room for `entries` entries.
    ///
    /// Panics with "capacity overflow" if the table size does not fit in `usize`.
    pub(crate) fn with_capacity(entries: usize) -> Self {
        RawMap {
            tables: Tables::with_capacity(entries),
            _owns: PhantomData,
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
}

/// A reference to the entry behind a non-null word loaded under `guard`.
#[inline]
fn entry_ref<K, V>(word: Word, _guard: &Guard) -> &Entry<K, V> {
    debug_assert!(!word.is_null());
    // SAFETY: I7, as in `locate`: the word was loaded under `_guard` from a reachable table.
    unsafe { &*word.ptr::<K, V>() }
}

impl<K: Send + 'static, V: Send + 'static> RawMap<K, V> {
    /// Look up a key. Wait-free: at most two tables of bounded size are probed, and
    /// nothing is written or allocated.
    pub(crate) fn find<'g, Q>(
        &'g self,
        hash: u64,
        key: &Q,
        guard: &'g Guard,
    ) -> Option<&'g Entry<K, V>>
    where
        Q: Equivalent<K> + ?Sized,
    {
        let mut table = self.tables.root(guard);
        loop {
            match locate(table, hash, |k: &K| key.equivalent(k)) {
                // A frozen but not yet COPIED entry is still current: no writer can
                // change the key in `next` before the COPIED bit is set (I3).
                Loc::Found { word, .. } => return Some(entry_ref(word, guard)),
                Loc::Vacant { .. } => return None,
                Loc::Moved | Loc::Full => table = next_of(table, guard)?,
            }
        }
    }

    /// Remove every entry present for the whole call, then shrink (`Tables::clear_with`).
    pub(crate) fn clear(&self, guard: &Guard) {
        self.tables.clear_with(guard, |root| {
            for idx in 0..root.len() {
                let mut w = root.load(idx);
                // Frozen slots belong to a migration that started during this pass; the
                // next pass clears their copies.
                while !w.is_null() && !w.is_frozen() {
                    match root.cas(idx, w, Word::TOMBSTONE) {
                        Ok(()) => {
                            self.tables.count.remove_one();
                            // SAFETY: our CAS unlinked `w` from `root`.
                            unsafe { self.retire(root, w, guard) };
                            break;
                        }
                        Err(actual) => {
                            w = actual;
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

    /// Finish any migration in flight, then shrink to the live count (after `retain`).
    pub(crate) fn shrink_to_fit(&self, guard: &Guard) {
        self.tables.shrink_to_fit(guard);
    }
}

impl<K: Send + 'static, V: Send + 'static> RawMap<K, V> {
    /// The value for `key`, mutably: `&mut self` means no other thread can reach the
    /// map, nor any reference into it (every `Ref`, handle and iterator borrows it).
    pub(crate) fn find_mut<Q>(&mut self, hash: u64, key: &Q) -> Option<&mut V>
    where
        Q: Equivalent<K> + ?Sized,
    {
        let guard = crate::raw::reclaim::pin();
        let entry: *const Entry<K, V> = self.find(hash, key, &guard)?;
        // The entry `find` returns is live and owned by its slot, so it is freed only by
        // a write to the map or its drop, neither possible while we hold `&mut self`
        // (for the returned borrow's lifetime); no `&` to it exists outside this borrow.
        // SAFETY: I6, as argued above: exclusive, live, and outlives the borrow.
        Some(unsafe { &mut (*entry.cast_mut()).value })
    }

    /// Move every entry out, leaving the map empty at its minimum size. `&mut self`:
    /// ownership is decided by the slot states alone, as in `drop`.
    pub(crate) fn take_all(&mut self) -> Vec<(K, V)> {
        let fresh = Tables::with_capacity(self.tables.min_capacity() / 2);
        let mut old = std::mem::replace(&mut self.tables, fresh);
        let old_len = old.len();
        let (root, next) = old.get_mut();
        let mut entries: Vec<*mut Entry<K, V>> = Vec::with_capacity(old_len);
        let mut collect = |table: &super::table::Table<BoxedSlots<K, V>>,
                           owns: &dyn Fn(Word) -> bool| {
            for w in table.slots.words_relaxed() {
                if !w.is_null() && owns(w) {
                    entries.push(w.ptr::<K, V>());
                }
            }
        };
        collect(root, &|w| !w.is_copied());
        if let Some(next) = next {
            collect(next, &|_| true);
        }
        // In address order, as `drop_owned_entries` frees: each move out reads its entry
        // and frees it, and in slot (hash) order both miss the cache every time.
        address_order::sort_by_address(&mut entries);
        let out = entries
            .into_iter()
            .map(|entry| {
                // SAFETY: I6, as in `drop`: the slot we took it from alone owned the
                // entry, we have exclusive access, `entries` holds each once, and `old`
                // (whose drop frees only arrays and borrowed lists) never reads it again.
                let Entry { key, value, .. } = *unsafe { Box::from_raw(entry) };
                (key, value)
            })
            .collect();
        drop(old);
        out
    }
}

impl<K, V> Drop for RawMap<K, V> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can reach the map, so ownership is decided by the
        // slot states alone (I6) and we free every entry at once, without migrating;
        // `Tables::drop` then frees the tables (and their borrowed lists).
        let (root, next) = self.tables.get_mut();
        // Who owns what (I6): in the root, a non-null slot that is not COPIED owns its
        // entry (a frozen-but-not-COPIED entry was never installed in `next`: copying runs
        // no user code, so it cannot stop between the install and COPIED). A COPIED entry
        // is owned by `next`, or by the root's borrowed list if it was replaced there,
        // which `BoxedSlots::drop` frees. In `next`, every non-null slot owns its entry,
        // BORROWED ones included (their old slots are COPIED and skipped).
        // SAFETY: I5, I6: exclusive access (`&mut self`), and the ownership above frees
        // each entry exactly once; both tables are the map's own (not retired).
        unsafe {
            drop_owned_entries(root, |w| !w.is_copied());
            if let Some(next) = next {
                drop_owned_entries(next, |_| true);
            }
        }
        // The thread may make no more map calls: what it retired and still holds in its
        // pending batch goes to the epoch, and what expired inside its map calls and
        // still waits in its queue (of this map or another) goes now.
        crate::raw::reclaim::map_dropped();
    }
}

/// Free the entries of `table`'s slots for which `owns` returns true.
///
/// # Safety
///
/// - The caller has exclusive access to `table` and every entry in it.
/// - Each entry selected by `owns` is owned by this slot alone (I6) and is not used
///   afterwards.
unsafe fn drop_owned_entries<K, V>(
    table: &super::table::Table<BoxedSlots<K, V>>,
    owns: impl Fn(Word) -> bool,
) {
    let owned = || {
        table
            .slots
            .words_relaxed()
            .filter(|w| !w.is_null() && owns(*w))
            .map(|w| w.ptr::<K, V>())
    };
    // Free in address order, not in slot (hash) order: the allocator's bookkeeping then
    // walks memory forward instead of missing the cache on every entry (glibc: 3.5-5.5x
    // faster from 2^18 entries, `docs/benchmarks.md`, "Dropping a large map"). Without
    // memory for the list, in slot order.
    let mut entries: Vec<*mut Entry<K, V>> = Vec::new();
    if entries.try_reserve_exact(owned().count()).is_ok() {
        entries.extend(owned());
        address_order::sort_by_address(&mut entries);
        let entries: Vec<Box<Entry<K, V>>> = entries
            .into_iter()
            .map(|entry| {
                // SAFETY: the caller's contract (I6): each selected entry is ours
                // alone, and `entries` holds each once, so each becomes one `Box`.
                unsafe { Box::from_raw(entry) }
            })
            .collect();
        // As any `Vec`, a panicking destructor still lets the others drop.
        drop(entries);
    } else {
        for entry in owned() {
            // SAFETY: the caller's contract (I6), as above: ours alone, yielded once.
            drop(unsafe { Box::from_raw(entry) });
        }
    }
}
