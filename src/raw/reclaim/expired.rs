//! The per-thread queue of expired garbage (see the module above for why it exists).

use std::alloc::Layout;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

/// Expired entries a thread holds at the most before a collect releases at once.
/// 8 KiB of queue; with 64-byte entries, 64 KiB of memory per thread.
pub(super) const CAPACITY: usize = 1024;

/// Each release step frees one entry plus one for every `STEP` waiting: a queue that
/// fills faster than one per call (a thread collecting others' garbage) drains faster.
const STEP: usize = 128;

/// An allocation whose grace period is running or over, and the function that drops
/// and frees it.
pub(crate) struct Garbage {
    ptr: *mut u8,
    release: unsafe fn(*mut u8),
}

// SAFETY: `Garbage::boxed` only accepts `T: Send`, so releasing the allocation on
// another thread is sound.
unsafe impl Send for Garbage {}

impl Garbage {
    /// Garbage that releases as `drop(Box::from_raw(ptr))` would, except that the
    /// block goes to this thread's [`pool`](super::pool) for reuse.
    ///
    /// # Safety
    ///
    /// `ptr` came from `Box::into_raw`, and the `Garbage` owns it: nothing else frees
    /// it or uses it after the release.
    pub(crate) unsafe fn boxed<T: Send + 'static>(ptr: *mut T) -> Self {
        /// # Safety
        ///
        /// `ptr` is a `Box<T>` from `Box::into_raw`, owned by the caller.
        unsafe fn release_box<T>(ptr: *mut u8) {
            let ptr = ptr.cast::<T>();
            let layout = Layout::new::<T>();
            if layout.size() == 0 {
                // SAFETY: the caller's contract; a zero-sized box owns no block.
                drop(unsafe { Box::from_raw(ptr) });
                return;
            }
            /// Gives the block back once its value is dropped, on unwind too (a value's
            /// destructor may panic; the block is still ours and must not leak).
            struct GiveBack(NonNull<u8>, Layout);
            impl Drop for GiveBack {
                fn drop(&mut self) {
                    // SAFETY: P1 (`pool`) for the block given: the box is ours (the
                    // caller's contract, its grace period over by I7), its value has
                    // been dropped (this runs after `drop_in_place`, returned or
                    // unwound), and the global allocator gave the block with `layout`
                    // (which is how `Box` allocates a sized `T`).
                    unsafe { super::pool::give(self.0, self.1) };
                }
            }
            // SAFETY: `ptr` is a non-null `Box` pointer: the caller's contract, a box
            // retired once and released once its grace period is over (I7).
            let _give_back = GiveBack(unsafe { NonNull::new_unchecked(ptr.cast()) }, layout);
            // SAFETY: I7: the grace period is over, so no reader can reach the value;
            // the box is ours and its value initialised (the caller's contract), and
            // nothing uses it after this but `_give_back`, which frees the block only.
            unsafe { std::ptr::drop_in_place(ptr) };
        }
        Garbage {
            ptr: ptr.cast(),
            release: release_box::<T>,
        }
    }

    /// Drop and free the allocation.
    ///
    /// # Safety
    ///
    /// Its grace period is over: no thread can still read it (I7).
    unsafe fn release(self) {
        // SAFETY: `boxed`'s contract made `release` the right function for `ptr`, and
        // the caller's makes this the time.
        unsafe { (self.release)(self.ptr) }
    }
}

struct Local {
    /// Expired garbage, released a few at a time by this thread's map calls.
    queue: RefCell<Vec<Garbage>>,
}

impl Drop for Local {
    fn drop(&mut self) {
        let _ = FLAGS.try_with(|f| f.queued.set(0));
        for garbage in self.queue.get_mut().drain(..) {
            // SAFETY: only expired garbage is queued (`expired`).
            unsafe { garbage.release() };
        }
    }
}

/// What every map call checks, kept apart from the queue: a thread-local without a
/// destructor is a plain thread-relative access, where one with a destructor (`LOCAL`,
/// for the queue) is checked for registration and teardown at every access. So a pin
/// sets and restores `collecting` and finds the queue empty without touching `LOCAL`.
struct Flags {
    /// A map call on this thread is inside crossbeam's `pin` or `flush`.
    collecting: Cell<bool>,
    /// How many entries `LOCAL`'s queue holds (kept equal to its length by every push
    /// and pop; reset when the queue is torn down).
    queued: Cell<usize>,
}

