//! Keeping crossbeam's collection in pace with retirement, whatever the caller's
//! pinning pattern.
//!
//! crossbeam-epoch runs deferred functions only in `collect`, which it runs on every
//! 128th pin of a thread (and which runs at most 8 bags of 64 each time). A caller
//! that pins once per operation retires about one entry per pin, so about 128 per
//! collect, and is kept up with. One that holds a `Pinned` handle over many writes
//! retires more than 512 entries per collect: its backlog of garbage grew without
//! bound (3.3 GiB in the measurement of issue 12; 60 MiB after 400,000 writes in
//! `tests/memory.rs`). So a thread whose deferrals outrun its pins flushes: it hands
//! its bag to the global queue and runs a collect, which expires what it can (what
//! this thread retired under earlier pins, and what other threads retired; what it
//! retired under the current pin must wait until the handle is dropped, as the epoch
//! requires).
//!
//! The rule, per thread: after `FLUSH_AFTER` deferrals since the last flush, flush if
//! they number more than twice the pins the map made in that time. crossbeam's own
//! collects cover up to 4 deferrals per pin (512 per 128 pins), so a caller that pins
//! once per operation never flushes and pays nothing but two thread-local counts; a
//! handle over 8 writes (16 deferrals per pin), `retain` or `clear` flushes once per
//! `FLUSH_AFTER` deferrals, and each flush can run 8 bags (512 deferrals): twice what
//! accrued since the last one.

use std::cell::Cell;

use crossbeam_epoch::Guard;

use super::flush;

/// Deferrals between two flushes at the most: four crossbeam bags of 64.
#[cfg(not(splitmap_loom))]
const FLUSH_AFTER: u32 = 256;
/// Never reached by the loom models, so flushing adds no interleavings to them.
#[cfg(splitmap_loom)]
const FLUSH_AFTER: u32 = u32::MAX;

std::thread_local! {
    /// (deferred destructions, pins through the map) on this thread since its last flush.
    static SINCE_FLUSH: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
}

/// The map pinned this thread.
#[inline]
pub(super) fn on_pin() {
    let _ = SINCE_FLUSH.try_with(|c| {
        let (deferred, pins) = c.get();
        c.set((deferred, pins.saturating_add(1)));
    });
}

/// The caller just deferred a destruction under `guard`: flush if this thread's
/// deferrals are outrunning what its pins collect.
#[inline]
pub(super) fn deferred(guard: &Guard) {
    let due = SINCE_FLUSH
        .try_with(|c| {
            let (deferred, pins) = c.get();
            let deferred = deferred + 1;
            if deferred < FLUSH_AFTER {
                c.set((deferred, pins));
                return false;
            }
            // A full count either way: restart it, flushing only if the pins did not
            // keep up.
            c.set((0, 0));
            deferred / 2 > pins
        })
        .unwrap_or(false);
    if due {
        flush(guard);
    }
}
