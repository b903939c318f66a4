//! Memory stays bounded under churn whatever the caller's pinning pattern (issue 12).
//!
//! Its own test binary: a counting global allocator sees every byte the process holds.
//! Each case keeps a steady live count per thread (insert a new key, remove the oldest)
//! with `[u64; 8]` values, and records the heap's peak above the baseline taken before
//! the map existed. The bound: the peak is at most twice the heap of the filled map
//! plus 16 MiB, and after the map is dropped and other pins let the epochs advance, the
//! heap returns to within 1 MiB of the baseline.
//!
//! Bulk cases remove every key of a thread in one call (`clear`, `retain`) and insert
//! them again, round after round, under the same bound.
//!
//! `WordMap` has its own cases (only tables are retired): per call, and through
//! `PinnedWordMap` handles held over 64 and 10,000 pairs.
//!
//! The cases run one after another (one test function), because the counter is global
//! to the process and libtest runs tests on parallel threads.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Barrier;

use splitmap::HashMap;

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged,
// so `System`'s guarantees are ours; the counters only observe the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout (the caller upholds `alloc`'s contract).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from our `alloc` with this layout (the caller's contract).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged (the caller upholds `realloc`'s contract).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            grew(new_size as isize - layout.size() as isize);
        }
        p
    }
}