#[cfg(not(splitmap_loom))]
std::thread_local! {
    static LOCAL: Local = const { Local { queue: RefCell::new(Vec::new()) } };
    static FLAGS: Flags = const { Flags { collecting: Cell::new(false), queued: Cell::new(0) } };
}

#[cfg(splitmap_loom)]
loom::thread_local! {
    static LOCAL: Local = Local { queue: RefCell::new(Vec::new()) };
    static FLAGS: Flags = Flags { collecting: Cell::new(false), queued: Cell::new(0) };
}

/// Run `f` (a call into crossbeam that may collect) with this thread marked as
/// collecting for a map call, so the garbage it expires is queued.
#[inline]
pub(super) fn collecting<R>(f: impl FnOnce() -> R) -> R {
    /// Restores the previous mark, on unwind too (a deferred function may panic).
    struct Restore(Option<bool>);
    impl Drop for Restore {
        #[inline]
        fn drop(&mut self) {
            if let Some(was) = self.0 {
                let _ = FLAGS.try_with(|f| f.collecting.set(was));
            }
        }
    }
    let _restore = Restore(FLAGS.try_with(|f| f.collecting.replace(true)).ok());
    f()
}

/// The deferred function of an entry retired on its own: its grace period is over.
pub(super) fn expired(garbage: Garbage) {
    expired_batch(vec![garbage]);
}

/// The deferred function of a batch of retired entries (`batch`): their grace period
/// is over. Inside a map call they join the queue as far as it has room.
pub(super) fn expired_batch(mut batch: Vec<Garbage>) {
    if FLAGS.try_with(|f| f.collecting.get()).unwrap_or(false) {
        let _ = LOCAL.try_with(|l| {
            if let Ok(mut queue) = l.queue.try_borrow_mut() {
                let room = CAPACITY.saturating_sub(queue.len()).min(batch.len());
                queue.extend(batch.drain(..room));
                let _ = FLAGS.try_with(|f| f.queued.set(queue.len()));
            }
        });
    }
    // Not in a map call, the queue is full, or the thread is exiting: release now.
    let mut rest = Releasing(batch);
    rest.release();
}

/// Expired garbage being released. A value destructor that panics stops
/// [`release`](Self::release), and the unwind drops this, which releases every other
/// entry instead of leaking them (a second panic aborts, as in std's drop of a slice).
struct Releasing(Vec<Garbage>);

impl Releasing {
    fn release(&mut self) {
        while let Some(garbage) = self.0.pop() {
            // SAFETY: only expired garbage is put here (`expired_batch`, whose epoch
            // ran it as a deferred function), so the grace period is over (I7).
            unsafe { garbage.release() };
        }
    }
}

impl Drop for Releasing {
    fn drop(&mut self) {
        self.release(); // empty unless a destructor panicked
        super::batch::recycle(std::mem::take(&mut self.0));
    }
}

/// Release a few queued entries: one, plus one for every `STEP` waiting.
#[inline]
pub(super) fn release_some() {
    if FLAGS.try_with(|f| f.queued.get()).unwrap_or(0) == 0 {
        return;
    }
    release(|waiting| 1 + waiting / STEP);
}

/// Release everything this thread has queued. Dropping a map does (a drop is O(n)
/// anyway, and a thread that drops its map and stops making map calls should not keep
/// up to `CAPACITY` expired entries of it).
pub(crate) fn release_all() {
    release(|_| usize::MAX);
}

/// Release up to `budget(waiting)` queued entries, one at a time: the borrow ends
/// before each release, which runs user `Drop` code that may call into a map (and so
/// back in here).
#[inline]
fn release(budget: impl FnOnce(usize) -> usize) {
    let mut budget = Some(budget);
    let mut left = 0;
    loop {
        let next = LOCAL.try_with(|l| {
            let mut queue = l.queue.try_borrow_mut().ok()?;
            if let Some(budget) = budget.take() {
                left = budget(queue.len());
            }
            left = left.checked_sub(1)?;
            let garbage = queue.pop();
            let _ = FLAGS.try_with(|f| f.queued.set(queue.len()));
            garbage
        });
        match next {
            // SAFETY: only expired garbage is queued (`expired`).
            Ok(Some(garbage)) => unsafe { garbage.release() },
            _ => return,
        }
    }
}
