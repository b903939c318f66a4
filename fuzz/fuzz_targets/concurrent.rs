//! Concurrent fuzzing: the input is split into 2 or 3 operation streams that run at the
//! same time (`std::thread::scope`, started together by a barrier) on one shared map
//! over a small key space. Results of concurrent operations are not deterministic, so the
//! target checks properties that hold under any interleaving:
//!
//! - Every value read (by any operation, any closure, or iteration) is one that some
//!   thread wrote to that key: written values encode `(thread, op index)`, and the op at
//!   that index must be a write of that key.
//! - Counter keys (pre-inserted, never removed) are incremented only by `update`,
//!   `compute` and `upsert`; every increment must apply exactly once. Each thread's
//!   reads of a counter never go backwards, and its own increments are seen.
//! - An iteration running concurrently yields each key at most once and yields every
//!   counter key (counter keys are present for the whole iteration).
//! - At the end (quiescent): iteration yields no duplicate keys, its count equals
//!   `len`, `get` agrees with iteration, every value is a written one, and every counter
//!   equals the number of increments.
//!
//! `clear` is not among the operations: it would remove the counter keys.

#![no_main]

use std::collections::HashSet;
use std::sync::Barrier;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use splitmap::{Compute, HashMap, Operation};
use splitmap_fuzz::{AnyHasher, HasherKind};

/// Plain keys: `0..PLAIN`.
const PLAIN: u64 = 16;
/// Counter keys: `COUNTER_BASE..COUNTER_BASE + COUNTERS`.
const COUNTER_BASE: u64 = 1000;
const COUNTERS: u64 = 4;
/// Bulk keys: `BULK_BASE..BULK_BASE + 256 + 64`, written by range operations.
const BULK_BASE: u64 = 2000;
/// Operations per stream.
const MAX_OPS: usize = 256;

#[derive(Arbitrary, Debug)]
struct Input {
    /// Reduced to 0..64.
    capacity: u8,
    hasher: HasherKind,
    /// Run the third stream too.
    three: bool,
    streams: [Vec<COp>; 3],
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum COp {
    Insert(u8),
    TryInsert(u8),
    GetOrInsert(u8),
    Get(u8),
    Remove(u8),
    /// Remove if the value was written by thread `t % threads`.
    RemoveIf(u8, u8),
    /// Overwrite the value (if present) with ours.
    Update(u8),
    /// Decision `code % 3`: 0 insert ours, 1 remove, 2 abort.
    Compute(u8, u8),
    /// `HashMap::update(c, |n| n + 1)` on a counter.
    Incr(u8),
    /// `compute(c, |n| Insert(n + 1))` on a counter.
    IncrCompute(u8),
    /// `upsert(c, 1, |n| n + 1)` on a counter.
    IncrUpsert(u8),
    ReadCounter(u8),
    /// Keep plain and bulk keys with `k % m != r` (`m` in 2..=5); counters are kept.
    Retain(u8, u8),
    Iter,
    Len,
    /// Insert bulk keys `start..start + n % 64` (grows the table).
    InsertRange(u8, u8),
    RemoveRange(u8, u8),
    Yield,
}

fn plain(k: u8) -> u64 {
    u64::from(k) % PLAIN
}
fn counter(c: u8) -> u64 {
    COUNTER_BASE + u64::from(c) % COUNTERS
}
fn is_counter(k: u64) -> bool {
    (COUNTER_BASE..COUNTER_BASE + COUNTERS).contains(&k)
}
fn bulk_range(start: u8, n: u8) -> std::ops::Range<u64> {
    let s = BULK_BASE + u64::from(start);
    s..s + u64::from(n % 64)
}
fn enc(tid: usize, seq: usize) -> u64 {
    ((tid as u64) << 32) | seq as u64
}

struct Shared<'a> {
    streams: &'a [&'a [COp]],
    /// Expected final value of each counter.
    totals: [u64; COUNTERS as usize],
}

impl Shared<'_> {
    /// Is `v` a value that may be stored under `key` at some point?
    fn check(&self, key: u64, v: u64, what: &str) {
        if is_counter(key) {
            let total = self.totals[(key - COUNTER_BASE) as usize];
            assert!(
                v <= total,
                "{what}: counter {key} = {v} exceeds the {total} increments"
            );
            return;
        }
        let (tid, seq) = ((v >> 32) as usize, (v & 0xffff_ffff) as usize);
        let op = self
            .streams
            .get(tid)
            .and_then(|s| s.get(seq))
            .unwrap_or_else(|| panic!("{what}: key {key} holds {v:#x}, which no thread wrote"));
        let writes = match *op {
            COp::Insert(k) | COp::TryInsert(k) | COp::GetOrInsert(k) | COp::Update(k) => {
                plain(k) == key
            }
            COp::Compute(k, code) => code % 3 == 0 && plain(k) == key,
            COp::InsertRange(s, n) => bulk_range(s, n).contains(&key),
            _ => false,
        };
        assert!(
            writes,
            "{what}: key {key} holds {v:#x}, but thread {tid} op {seq} ({op:?}) does not write it"
        );
    }
}

