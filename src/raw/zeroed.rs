//! Slot arrays that start all-zero, for every kind: one `alloc_zeroed` call, so the
//! kernel hands out zeroed pages lazily and a large table costs nothing until its slots
//! are touched.

/// A slot type whose all-zero bytes are a valid value (EMPTY, for every kind).
///
/// # Safety
///
/// Outside loom, all-zero bytes must be a valid value of the type (atomic integers
/// and structs of them are; loom's atomics are not, hence `zero`).
pub(crate) unsafe trait Zeroable: Sized {
    /// The all-zero value, for loom builds, which construct arrays one slot at a time.
    #[cfg_attr(not(splitmap_loom), allow(dead_code))]
    fn zero() -> Self;
}

/// `n` slots, all zero. Panics with "capacity overflow" if the array's size does not
/// fit in `isize`, and with "a table has at least one slot" if `n == 0`.
pub(crate) fn zeroed_slice<T: Zeroable>(n: usize) -> Box<[T]> {
    #[cfg(not(splitmap_loom))]
    {
        use std::alloc::{alloc_zeroed, handle_alloc_error, Layout};
        assert!(n > 0, "splitmap: a table has at least one slot");
        let layout = Layout::array::<T>(n)
            .unwrap_or_else(|_| panic!("splitmap: capacity overflow ({n} slots)"));
        // SAFETY: the layout has non-zero size (n > 0 checked above, and every slot type
        // has a non-zero size).
        let ptr = unsafe { alloc_zeroed(layout) };
        if ptr.is_null() {
            handle_alloc_error(layout);
        }
        let slice = std::ptr::slice_from_raw_parts_mut(ptr.cast::<T>(), n);
        // SAFETY: `ptr` was allocated by the global allocator with the layout of
        // `[T; n]`, which is the layout `Box<[T]>` frees with, and all-zero bytes are a
        // valid `T` (`Zeroable`'s contract).
        unsafe { Box::from_raw(slice) }
    }
    #[cfg(splitmap_loom)]
    {
        (0..n).map(|_| T::zero()).collect()
    }
}