fn grew(delta: isize) {
    let now = LIVE.fetch_add(delta, Ordering::Relaxed) + delta;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

#[global_allocator]
static ALLOC: Counting = Counting;

const MIB: isize = 1 << 20;

type Value = [u64; 8];

/// How a churning thread pins.
#[derive(Clone, Copy)]
enum Pinning {
    /// The map's own methods, one pin per call.
    PerCall,
    /// One `Pinned` handle for `n` insert+remove pairs, made through it.
    Handle(usize),
    /// A handle held for `n` pairs made through the map's own methods, whose pins nest
    /// in the handle's (crossbeam collects only on outermost pins).
    Nested(usize),
}
use Pinning::{Handle, Nested, PerCall};

/// `threads` threads each keep `live` keys and make `pairs` insert+remove pairs.
/// Returns (filled heap, peak) in bytes above the baseline.
fn churn(threads: usize, live: u64, pairs: u64, pinning: Pinning) -> (isize, isize) {
    let base = LIVE.load(Ordering::Relaxed);
    let map: HashMap<u64, Value> = HashMap::new();
    for t in 0..threads as u64 {
        for i in 0..live {
            map.insert(t << 48 | i, [i; 8]);
        }
    }
    let filled = LIVE.load(Ordering::Relaxed) - base;
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let start = Barrier::new(threads);
    std::thread::scope(|s| {
        for t in 0..threads as u64 {
            let (map, start) = (&map, &start);
            s.spawn(move || {
                start.wait();
                let key = |i: u64| t << 48 | i;
                let mut next = live;
                while next < live + pairs {
                    match pinning {
                        PerCall => {
                            assert!(map.insert(key(next), [next; 8]).is_none());
                            assert!(map.remove(&key(next - live)).is_some());
                            next += 1;
                        }
                        Nested(n) => {
                            let _held = map.pin();
                            for _ in 0..n.min((live + pairs - next) as usize) {
                                assert!(map.insert(key(next), [next; 8]).is_none());
                                assert!(map.remove(&key(next - live)).is_some());
                                next += 1;
                            }
                        }
                        Handle(n) => {
                            let m = map.pin();
                            for _ in 0..n.min((live + pairs - next) as usize) {
                                assert!(m.insert(key(next), [next; 8]).is_none());
                                assert!(m.remove(&key(next - live)).is_some());
                                next += 1;
                            }
                        }
                    }
                }
            });
        }
    });
    assert_eq!(map.len(), threads * live as usize);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    drop(map);
    settle(base);
    (filled, peak)
}

/// `churn` for `WordMap<u64, u64>`, which retires only whole tables: each thread inserts
/// a new key and removes its oldest, so dead keys pile up and the table purges and grows
/// under the writers. `handle`: `None`, the map's own methods (a pin per call), or
/// `Some(n)`, a `PinnedWordMap` per `n` pairs.
fn word_churn(threads: usize, live: u64, pairs: u64, handle: Option<usize>) -> (isize, isize) {
    let base = LIVE.load(Ordering::Relaxed);
    let map: splitmap::WordMap<u64, u64> = splitmap::WordMap::new();
    for t in 0..threads as u64 {
        for i in 0..live {
            map.insert(t << 48 | i, i);
        }
    }
    let filled = LIVE.load(Ordering::Relaxed) - base;
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let start = Barrier::new(threads);
    std::thread::scope(|s| {
        for t in 0..threads as u64 {
            let (map, start) = (&map, &start);
            s.spawn(move || {
                start.wait();
                let key = |i: u64| t << 48 | i;
                match handle {
                    None => {
                        for next in live..live + pairs {
                            assert_eq!(map.insert(key(next), next), None);
                            assert_eq!(map.remove(&key(next - live)), Some(next - live));
                        }
                    }
                    Some(n) => {
                        let mut next = live;
                        while next < live + pairs {
                            let m = map.pin();
                            for _ in 0..n.min((live + pairs - next) as usize) {
                                assert_eq!(m.insert(key(next), next), None);
                                assert_eq!(m.remove(&key(next - live)), Some(next - live));
                                next += 1;
                            }
                        }
                    }
                }
            });
        }
    });
    assert_eq!(map.len(), threads * live as usize);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    drop(map);
    settle(base);
    (filled, peak)
}

/// How a bulk case removes its keys.
#[derive(Clone, Copy)]
enum Bulk {
    /// `clear()` the whole map (one thread: `clear` also takes other threads' keys).
    Clear,
    /// `retain` that drops this thread's keys (and keeps everyone else's).
    Retain,
}

/// `threads` threads each fill `live` keys, then `rounds` times remove them all in one
/// bulk call and insert them again. Returns (filled heap, peak) above the baseline.
fn bulk_churn(threads: usize, live: u64, rounds: u64, how: Bulk) -> (isize, isize) {
    let base = LIVE.load(Ordering::Relaxed);
    let map: HashMap<u64, Value> = HashMap::new();
    let fill = |t: u64| {
        for i in 0..live {
            assert!(map.insert(t << 48 | i, [i; 8]).is_none());
        }
    };
    (0..threads as u64).for_each(fill);
    let filled = LIVE.load(Ordering::Relaxed) - base;
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let start = Barrier::new(threads);
    std::thread::scope(|s| {
        for t in 0..threads as u64 {
            let (map, start, fill) = (&map, &start, &fill);
            s.spawn(move || {
                start.wait();
                for _ in 0..rounds {
                    match how {
                        Bulk::Clear => map.clear(),
                        Bulk::Retain => map.retain(|k, _| k >> 48 != t),
                    }
                    fill(t);
                }
            });
        }
    });
    assert_eq!(map.len(), threads * live as usize);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    drop(map);
    settle(base);
    (filled, peak)
}

/// Let the epochs advance (pins on this thread flush its garbage and collect) until the
/// heap is back near `base`, or fail. Each round also pins a map, which releases
/// garbage that expired inside this thread's map calls (`src/raw/reclaim/mod.rs`).
fn settle(base: isize) {
    let other: HashMap<u8, u8> = HashMap::new();
    for _ in 0..10_000 {
        if LIVE.load(Ordering::Relaxed) - base <= MIB {
            return;
        }
        crossbeam_epoch::pin().flush();
        drop(other.pin());
    }
    panic!(
        "the heap stayed {} KiB above the baseline after the map was dropped",
        (LIVE.load(Ordering::Relaxed) - base) / 1024
    );
}

/// The bound, for threads that each have a core: the heap peaks at no more
/// than twice the filled heap plus 16 MiB.
const SLACK: isize = 16 * MIB;

/// With more threads than cores, a thread preempted while pinned holds the global
/// epoch back for its whole time slice, and everything the running threads retire in
/// that time waits: the garbage is about the retirement rate times the longest such
/// stall, whatever the pinning pattern (one pin per call shows the same peak). On the
/// 2-core machine that came to 28-46 MiB above the filled heap at 8 threads (the code
/// before the fix gave the same with one pin per call), and it did not grow with 4x the
/// writes. The bound here still fails a backlog that grows: with 8-pair handles the
/// code before `src/raw/reclaim.rs` reached 41-50 MiB after 400,000 pairs and 142 MiB
/// after the 1.6 million this case makes.
const OVERSUBSCRIBED_SLACK: isize = 64 * MIB;

#[test]
fn churn_keeps_the_heap_bounded_under_every_pinning_pattern() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pairs = common::scale(400_000);
    // (name, threads, live keys per thread, pinning, pairs in all)
    let cases: &[(&str, usize, u64, Pinning, u64)] = &[
        ("one pin per call, 2 threads", 2, 10_000, PerCall, pairs),
        (
            "a handle per 8 pairs, 2 threads",
            2,
            10_000,
            Handle(8),
            pairs,
        ),
        (
            "a handle per 32 pairs, 2 threads",
            2,
            10_000,
            Handle(32),
            pairs,
        ),
        (
            "a handle per 256 pairs, 2 threads",
            2,
            10_000,
            Handle(256),
            pairs,
        ),
        (
            "a handle per 10,000 pairs, 2 threads",
            2,
            10_000,
            Handle(10_000),
            pairs,
        ),
        (
            "map calls under a handle held per 256 pairs, 2 threads",
            2,
            10_000,
            Nested(256),
            pairs,
        ),
        ("one pin per call, 8 threads", 8, 2_500, PerCall, 4 * pairs),
        (
            "a handle per 8 pairs, 8 threads",
            8,
            2_500,
            Handle(8),
            4 * pairs,
        ),
    ];
    // (name, threads, live keys per thread, pairs in all, handle): WordMap.
    let word_cases: &[(&str, usize, u64, u64, Option<usize>)] = &[
        ("WordMap, 2 threads", 2, 10_000, 4 * pairs, None),
        ("WordMap, 8 threads", 8, 2_500, 4 * pairs, None),
        (
            "WordMap, a handle per 64 pairs, 2 threads",
            2,
            10_000,
            4 * pairs,
            Some(64),
        ),
        (
            "WordMap, a handle per 10,000 pairs, 2 threads",
            2,
            10_000,
            4 * pairs,
            Some(10_000),
        ),
        (
            "WordMap, a handle per 64 pairs, 8 threads",
            8,
            2_500,
            4 * pairs,
            Some(64),
        ),
    ];
    let mut failures = vec![];
    let mut judge = |name: &str, threads: usize, filled: isize, peak: isize| {
        let slack = if threads <= cores {
            SLACK
        } else {
            OVERSUBSCRIBED_SLACK
        };
        let bound = 2 * filled + slack;
        eprintln!(
            "{name}: filled {} KiB, peak {} KiB (bound {} KiB)",
            filled / 1024,
            peak / 1024,
            bound / 1024
        );
        if peak > bound {
            failures.push(format!(
                "{name}: peak {} KiB > {} KiB",
                peak / 1024,
                bound / 1024
            ));
        }
    };
    // Everything each case allocates must be freed before the next starts, so every
    // case measures from the same baseline.
    let origin = LIVE.load(Ordering::Relaxed);
    for &(name, threads, live, pinning, pairs) in cases {
        settle(origin);
        let (filled, peak) = churn(threads, live, pairs / threads as u64, pinning);
        judge(name, threads, filled, peak);
    }
    // (name, threads, live keys per thread, rounds, how): bulk removal, each round
    // retiring every key of the thread in one call.
    let bulk_cases: &[(&str, usize, u64, u64, Bulk)] = &[
        (
            "clear() and refill, 1 thread",
            1,
            20_000,
            pairs / 20_000,
            Bulk::Clear,
        ),
        (
            "retain() dropping the thread's keys, and refill, 2 threads",
            2,
            10_000,
            pairs / 10_000,
            Bulk::Retain,
        ),
    ];
    for &(name, threads, live, rounds, how) in bulk_cases {
        settle(origin);
        let (filled, peak) = bulk_churn(threads, live, rounds.max(2), how);
        judge(name, threads, filled, peak);
    }
    for &(name, threads, live, pairs, handle) in word_cases {
        settle(origin);
        let (filled, peak) = word_churn(threads, live, pairs / threads as u64, handle);
        // Only tables are retired, but a thread preempted while pinned still holds
        // back every table the others retire meanwhile (distinct-key churn purges
        // the table every few thousand inserts), so the oversubscribed slack applies
        // as for `HashMap`. Before `promote` flushed, retired tables waited in
        // crossbeam's thread-local bags (64 per thread): 166 MiB at 2 threads here.
        judge(name, threads, filled, peak);
    }
    assert!(failures.is_empty(), "heap not bounded: {failures:#?}");
}
