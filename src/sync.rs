//! The one place that names the atomics the crate uses.
//!
//! Under `--cfg splitmap_loom` every atomic comes from loom, so the loom models (in
//! `tests/loom.rs` and `src/raw/tests/`) explore the real protocol code. Nothing else
//! in the crate imports `std::sync::atomic` directly.

#[cfg(not(splitmap_loom))]
pub(crate) use std::sync::atomic::{AtomicIsize, AtomicPtr, AtomicU8, AtomicUsize, Ordering};

#[cfg(splitmap_loom)]
pub(crate) use loom::sync::atomic::{AtomicIsize, AtomicPtr, AtomicU8, AtomicUsize, Ordering};

/// Atomics that loom must *not* model: statistics that steer only heuristics (when a
/// purge starts, which counter stripe a thread uses), never what a thread reads or
/// frees. Their interleavings cannot affect correctness, and modelling them would
/// multiply the models' state space for nothing; a static (the stripe dealer) cannot
/// be a loom atomic at all. Std's in every build, named here so that every atomic in
/// the crate still comes through this file.
pub(crate) mod unmodelled {
    pub(crate) use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
}

/// Called at the top of every retry loop. Under loom it yields so the model checker
/// can schedule the thread we are racing with; otherwise it does nothing (no loop in
/// the crate waits for another thread, it only retries after losing a CAS).
#[inline]
pub(crate) fn retry_hint() {
    #[cfg(splitmap_loom)]
    loom::thread::yield_now();
}

/// Loom-only event counters read by the models in `tests/loom.rs`; they observe the
/// protocol and never steer it. Loom runs every model thread on the test's own OS
/// thread, so a thread-local counter is per model and shared by its threads.
#[cfg(splitmap_loom)]
pub mod loom_stats {
    use std::cell::Cell;

    std::thread_local! {
        static COUNTS: Cell<[usize; 4]> = const { Cell::new([0; 4]) };
    }

    pub(crate) const TABLE_NEW: usize = 0;
    pub(crate) const TABLE_DROP: usize = 1;
    pub(crate) const PROMOTE: usize = 2;
    pub(crate) const BLOCK_DONE: usize = 3;

    pub(crate) fn bump(which: usize) {
        COUNTS.with(|c| {
            let mut v = c.get();
            v[which] += 1;
            c.set(v);
        });
    }

    /// `[tables allocated, tables dropped, successful promotions, progress-counter
    /// increments]` since the last reset.
    pub fn get() -> [usize; 4] {
        COUNTS.with(Cell::get)
    }

    /// Zero the counters (call at the start of every model execution).
    pub fn reset() {
        COUNTS.with(|c| c.set([0; 4]));
    }
}