fn worker(map: &HashMap<u64, u64, AnyHasher>, sh: &Shared<'_>, tid: usize, barrier: &Barrier) {
    let threads = sh.streams.len();
    let mut last = [0u64; COUNTERS as usize];
    barrier.wait();
    for (seq, op) in sh.streams[tid].iter().enumerate() {
        let mine = enc(tid, seq);
        match *op {
            COp::Insert(k) => {
                let k = plain(k);
                if let Some(prev) = map.pin().insert(k, mine) {
                    sh.check(k, *prev, "insert: previous");
                }
            }
            COp::TryInsert(k) => {
                let k = plain(k);
                let m = map.pin();
                match m.try_insert(k, mine) {
                    Ok(v) => assert_eq!(*v, mine, "try_insert {k}: inserted value"),
                    Err(e) => {
                        sh.check(k, *e.current, "try_insert: current");
                        assert_eq!(e.not_inserted, mine, "try_insert {k}: value given back");
                    }
                }
            }
            COp::GetOrInsert(k) => {
                let k = plain(k);
                sh.check(k, *map.pin().get_or_insert(k, mine), "get_or_insert");
            }
            COp::Get(k) => {
                let k = plain(k);
                if let Some(v) = map.pin().get(&k) {
                    sh.check(k, *v, "get");
                }
            }
            COp::Remove(k) => {
                let k = plain(k);
                if let Some(v) = map.pin().remove(&k) {
                    sh.check(k, *v, "remove");
                }
            }
            COp::RemoveIf(k, t) => {
                let k = plain(k);
                let t = usize::from(t) % threads;
                let m = map.pin();
                let removed = m.remove_if(&k, |kk, v| {
                    assert_eq!(*kk, k);
                    sh.check(k, *v, "remove_if: shown");
                    (*v >> 32) as usize == t
                });
                if let Some(v) = removed {
                    sh.check(k, *v, "remove_if: removed");
                    assert_eq!(
                        (*v >> 32) as usize,
                        t,
                        "remove_if {k} removed a value the predicate rejects"
                    );
                }
            }
            COp::Update(k) => {
                let k = plain(k);
                let m = map.pin();
                let got = m.update(&k, |old| {
                    sh.check(k, *old, "update: shown");
                    mine
                });
                if let Some(v) = got {
                    assert_eq!(*v, mine, "update {k}: new value");
                }
            }
            COp::Compute(k, code) => {
                let k = plain(k);
                let m = map.pin();
                let got = m.compute(k, |cur| {
                    if let Some(v) = cur {
                        sh.check(k, *v, "compute: shown");
                    }
                    match code % 3 {
                        0 => Operation::Insert(mine),
                        1 => Operation::Remove,
                        _ => Operation::Abort,
                    }
                });
                match (code % 3, got) {
                    (0, Compute::Inserted(v)) => assert_eq!(*v, mine),
                    (0, Compute::Updated { old, new }) => {
                        sh.check(k, *old, "compute: old");
                        assert_eq!(*new, mine);
                    }
                    (1, Compute::Removed(v)) => sh.check(k, *v, "compute: removed"),
                    (1, Compute::Unchanged(None)) => {}
                    (2, Compute::Unchanged(cur)) => {
                        if let Some(v) = cur {
                            sh.check(k, *v, "compute: unchanged");
                        }
                    }
                    (code, got) => panic!("compute {k} with decision {code}: {got:?}"),
                }
            }
            COp::Incr(c) => {
                let key = counter(c);
                let i = (key - COUNTER_BASE) as usize;
                let mut seen = None;
                let m = map.pin();
                let new = m.update(&key, |n| {
                    seen = Some(*n);
                    n + 1
                });
                let new = *new.unwrap_or_else(|| panic!("update: counter {key} missing"));
                assert_eq!(
                    Some(new - 1),
                    seen,
                    "update: counter {key} stored a value from another run"
                );
                assert!(
                    new > last[i],
                    "counter {key} went from {} to {new}",
                    last[i]
                );
                sh.check(key, new, "update: counter");
                last[i] = new;
            }
            COp::IncrCompute(c) => {
                let key = counter(c);
                let i = (key - COUNTER_BASE) as usize;
                let m = map.pin();
                let step = |cur: Option<&u64>| match cur {
                    Some(n) => Operation::Insert(n + 1),
                    None => panic!("compute: counter {key} missing"),
                };
                match m.compute(key, step) {
                    Compute::Updated { old, new } => {
                        assert_eq!(*new, *old + 1, "compute: counter {key}");
                        assert!(
                            *old >= last[i],
                            "counter {key} went from {} to {old}",
                            last[i]
                        );
                        sh.check(key, *new, "compute: counter");
                        last[i] = *new;
                    }
                    other => panic!("compute: counter {key}: {other:?}"),
                }
            }
            COp::IncrUpsert(c) => {
                let key = counter(c);
                let i = (key - COUNTER_BASE) as usize;
                let new = *map.upsert(key, u64::MAX, |n| n + 1);
                assert!(new != u64::MAX, "upsert: counter {key} was absent");
                assert!(
                    new > last[i],
                    "counter {key} went from {} to {new}",
                    last[i]
                );
                sh.check(key, new, "upsert: counter");
                last[i] = new;
            }
            COp::ReadCounter(c) => {
                let key = counter(c);
                let i = (key - COUNTER_BASE) as usize;
                let v = map
                    .get_cloned(&key)
                    .unwrap_or_else(|| panic!("get: counter {key} missing"));
                assert!(v >= last[i], "counter {key} went from {} to {v}", last[i]);
                sh.check(key, v, "get: counter");
                last[i] = v;
            }
            COp::Retain(m, r) => {
                let m = u64::from(m % 4) + 2;
                let r = u64::from(r) % m;
                let mut visited = HashSet::new();
                map.pin().retain(|k, v| {
                    assert!(visited.insert(*k), "retain visited {k} twice");
                    sh.check(*k, *v, "retain: shown");
                    is_counter(*k) || k % m != r
                });
            }
            COp::Iter => {
                let m = map.pin();
                let mut keys = HashSet::new();
                for (k, v) in m.iter() {
                    assert!(keys.insert(*k), "concurrent iteration yielded {k} twice");
                    sh.check(*k, *v, "iter");
                }
                for c in 0..COUNTERS {
                    assert!(
                        keys.contains(&(COUNTER_BASE + c)),
                        "iteration missed counter {}",
                        COUNTER_BASE + c
                    );
                }
            }
            COp::Len => {
                let n = map.len();
                assert!(n < 1 << 20, "len {n} looks like a negative count");
            }
            COp::InsertRange(s, n) => {
                let m = map.pin();
                for k in bulk_range(s, n) {
                    if let Some(prev) = m.insert(k, mine) {
                        sh.check(k, *prev, "insert range: previous");
                    }
                }
            }
            COp::RemoveRange(s, n) => {
                for k in bulk_range(s, n) {
                    if let Some(v) = map.pin().remove(&k) {
                        sh.check(k, *v, "remove range");
                    }
                }
            }
            COp::Yield => std::thread::yield_now(),
        }
    }
}

