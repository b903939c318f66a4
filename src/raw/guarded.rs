//! An entry kept alive by a pin that travels with it: what lets the map's own methods
//! return a reference (`crate::Ref`) without a `Pinned` handle in the caller's hands.

use std::marker::PhantomData;
use std::ptr::NonNull;

use crossbeam_epoch::Guard;

use super::boxed::{Entry, RawMap};

/// An entry of a map borrowed for `'m`, and the pin under which it was found.
///
/// Sound because of I7: an entry loaded under a guard stays valid until that guard is
/// dropped, and this guard is dropped only with the `Guarded`; and because the map
/// outlives `'m` (its `Drop` frees live entries at once, without the epoch). `Guard`
/// is neither `Send` nor `Sync`, so neither is this: the pin stays on its thread.
pub(crate) struct Guarded<'m, K, V> {
    entry: NonNull<Entry<K, V>>,
    _guard: Guard,
    _map: PhantomData<&'m RawMap<K, V>>,
}

impl<'m, K, V> Guarded<'m, K, V> {
    /// Keep the entry `find` returns under `guard`, together with `guard`.
    ///
    /// # Safety
    ///
    /// `find` returns only entries of the map the caller borrows for `'m`, loaded under
    /// the guard it is given (for instance through `RawMap::find`).
    pub(crate) unsafe fn keep(
        guard: Guard,
        find: impl for<'g> FnOnce(&'g Guard) -> Option<&'g Entry<K, V>>,
    ) -> Option<Self> {
        let entry = NonNull::from(find(&guard)?);
        Some(Guarded {
            entry,
            _guard: guard,
            _map: PhantomData,
        })
    }

    pub(crate) fn entry(&self) -> &Entry<K, V> {
        // SAFETY: I7: the entry was loaded under `_guard`, which lives as long as
        // `self`, from a map that outlives `'m` and so `self` (`keep`'s contract).
        unsafe { self.entry.as_ref() }
    }
}
