//! Loom model of the reclamation queue (`raw::reclaim`): garbage that expires inside a
//! map call waits in the collecting thread's queue and is released by a later map
//! call. The race that matters: a reader pinned before an entry was unlinked must
//! never see it released, however the writer's retirement, flushes, collects and
//! releases interleave with the reader's load and use.
//! `docs/testing.md` lists the bug it was shown to catch.

use std::sync::atomic::{AtomicBool as StdAtomicBool, Ordering as StdOrdering};

use loom::sync::Arc;
use loom::thread;

use super::model;
use crate::raw::reclaim::{self, Garbage};
use crate::sync::{AtomicPtr, Ordering};

/// Executions in which the entry was released before the model's teardown, i.e. by
/// the queue (a collect inside a map call queues it, a later pin releases it).
static RELEASED_IN_MODEL: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A value that records its drop (in a std atomic: a record for the check, not part of
/// the synchronisation under test).
struct Tracked(std::sync::Arc<StdAtomicBool>);

impl Drop for Tracked {
    fn drop(&mut self) {
        assert!(!self.0.swap(true, StdOrdering::SeqCst), "released twice");
    }
}

/// `rounds` map calls that flush: each collects inside a map call (which queues what
/// expires) and pins (which releases from the queue).
fn pin_and_flush(rounds: usize) {
    for _ in 0..rounds {
        let guard = reclaim::pin();
        reclaim::flush(&guard);
    }
}

/// The writer unlinks the only entry and retires it, then makes map calls that flush
/// and collect (so the entry's deferred function runs inside a map call and queues it)
/// and release from the queue. The reader pins, loads the entry and uses it; it must
/// never find it released.
pub(super) fn retired_entry_outlives_pinned_readers() {
    model(|| {
        let dropped = std::sync::Arc::new(StdAtomicBool::new(false));
        let first = Box::into_raw(Box::new(Tracked(dropped.clone())));
        let slot = Arc::new(AtomicPtr::new(first));
        let (s1, d1) = (slot.clone(), dropped.clone());
        let reader = thread::spawn(move || {
            let guard = reclaim::pin();
            // Acquire: we read the entry behind the pointer.
            let p = s1.load(Ordering::Acquire);
            if !p.is_null() {
                assert!(
                    !d1.load(StdOrdering::SeqCst),
                    "an entry was released while a reader pinned before its unlinking held it"
                );
            }
            drop(guard);
        });
        {
            let guard = reclaim::pin();
            let old = slot.swap(std::ptr::null_mut(), Ordering::AcqRel);
            // SAFETY: the swap unlinked `old`, a `Box` only we retire; `guard` is a pin.
            unsafe { reclaim::retire(Garbage::boxed(old), &guard) };
        }
        pin_and_flush(2);
        reader.join().unwrap();
        // Each flush advances the epoch at most once (our own pin holds it) and the
        // grace period needs two, so these give the collect inside a map call that
        // queues the entry, and the pin after it that releases it, a chance to run
        // while the reader is still pinned or just after.
        pin_and_flush(3);
        if dropped.load(StdOrdering::SeqCst) {
            RELEASED_IN_MODEL.fetch_add(1, StdOrdering::Relaxed);
        }
        // Whatever is left is released by the teardown, which drops the thread-locals
        // (the queue) and crossbeam's collector (running every deferred function).
    });
    let released = RELEASED_IN_MODEL.swap(0, StdOrdering::Relaxed);
    eprintln!("loom: the entry was released through the queue in {released} executions");
    assert!(
        released > 0,
        "no execution released the entry through the queue: the model tests nothing"
    );
}

/// Executions of the batch model in which both entries were released before teardown.
static BATCHES_RELEASED_IN_MODEL: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// The same race through batched retirement (`reclaim/batch.rs`), with batches of two:
/// the writer unlinks entry A and retires it into its pending batch, retires a second
/// entry (which fills the batch, so the batch is deferred and flushed), then unlinks
/// entry C and retires it into a new batch that only a later flush hands over. The
/// reader pins, loads A and C and uses them; neither may be released under it.
pub(super) fn batched_entries_outlive_pinned_readers() {
    model(|| {
        reclaim::model_batch(2);
        let dropped_a = std::sync::Arc::new(StdAtomicBool::new(false));
        let dropped_c = std::sync::Arc::new(StdAtomicBool::new(false));
        let a = Box::into_raw(Box::new(Tracked(dropped_a.clone())));
        let c = Box::into_raw(Box::new(Tracked(dropped_c.clone())));
        let slot_a = Arc::new(AtomicPtr::new(a));
        let slot_c = Arc::new(AtomicPtr::new(c));
        let (sa, sc, da, dc) = (
            slot_a.clone(),
            slot_c.clone(),
            dropped_a.clone(),
            dropped_c.clone(),
        );
        let reader = thread::spawn(move || {
            let guard = reclaim::pin();
            // Acquire: we read the entries behind the pointers.
            let (pa, pc) = (sa.load(Ordering::Acquire), sc.load(Ordering::Acquire));
            assert!(
                pa.is_null() || !da.load(StdOrdering::SeqCst),
                "an entry deferred in a full batch was released under a reader pinned before its unlinking"
            );
            assert!(
                pc.is_null() || !dc.load(StdOrdering::SeqCst),
                "an entry handed over in a partial batch was released under a reader pinned before its unlinking"
            );
            drop(guard);
        });
        {
            let guard = reclaim::pin();
            let old = slot_a.swap(std::ptr::null_mut(), Ordering::AcqRel);
            let filler = Box::into_raw(Box::new(Tracked(std::sync::Arc::new(StdAtomicBool::new(
                false,
            )))));
            let old_c = slot_c.swap(std::ptr::null_mut(), Ordering::AcqRel);
            // SAFETY: each swap unlinked a `Box` only we retire, `filler` was never
            // shared, and `guard` is a pin.
            unsafe {
                reclaim::retire(Garbage::boxed(old), &guard);
                reclaim::retire(Garbage::boxed(filler), &guard);
                reclaim::retire(Garbage::boxed(old_c), &guard);
            }
        }
        pin_and_flush(2);
        reader.join().unwrap();
        pin_and_flush(3);
        if dropped_a.load(StdOrdering::SeqCst) && dropped_c.load(StdOrdering::SeqCst) {
            BATCHES_RELEASED_IN_MODEL.fetch_add(1, StdOrdering::Relaxed);
        }
        reclaim::model_batch(0);
    });
    let released = BATCHES_RELEASED_IN_MODEL.swap(0, StdOrdering::Relaxed);
    eprintln!("loom: both batched entries were released in the model in {released} executions");
    assert!(
        released > 0,
        "no execution released the batched entries: the model tests nothing"
    );
}