fn run(input: Input) {
    let threads = if input.three { 3 } else { 2 };
    let streams: Vec<&[COp]> = input.streams[..threads]
        .iter()
        .map(|s| &s[..s.len().min(MAX_OPS)])
        .collect();
    let mut totals = [0u64; COUNTERS as usize];
    for op in streams.iter().flat_map(|s| s.iter()) {
        if let COp::Incr(c) | COp::IncrCompute(c) | COp::IncrUpsert(c) = *op {
            totals[(counter(c) - COUNTER_BASE) as usize] += 1;
        }
    }
    let sh = Shared {
        streams: &streams,
        totals,
    };

    let map = HashMap::with_capacity_and_hasher(
        usize::from(input.capacity % 64),
        AnyHasher::new(input.hasher),
    );
    for c in 0..COUNTERS {
        map.insert(COUNTER_BASE + c, 0);
    }

    let barrier = Barrier::new(threads);
    std::thread::scope(|s| {
        for tid in 1..threads {
            let (map, sh, barrier) = (&map, &sh, &barrier);
            s.spawn(move || worker(map, sh, tid, barrier));
        }
        // The fuzzer's own thread runs stream 0: one thread fewer to start per input.
        worker(&map, &sh, 0, &barrier);
    });

    // Quiescent checks.
    let m = map.pin();
    let mut keys = HashSet::new();
    for (k, v) in m.iter() {
        assert!(keys.insert(*k), "final iteration yielded {k} twice");
        sh.check(*k, *v, "final iteration");
        assert_eq!(m.get(k), Some(v), "get disagrees with iteration for {k}");
    }
    assert_eq!(keys.len(), map.len(), "len disagrees with iteration");
    for c in 0..COUNTERS {
        let key = COUNTER_BASE + c;
        assert_eq!(
            m.get(&key).copied(),
            Some(totals[c as usize]),
            "counter {key} lost or doubled an increment"
        );
    }
    // Still usable: empty it key by key.
    for k in &keys {
        assert!(m.remove(k).is_some(), "remove {k} after the run");
    }
    assert_eq!(map.len(), 0);
    assert_eq!(m.iter().count(), 0);
}

fuzz_target!(|input: Input| run(input));
