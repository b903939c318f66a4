//! The one place that names the atomics the crate uses.
//!
//! Under `--cfg splitmap_loom` every atomic comes from loom, so the loom models in
//! `tests/loom.rs` explore the real protocol code. Nothing else in the crate imports
//! `std::sync::atomic` directly.

#[cfg(not(splitmap_loom))]
pub(crate) use std::sync::atomic::{AtomicIsize, AtomicPtr, AtomicU8, AtomicUsize, Ordering};

#[cfg(splitmap_loom)]
pub(crate) use loom::sync::atomic::{AtomicIsize, AtomicPtr, AtomicU8, AtomicUsize, Ordering};

/// Called at the top of every retry loop. Under loom it yields so the model checker
/// can schedule the thread we are racing with; otherwise it does nothing (no loop in
/// the crate waits for another thread, it only retries after losing a CAS).
#[inline]
pub(crate) fn retry_hint() {
    #[cfg(splitmap_loom)]
    loom::thread::yield_now();
}
