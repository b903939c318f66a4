//! A counting global allocator, for measuring the memory a map holds.
//!
//! A bench that measures memory installs it:
//!
//! ```text
//! #[global_allocator]
//! static GLOBAL: CountingAlloc = CountingAlloc;
//! ```
//!
//! throughput.rs does; single_thread.rs does not, so criterion's timings run on the plain
//! system allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU8, Ordering};

/// The allocator under the counting layer: glibc's malloc (`System`, the default) or
/// mimalloc (`ALLOC=mimalloc`). Chosen on the first allocation, before `main` runs any
/// other code, with `getenv` (which does not allocate), and never changed after.
const BACKEND_UNSET: u8 = 0;
const BACKEND_SYSTEM: u8 = 1;
const BACKEND_MIMALLOC: u8 = 2;
static BACKEND: AtomicU8 = AtomicU8::new(BACKEND_UNSET);

extern "C" {
    /// libc: the value of an environment variable, or null.
    fn getenv(name: *const std::ffi::c_char) -> *const std::ffi::c_char;
}

fn backend() -> u8 {
    // Relaxed: the first allocation happens on the main thread before any other thread
    // exists, so every later load (ordered after thread spawns) sees the stored value.
    let b = BACKEND.load(Ordering::Relaxed);
    if b != BACKEND_UNSET {
        return b;
    }
    // SAFETY: a NUL-terminated name; `getenv` returns null or a NUL-terminated string that
    // lives as long as the environment is not modified, and we read it at once.
    let v = unsafe { getenv(c"ALLOC".as_ptr()) };
    // SAFETY: non-null results of `getenv` are NUL-terminated strings.
    let mi = !v.is_null() && unsafe { std::ffi::CStr::from_ptr(v) }.to_bytes() == b"mimalloc";
    let b = if mi { BACKEND_MIMALLOC } else { BACKEND_SYSTEM };
    BACKEND.store(b, Ordering::Relaxed);
    b
}

/// Whether `CountingAlloc` passes to mimalloc (`ALLOC=mimalloc`) rather than glibc. Then
/// nothing is counted.
pub(crate) fn is_mimalloc() -> bool {
    backend() == BACKEND_MIMALLOC
}

/// Passes every call to the backend allocator. While `COUNTING` is set (only with the
/// system allocator) it also tracks the bytes requested and the bytes glibc really hands out
/// (usable size plus its 8-byte chunk header), and the peak of both. Outside the memory
/// section it costs two relaxed loads.
pub(crate) struct CountingAlloc;
static COUNTING: AtomicBool = AtomicBool::new(false);
static REQ_NOW: AtomicIsize = AtomicIsize::new(0);
static REQ_PEAK: AtomicIsize = AtomicIsize::new(0);
static REAL_NOW: AtomicIsize = AtomicIsize::new(0);
static REAL_PEAK: AtomicIsize = AtomicIsize::new(0);

extern "C" {
    /// glibc: the usable size of a block returned by `malloc` and friends.
    fn malloc_usable_size(ptr: *mut u8) -> usize;
}

/// The bytes glibc reserves for a block: its usable size plus one 8-byte size header.
///
/// # Safety
///
/// - `ptr` is a live block from the system allocator.
unsafe fn real_size(ptr: *mut u8) -> isize {
    // SAFETY: `ptr` is live and came from glibc's malloc family (caller's contract), which
    // is what `System` uses on Linux.
    (unsafe { malloc_usable_size(ptr) } + 8) as isize
}

fn count(req: isize, real: isize) {
    let r = REQ_NOW.fetch_add(req, Ordering::Relaxed) + req;
    REQ_PEAK.fetch_max(r, Ordering::Relaxed);
    let r = REAL_NOW.fetch_add(real, Ordering::Relaxed) + real;
    REAL_PEAK.fetch_max(r, Ordering::Relaxed);
}

