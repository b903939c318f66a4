//! One heap-allocated key/value pair, shared by pointer between tables.

use super::word::REQUIRED_ALIGN;
use crate::sync::AtomicPtr;

/// A key and value with the key's (mixed) hash, so a migration never rehashes and never
/// calls user code.
///
/// `align(16)` leaves the four low pointer bits free for the slot flags. (glibc and
/// most allocators round blocks to 16 bytes anyway, so this costs no memory there.)
#[repr(C, align(16))]
pub(crate) struct Entry<K, V> {
    pub(crate) hash: u64,
    pub(crate) key: K,
    pub(crate) value: V,
    /// Link in a table's list of borrowed entries awaiting that table's retirement.
    /// Written only by the one thread that retired the entry, before it publishes the
    /// entry on the list with a Release CAS.
    pub(crate) retired_next: AtomicPtr<Entry<K, V>>,
}

const _: () = assert!(std::mem::align_of::<Entry<u8, u8>>() >= REQUIRED_ALIGN);

impl<K, V> Entry<K, V> {
    pub(crate) fn boxed(hash: u64, key: K, value: V) -> Box<Self> {
        let entry = Entry {
            hash,
            key,
            value,
            retired_next: AtomicPtr::new(std::ptr::null_mut()),
        };
        let layout = std::alloc::Layout::new::<Self>();
        let entry = match crate::raw::reclaim::pool::take(layout) {
            // SAFETY: P1 (`reclaim::pool`): the block came from the global allocator with exactly
            // `layout` and hold no value, so writing an entry there makes a valid `Box`.
            Some(block) => unsafe {
                let ptr = block.as_ptr().cast::<Self>();
                ptr.write(entry);
                Box::from_raw(ptr)
            },
            None => Box::new(entry),
        };
        debug_assert_eq!(&*entry as *const Self as usize % REQUIRED_ALIGN, 0);
        entry
    }
}
