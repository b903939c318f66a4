//! Retiring in batches: one crossbeam deferral for every [`BATCH`] retired entries.
//!
//! Deferring through crossbeam costs per call: building a `Deferred`, pushing it on the
//! thread's bag (30 instructions per retirement under callgrind), sealing every 64th
//! into a 2 KiB node of the global queue, and later calling it. Here a retired entry joins
//! its thread's *pending batch*; the entry that fills the batch defers the whole
//! batch as one function and flushes, which seals the thread's crossbeam bag at once.
//!
//! Why a removed value is dropped no later than before: crossbeam reads the epoch
//! that starts a deferral's grace period when it *seals* the bag holding it, and it
//! sealed a bag when 64 deferrals had filled it or when the thread flushed. A batch
//! is [`BATCH`] = 64 entries and is sealed the moment it fills, so an entry's grace
//! period starts after at most 64 retirements on its thread, as before; and every
//! place that flushed the bag before (the map's own flushes, a map's drop, thread
//! exit) hands the pending batch over first. A caller's own
//! `crossbeam_epoch::pin().flush()` reaches entries still pending only once they are
//! handed over (below). Deferring an entry later than its unlinking is sound: the readers the
//! epoch must wait for are those pinned before the unlinking, and every one of them
//! was pinned before the batch's deferral too (I7).
//!
//! A thread that stops retiring would keep a partial batch (up to 63 entries) until it
//! exits; so every [`PINS_PER_CHECK`] map pins, a thread whose batch did not fill in
//! that time defers what it has into its crossbeam bag, *without* flushing. Those
//! entries count towards the next batch's 64 (`Pending::unsealed`), so the bag is
//! sealed within 64 retirements of the oldest of them, as before batching, or
//! earlier by a caller's own
//! `crossbeam_epoch::pin().flush()`, or the thread's exit. (Flushing there too cost
//! a seal and a collect per 128 pins on every thread that retires now and then: the
//! read-heavy mix at 8 threads fell to half, 2026-12-07.) So a removed value waits
//! for at most 64 retirements on its thread, or 128 map pins and then whatever sealed
//! its bag before batching.
//!
//! Flushing once per batch also keeps crossbeam's collection in pace with retirement
//! whatever the pinning pattern: each flush runs a collect, which runs up to 8 sealed
//! bags, so a thread that holds one pin over thousands of writes (a `Pinned` handle,
//! `retain`, `clear`) still collects 8 bags for every one it seals. (Before batching,
//! a separate rule counted deferrals against pins to decide when to flush.)
//!
//! Under loom the map's models defer each entry directly, as before batching (a flush
//! per retirement would multiply their interleavings); the reclamation model turns
//! batching on for its thread with `model_batch`.

use std::alloc::Layout;
use std::cell::Cell;
use std::cell::RefCell;
use std::ptr::NonNull;

use crossbeam_epoch::Guard;

use super::expired::{self, Garbage};

/// Entries per batch: crossbeam's own bag size, so that an entry's grace period
/// starts no later than it did when each entry was its own deferral.
#[cfg(not(splitmap_loom))]
const BATCH: usize = 64;

/// Map pins between two checks for a stale partial batch.
#[cfg(not(splitmap_loom))]
const PINS_PER_CHECK: u32 = 128;

#[cfg(not(splitmap_loom))]
std::thread_local! {
    /// (map pins since the last check, whether a batch filled since then). No
    /// destructor, so a pin reads it without the registration check `PENDING` costs.
    static SINCE_CHECK: Cell<(u32, bool)> = const { Cell::new((0, false)) };
}

/// A map call pinned: every [`PINS_PER_CHECK`] pins, defer a partial batch that has
/// not filled since the last check (without flushing).
#[inline]
pub(super) fn on_pin(guard: &Guard) {
    #[cfg(not(splitmap_loom))]
    {
        let stale = SINCE_CHECK
            .try_with(|c| {
                let (pins, filled) = c.get();
                if pins + 1 < PINS_PER_CHECK {
                    c.set((pins + 1, filled));
                    return false;
                }
                c.set((0, false));
                !filled
            })
            .unwrap_or(false);
        if stale && pending() {
            submit(guard);
        }
    }
    // Under loom the map's models batch nothing, and the reclamation model flushes.
    #[cfg(splitmap_loom)]
    let _ = guard;
}

/// This thread's pending batch. Its destructor (thread exit) hands the batch over.
struct Pending {
    batch: RefCell<Vec<Garbage>>,
    /// Entries this thread deferred into its crossbeam bag since its last flush (a
    /// stale partial batch): they count towards the next batch's 64, so that every
    /// entry's bag is sealed within 64 retirements.
    unsealed: Cell<usize>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        let batch = std::mem::take(self.batch.get_mut());
        if !batch.is_empty() {
            // crossbeam's own thread-local may be gone by now; its `pin` then registers
            // a fresh participant for the call.
            let guard = crossbeam_epoch::pin();
            defer_batch(batch, &guard);
            guard.flush();
        }
    }
}

#[cfg(not(splitmap_loom))]
std::thread_local! {
    static PENDING: Pending = const {
        Pending { batch: RefCell::new(Vec::new()), unsealed: Cell::new(0) }
    };
}

#[cfg(splitmap_loom)]
loom::thread_local! {
    static PENDING: Pending = Pending { batch: RefCell::new(Vec::new()), unsealed: Cell::new(0) };
    /// The batch size on this thread under loom; 0 (the default) defers each entry
    /// directly.
    static MODEL_BATCH: std::cell::Cell<usize> = std::cell::Cell::new(0);
}