// SAFETY: every method forwards to the backend (which never changes after the first
// allocation, so a block is always freed by the allocator that made it) with the caller's
// arguments unchanged, so the `GlobalAlloc` contract holds exactly as it does for `System`
// and `MiMalloc`; the counting only reads the returned blocks' sizes, and only with glibc.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if backend() == BACKEND_MIMALLOC {
            // SAFETY: forwarded with the caller's layout (same contract).
            return unsafe { mimalloc::MiMalloc.alloc(layout) };
        }
        // SAFETY: forwarded with the caller's layout (same contract).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            // SAFETY: `p` was just returned by the system allocator.
            count(layout.size() as isize, unsafe { real_size(p) });
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if backend() == BACKEND_MIMALLOC {
            // SAFETY: forwarded with the caller's layout (same contract).
            return unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        }
        // SAFETY: forwarded with the caller's layout (same contract).
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            // SAFETY: `p` was just returned by the system allocator.
            count(layout.size() as isize, unsafe { real_size(p) });
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if backend() == BACKEND_MIMALLOC {
            // SAFETY: forwarded unchanged; `ptr` came from mimalloc (same backend throughout).
            return unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        }
        if COUNTING.load(Ordering::Relaxed) {
            // SAFETY: `ptr` is live until the `dealloc` below (caller's contract).
            count(-(layout.size() as isize), -unsafe { real_size(ptr) });
        }
        // SAFETY: forwarded unchanged (same contract).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if backend() == BACKEND_MIMALLOC {
            // SAFETY: forwarded unchanged; `ptr` came from mimalloc (same backend throughout).
            return unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        }
        let counting = COUNTING.load(Ordering::Relaxed);
        let old_real = if counting {
            // SAFETY: `ptr` is live until the `realloc` below (caller's contract).
            unsafe { real_size(ptr) }
        } else {
            0
        };
        // SAFETY: forwarded unchanged (same contract).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && counting {
            // SAFETY: `p` was just returned by the system allocator.
            let new_real = unsafe { real_size(p) };
            count(
                new_size as isize - layout.size() as isize,
                new_real - old_real,
            );
        }
        p
    }
}

/// Bytes allocated since a `Counting` started and not freed, and the peak of that.
pub(crate) struct Usage {
    /// As requested by the program.
    pub(crate) req_bytes: isize,
    /// As glibc hands them out (see `real_size`).
    pub(crate) real_bytes: isize,
    pub(crate) req_peak: isize,
    pub(crate) real_peak: isize,
}

/// A window in which `CountingAlloc` counts (glibc only: check `is_mimalloc` first). One at
/// a time: the counters are global.
pub(crate) struct Counting {
    base_req: isize,
    base_real: isize,
}

impl Counting {
    /// Starts counting from what is allocated now, with the peaks reset to it.
    pub(crate) fn start() -> Counting {
        let (base_req, base_real) = (
            REQ_NOW.load(Ordering::Relaxed),
            REAL_NOW.load(Ordering::Relaxed),
        );
        REQ_PEAK.store(base_req, Ordering::Relaxed);
        REAL_PEAK.store(base_real, Ordering::Relaxed);
        COUNTING.store(true, Ordering::Relaxed);
        Counting {
            base_req,
            base_real,
        }
    }

    /// What is allocated now and the peak so far, relative to `start`.
    pub(crate) fn usage(&self) -> Usage {
        Usage {
            req_bytes: REQ_NOW.load(Ordering::Relaxed) - self.base_req,
            real_bytes: REAL_NOW.load(Ordering::Relaxed) - self.base_real,
            req_peak: REQ_PEAK.load(Ordering::Relaxed) - self.base_req,
            real_peak: REAL_PEAK.load(Ordering::Relaxed) - self.base_real,
        }
    }

    /// Stops counting. Free what was allocated in the window first, so that frees of
    /// counted blocks are counted too and the running totals stay balanced.
    pub(crate) fn stop(self) {
        COUNTING.store(false, Ordering::Relaxed);
    }
}
