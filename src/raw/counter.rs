//! The striped length counter, with a count of removals beside it.
//!
//! Every successful insert adds one and every successful remove subtracts one (and
//! adds one to `removed`, in the same cache line), on a
//! stripe chosen by the calling thread, so two threads rarely write the same cache line
//! (a shared counter costs ~40 ns per operation on the target machine, see
//! `docs/design.md`). Summing the stripes while writers run gives an approximate
//! value; a stripe can go negative (a key inserted on one stripe and removed on
//! another), so the sum is clamped at zero.

use std::cell::Cell;
use std::thread::LocalKey;

use crate::sync::{unmodelled, AtomicIsize, Ordering};
use crossbeam_utils::CachePadded;

#[cfg(not(splitmap_loom))]
const STRIPES: usize = 32;
#[cfg(splitmap_loom)]
const STRIPES: usize = 2;

pub(crate) struct Counter {
    stripes: Box<[CachePadded<Stripe>]>,
}

struct Stripe {
    live: AtomicIsize,
    /// Removals ever made through this stripe (each leaves a tombstone): the purge
    /// trigger compares it with its value when a table was created (`should_migrate`).
    /// A sizing heuristic that orders nothing, so it is `sync::unmodelled` even under
    /// loom: the model checker does not explore its interleavings (they cannot affect
    /// correctness, only when a purge starts), which keeps the models' state space as
    /// it was.
    removed: unmodelled::AtomicIsize,
}

/// This thread's stripe. Each thread takes the next stripe number once, round robin.
/// The thread-local is `const`-initialised and has no destructor, so reading it is one
/// load (a lazily initialised one costs a state check and a call on every write).
#[inline]
fn stripe_index() -> usize {
    /// No stripe taken yet.
    const UNSET: usize = usize::MAX;
    thread_local! {
        static INDEX: Cell<usize> = const { Cell::new(UNSET) };
    }
    let index = INDEX.get();
    if index != UNSET {
        return index;
    }
    take_stripe_index(&INDEX)
}

#[cold]
fn take_stripe_index(slot: &'static LocalKey<Cell<usize>>) -> usize {
    // Relaxed: a number handed out, nothing published with it.
    static NEXT: unmodelled::AtomicUsize = unmodelled::AtomicUsize::new(0);
    let index = NEXT.fetch_add(1, unmodelled::Ordering::Relaxed) % STRIPES;
    slot.set(index);
    index
}

impl Counter {
    pub(crate) fn new() -> Self {
        Counter {
            stripes: (0..STRIPES)
                .map(|_| {
                    CachePadded::new(Stripe {
                        live: AtomicIsize::new(0),
                        removed: unmodelled::AtomicIsize::new(0),
                    })
                })
                .collect(),
        }
    }

    /// Relaxed: the counter orders nothing; it is a statistic whose exactness only
    /// matters when no writer runs, and then the joins/locks that ended the writers
    /// order their increments before our reads.
    #[inline]
    pub(crate) fn add(&self, delta: isize) {
        self.stripes[stripe_index()]
            .live
            .fetch_add(delta, Ordering::Relaxed);
    }

    /// One entry was removed (leaving a tombstone). Relaxed, as `add`.
    #[inline]
    pub(crate) fn remove_one(&self) {
        let stripe = &self.stripes[stripe_index()];
        stripe.live.fetch_sub(1, Ordering::Relaxed);
        stripe.removed.fetch_add(1, unmodelled::Ordering::Relaxed);
    }

    /// A removed key came back in the slot its tombstone kept (WordMap revives dead
    /// keys in place), so there is one tombstone fewer. Relaxed, as `add`.
    #[inline]
    pub(crate) fn revive_one(&self) {
        let stripe = &self.stripes[stripe_index()];
        stripe.live.fetch_add(1, Ordering::Relaxed);
        stripe.removed.fetch_sub(1, unmodelled::Ordering::Relaxed);
    }

    pub(crate) fn sum(&self) -> usize {
        self.sums().0
    }

    /// `(live, removed)`: the live count (clamped at zero) and the number of removals
    /// ever made, reading each stripe's line once.
    pub(crate) fn sums(&self) -> (usize, usize) {
        let (live, removed) = self.stripes.iter().fold((0isize, 0isize), |(l, r), s| {
            (
                l + s.live.load(Ordering::Relaxed),
                r.wrapping_add(s.removed.load(unmodelled::Ordering::Relaxed)),
            )
        });
        (live.max(0) as usize, removed as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_clamps() {
        let c = Counter::new();
        c.add(3);
        c.add(-1);
        assert_eq!(c.sum(), 2);
        c.add(-5);
        assert_eq!(c.sum(), 0, "a negative total is reported as zero");
        c.add(4);
        c.remove_one();
        assert_eq!(c.sums(), (0, 1));
    }

    #[test]
    fn sums_across_threads() {
        let c = std::sync::Arc::new(Counter::new());
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        c.add(1);
                    }
                })
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
        assert_eq!(c.sum(), 4000);
    }
}
