//! The one place that names the atomics the crate uses.
//!
//! Under `--cfg splitmap_loom` every atomic comes from loom, so the loom models (in
//! `tests/loom.rs` and `src/raw/tests/`) explore the real protocol code. Nothing else
//! in the crate imports `std::sync::atomic` directly.

#[cfg(not(splitmap_loom))]
pub(crate) use std::sync::atomic::{
    AtomicIsize, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};

#[cfg(splitmap_loom)]
pub(crate) use loom::sync::atomic::{
    AtomicIsize, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};

/// A 128-bit atomic (WordMap's slot control word). Outside loom, portable-atomic's:
/// CMPXCHG16B (x86-64) or CASP/LDXP (AArch64), chosen at run time, with a lock-based
/// fallback on CPUs without a double-word CAS.
#[cfg(not(splitmap_loom))]
pub(crate) use portable_atomic::AtomicU128;

#[cfg(splitmap_loom)]
pub(crate) use loom_u128::AtomicU128;

/// Loom has no 128-bit atomic. This one is a loom `AtomicUsize` holding the *index* of
/// its value in a process-wide intern table, so equal values have equal indices and a
/// CAS on the index succeeds exactly when a CAS on the value would: loom then explores
/// the real orderings of every load and CAS (a loom `Mutex` would add synchronisation
/// the hardware does not give). The table only grows, and index 0 is the value 0, so
/// zeroed slots need no setup.
#[cfg(splitmap_loom)]
mod loom_u128 {
    use super::Ordering;
    use std::collections::HashMap;
    use std::sync::Mutex;

    static INTERN: Mutex<Option<(HashMap<u128, usize>, Vec<u128>)>> = Mutex::new(None);

    fn with_table<R>(f: impl FnOnce(&mut HashMap<u128, usize>, &mut Vec<u128>) -> R) -> R {
        let mut guard = INTERN.lock().unwrap_or_else(|e| e.into_inner());
        let (map, values) = guard.get_or_insert_with(|| {
            let mut map = HashMap::new();
            map.insert(0u128, 0usize);
            (map, vec![0u128])
        });
        f(map, values)
    }

    fn index(v: u128) -> usize {
        with_table(|map, values| {
            *map.entry(v).or_insert_with(|| {
                values.push(v);
                values.len() - 1
            })
        })
    }

    fn value(i: usize) -> u128 {
        with_table(|_, values| values[i])
    }

    #[derive(Debug)]
    pub(crate) struct AtomicU128(loom::sync::atomic::AtomicUsize);

    impl AtomicU128 {
        pub(crate) fn new(v: u128) -> Self {
            AtomicU128(loom::sync::atomic::AtomicUsize::new(index(v)))
        }
        pub(crate) fn load(&self, order: Ordering) -> u128 {
            value(self.0.load(order))
        }
        pub(crate) fn compare_exchange(
            &self,
            current: u128,
            new: u128,
            success: Ordering,
            failure: Ordering,
        ) -> Result<u128, u128> {
            self.0
                .compare_exchange(index(current), index(new), success, failure)
                .map(value)
                .map_err(value)
        }
        pub(crate) fn fetch_or(&self, bits: u128, order: Ordering) -> u128 {
            let failure = match order {
                Ordering::Release | Ordering::Relaxed => Ordering::Relaxed,
                _ => Ordering::Acquire,
            };
            let mut cur = self.0.load(failure);
            loop {
                let new = index(value(cur) | bits);
                match self.0.compare_exchange(cur, new, order, failure) {
                    Ok(_) => return value(cur),
                    Err(actual) => cur = actual,
                }
            }
        }
    }
}

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