/// Under loom, batch this thread's retirements `size` at a time (0: defer each one).
#[cfg(splitmap_loom)]
pub(crate) fn model_batch(size: usize) {
    MODEL_BATCH.with(|b| b.set(size));
}

#[inline]
fn batch_size() -> usize {
    // `try_with`: an expiring batch may be recycled while loom tears the thread-locals
    // down.
    #[cfg(splitmap_loom)]
    return MODEL_BATCH.try_with(|b| b.get()).unwrap_or(0);
    #[cfg(not(splitmap_loom))]
    BATCH
}

/// An empty buffer for `size` entries: a block from this thread's [`pool`] (one an
/// expired batch gave back) if it has one, else a new allocation. A buffer per batch
/// from the allocator, freed on the thread that collected it, cost the read-heavy
/// mix 25% at 4-8 threads on 2 cores (2026-12-07): glibc's cross-thread frees of
/// 1 KiB blocks take the owning arena's lock.
///
/// [`pool`]: super::pool
fn buffer(size: usize) -> Vec<Garbage> {
    let Ok(layout) = Layout::array::<Garbage>(size) else {
        return Vec::new();
    };
    match super::pool::take(layout) {
        // SAFETY: P1 (`pool`): the block came from the global allocator with exactly
        // `layout` and holds no value, which is what `Vec` allocates for `size`
        // elements: length 0, capacity `size`.
        Some(block) => unsafe { Vec::from_raw_parts(block.as_ptr().cast(), 0, size) },
        None => Vec::with_capacity(size),
    }
}

/// Give the buffer of an expired, emptied batch to this thread's pool for the next
/// [`buffer`].
pub(super) fn recycle(batch: Vec<Garbage>) {
    if batch.capacity() != batch_size() || !batch.is_empty() {
        return; // a single entry's vector, or not emptied: dropped as usual
    }
    let Ok(layout) = Layout::array::<Garbage>(batch.capacity()) else {
        return;
    };
    let mut batch = std::mem::ManuallyDrop::new(batch);
    // SAFETY: P1 (`pool`) for the block given: a `Vec` with non-zero capacity owns a
    // block from the global allocator with `Layout::array::<Garbage>(capacity)`; it is
    // empty, and `ManuallyDrop` gives up every use of it here.
    unsafe { super::pool::give(NonNull::new_unchecked(batch.as_mut_ptr().cast()), layout) };
}

/// Defer `batch` under `guard`: its entries expire together.
fn defer_batch(batch: Vec<Garbage>, guard: &Guard) {
    // SAFETY: every entry in `batch` was unlinked before it joined the batch, so the
    // readers that may still reach it were pinned before now (I7); `Garbage` is
    // `Send` by its own contract, so the batch may expire on another thread.
    unsafe { guard.defer_unchecked(move || expired::expired_batch(batch)) };
}

/// Add `garbage` to this thread's pending batch; if that fills it, defer the batch and
/// flush (with what the flush expires queued, as in any map call).
///
/// # Safety
///
/// As `reclaim::retire`: the allocation is unlinked, owned by `garbage` alone, and
/// `guard` is a real pin.
#[inline]
pub(super) unsafe fn add(garbage: Garbage, guard: &Guard) {
    let size = batch_size();
    let mut garbage = Some(garbage);
    let full = PENDING
        .try_with(|p| {
            // A destructor run by the flush below may retire into the map again: the
            // borrow is never held across it, and if it were busy we defer directly.
            let mut pending = p.batch.try_borrow_mut().ok()?;
            if size == 0 {
                return None;
            }
            if pending.capacity() == 0 {
                *pending = buffer(size);
            }
            pending.extend(garbage.take());
            (pending.len() + p.unsealed.get() >= size).then(|| std::mem::take(&mut *pending))
        })
        .ok()
        .flatten();
    if let Some(garbage) = garbage {
        // Not batched (thread exiting, re-entered, or loom's default): its own deferral.
        // SAFETY: I7, as in `defer_batch`: the entry was unlinked before this call, so
        // every reader that may reach it was pinned before this deferral.
        unsafe { guard.defer_unchecked(move || expired::expired(garbage)) };
        return;
    }
    if let Some(batch) = full {
        #[cfg(not(splitmap_loom))]
        let _ = SINCE_CHECK.try_with(|c| c.set((c.get().0, true)));
        defer_batch(batch, guard);
        super::flush(guard);
    }
}

/// Defer this thread's pending batch into its crossbeam bag (the caller flushes, and
/// then calls [`sealed`], if the bag must be sealed now).
pub(super) fn submit(guard: &Guard) {
    let batch = PENDING
        .try_with(|p| {
            let batch = p
                .batch
                .try_borrow_mut()
                .map(|mut b| std::mem::take(&mut *b))
                .ok()?;
            p.unsealed.set(p.unsealed.get() + batch.len());
            Some(batch)
        })
        .ok()
        .flatten()
        .unwrap_or_default();
    if !batch.is_empty() {
        defer_batch(batch, guard);
    }
}

/// This thread just flushed: its crossbeam bag is sealed.
pub(super) fn sealed() {
    let _ = PENDING.try_with(|p| p.unsealed.set(0));
}

/// Whether this thread has a pending batch.
pub(super) fn pending() -> bool {
    PENDING
        .try_with(|p| p.batch.try_borrow().is_ok_and(|b| !b.is_empty()))
        .unwrap_or(false)
}
