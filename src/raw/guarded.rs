//! Entries kept alive by pins that travel with them: what lets the map's own methods
//! return references (`crate::Ref`, the map-level entry and iterator) without a
//! `Pinned` handle in the caller's hands.
//!
//! Everything here is safe to call: [`RawMap::keep`] runs the caller's operation under
//! a pin of its own and keeps the entries it returns; the operation is handed the map
//! and the guard with one lifetime `'g`, for every `'g`, so it can only return entries
//! of this map loaded under this guard (an entry of another map, or one loaded under
//! another guard, would be borrowed for less than some `'g`; only a map borrowed for
//! `'static`, which is never dropped while borrowed, could supply one).

use std::marker::PhantomData;
use std::ptr::NonNull;

use crossbeam_epoch::Guard;

use super::boxed::{Entry, RawIter, RawMap};

/// An entry of a map borrowed for `'m`, and a pin under which it stays valid.
///
/// Sound because of I7: an entry loaded under a guard stays valid until that guard is
/// dropped, or, for a guard pinned on the same thread while that one was alive, until
/// the later one is dropped too (pins nest); the `Guarded` drops its guard only with
/// itself. The map outlives `'m` (its `Drop` frees live entries at once, without the
/// epoch). `Guard` is neither `Send` nor `Sync`, so neither is this: the pin stays on
/// its thread.
pub(crate) struct Guarded<'m, K, V> {
    entry: NonNull<Entry<K, V>>,
    _guard: Guard,
    _map: PhantomData<&'m RawMap<K, V>>,
}

impl<K, V> Guarded<'_, K, V> {
    /// Give up the entry and keep the pin, for a following operation on the same map.
    pub(crate) fn into_guard(self) -> Guard {
        self._guard
    }

    pub(crate) fn entry(&self) -> &Entry<K, V> {
        // SAFETY: I7: the entry was loaded from the map borrowed for `'m` under
        // `_guard`, or under a guard of this thread that was alive when `_guard` was
        // pinned (`RawMap::keep`, `KeptIter::next`); `_guard` lives as long as `self`.
        unsafe { self.entry.as_ref() }
    }
}

impl<K: Send + 'static, V: Send + 'static> RawMap<K, V> {
    /// Run `op` under a fresh pin and keep each entry it returns together with a pin:
    /// the first with the pin `op` ran under, the others with pins nested in it. `T` is
    /// whatever else `op` reports (it cannot borrow from the guard).
    pub(crate) fn keep<'m, T, const N: usize>(
        &'m self,
        op: impl for<'g> FnOnce(&'g Self, &'g Guard) -> (T, [Option<&'g Entry<K, V>>; N]),
    ) -> (T, [Option<Guarded<'m, K, V>>; N]) {
        self.keep_under(super::reclaim::pin(), op)
    }

    /// [`keep`](Self::keep) under a pin the caller already holds (one a `Guarded` gave
    /// back), saving a pin.
    pub(crate) fn keep_under<'m, T, const N: usize>(
        &'m self,
        guard: Guard,
        op: impl for<'g> FnOnce(&'g Self, &'g Guard) -> (T, [Option<&'g Entry<K, V>>; N]),
    ) -> (T, [Option<Guarded<'m, K, V>>; N]) {
        let (report, found) = op(self, &guard);
        // Plain loops rather than `array::map`, which did not inline (about 30
        // instructions per `get` in callgrind, a tenth of a per-call lookup).
        let mut entries: [Option<NonNull<Entry<K, V>>>; N] = [None; N];
        for (ptr, entry) in entries.iter_mut().zip(found.iter()) {
            *ptr = entry.map(NonNull::from);
        }
        let mut first = Some(guard);
        let mut kept: [Option<Guarded<'m, K, V>>; N] = std::array::from_fn(|_| None);
        for (slot, entry) in kept.iter_mut().zip(entries) {
            if let Some(entry) = entry {
                *slot = Some(Guarded {
                    entry,
                    // A nested pin only bumps the thread's guard count (it never
                    // collects): the first guard is alive in an earlier element, so
                    // the epoch holds.
                    _guard: first.take().unwrap_or_else(crossbeam_epoch::pin),
                    _map: PhantomData,
                });
            }
        }
        (report, kept)
    }

    /// Iterate over the map under a pin the iterator owns; each entry comes with a pin
    /// of its own, so it may outlive the iterator.
    pub(crate) fn iter_kept<'m>(&'m self) -> KeptIter<'m, K, V> {
        let guard = super::reclaim::pin();
        let iter = self.iter(&guard);
        // Only the lifetime changes. A `RawIter` holds references to the root table and
        // its entries (read-ahead included), valid while the guard it was made under
        // lives, and no reference to the guard itself; `KeptIter` owns that guard,
        // drops it after the iterator (field order), and hands out entries only with a
        // pin nested in it.
        // SAFETY: I7, as argued above: the references live as long as the owned guard.
        let iter = unsafe { std::mem::transmute::<RawIter<'_, K, V>, RawIter<'m, K, V>>(iter) };
        KeptIter {
            iter,
            _guard: guard,
            _map: PhantomData,
        }
    }
}

/// A weakly consistent iterator that owns its pin (see [`RawMap::iter_kept`]).
pub(crate) struct KeptIter<'m, K, V> {
    /// Its references are valid while `guard` lives, not for `'m` (declared first so
    /// that it is dropped first).
    iter: RawIter<'m, K, V>,
    _guard: Guard,
    _map: PhantomData<&'m RawMap<K, V>>,
}

impl<'m, K: Eq, V> Iterator for KeptIter<'m, K, V> {
    type Item = Guarded<'m, K, V>;

    fn next(&mut self) -> Option<Guarded<'m, K, V>> {
        let entry = NonNull::from(self.iter.next()?);
        Some(Guarded {
            entry,
            // Nested in `self._guard`, under which the entry was loaded (see `keep`).
            _guard: crossbeam_epoch::pin(),
            _map: PhantomData,
        })
    }
}
