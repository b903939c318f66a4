//! Reclamation: when retired entries are freed, and by whom.
//!
//! Entries a write unlinks are retired through crossbeam-epoch (I7), which runs their
//! deferred functions in `collect`: on every 128th pin of a thread, up to 8 bags of 64
//! at once. If those functions freed the entries, one user operation in 128 would
//! free up to 512 of them: that was the p99.9 of every write mix (10-40 µs on the
//! 2-core VM, milliseconds when a thread was preempted inside it; issue 12).
//!
//! So a deferred function here does not free: it hands its [`Garbage`] (an expired
//! allocation and the function that releases it) to a queue of the thread running it
//! ([`expired`]), and each map operation then releases a few (one, plus one for every
//! 128 waiting, at most 9): at its pin and at each retirement. A collect moves
//! pointers; the frees are spread over the operations that follow. Two rules keep
//! this bounded and prompt:
//!
//! - Only a collect run *inside a map call* queues (`collecting` is set around the
//!   map's calls into crossbeam). One run elsewhere (a user's own `pin().flush()`, a
//!   thread-exit destructor, the collector's drop) releases at once, as before.
//! - The queue holds at most [`expired::CAPACITY`] entries; beyond that a collect
//!   releases at once. A thread that only reads still drains its queue at its pins;
//!   a thread's queue is released whole when it exits and when it drops a map.
//!
//! What is given up: a value whose grace period has ended may wait in a thread's queue
//! until that thread's next map call (or its exit) instead of being dropped inside the
//! collect. Deferred functions already waited in crossbeam's thread-local bags until 64
//! accumulated, so an idle thread held garbage before too.
//!
//! Entries reach crossbeam in [`batch`]es of 64, one deferral each, which also keeps
//! crossbeam's collection in pace with retirement.

mod batch;
#[cfg(splitmap_loom)]
pub(crate) use batch::model_batch;
mod expired;
pub(crate) mod pool;

use crossbeam_epoch::Guard;

use expired::release_all;
pub(crate) use expired::Garbage;

/// Pin for a map call: queue what crossbeam's collect expires during it, then release
/// a few expired entries.
#[inline]
pub(crate) fn pin() -> Guard {
    let guard = expired::collecting(crossbeam_epoch::pin);
    batch::on_pin(&guard);
    expired::release_some();
    guard
}

/// Hand this thread's pending batch and crossbeam bag to the epoch and collect,
/// queueing what expires.
pub(crate) fn flush(guard: &Guard) {
    batch::submit(guard);
    expired::collecting(|| guard.flush());
    batch::sealed();
}

/// A map was dropped on this thread, which may make no more map calls: hand its
/// pending batch over, and release what waits in its queue (of this map or another;
/// a drop is O(n) anyway).
pub(crate) fn map_dropped() {
    if batch::pending() {
        flush(&crossbeam_epoch::pin());
    }
    release_all();
}

/// Retire `garbage`: it is released once every guard pinned now has been dropped.
///
/// # Safety
///
/// The caller unlinked the allocation behind `garbage` so that no new reader can reach
/// it, owns it exclusively (no one else retires or frees it), and `guard` is a real pin
/// (not `unprotected`).
#[inline]
pub(crate) unsafe fn retire(garbage: Garbage, guard: &Guard) {
    // SAFETY: the caller's contract: only readers already pinned can still reach the
    // allocation, and the epoch runs this after they are all gone (I7). `Garbage` is
    // `Send` by its own contract.
    unsafe { batch::add(garbage, guard) };
    expired::release_some();
}
