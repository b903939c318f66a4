//! Concurrent fuzzing of `WordMap`: the input is split into 2 or 3 operation streams
//! that run at the same time on one map over a small key space (0 and `u64::MAX`
//! included). Properties that hold under any interleaving:
//!
//! - Every value read (by any operation or iteration) was written to that key: values
//!   encode `(stream, op index)` and the op there must be a write of that key.
//! - Counter keys (pre-inserted, never removed) only change by `fetch_add`; every
//!   increment applies exactly once, and a stream's reads of a counter never go back.
//! - Iteration yields each key at most once and every counter key.
//! - At the end: iteration agrees with `get` and `len`, counters are exact.

#![no_main]

use std::collections::HashSet;
use std::sync::Barrier;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use splitmap::WordMap;
use splitmap_fuzz::{AnyHasher, HasherKind};

const PLAIN: u64 = 16;
const COUNTERS: [u64; 3] = [u64::MAX, 1 << 63, 1000];
const MAX_OPS: usize = 256;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum COp {
    Insert(u8),
    TryInsert(u8),
    Remove(u8),
    Get(u8),
    Update(u8),
    CompareExchange(u8, u8),
    Count(u8, u8),
    Iter,
    Retain(u8),
}

/// Plain keys are `0..PLAIN` (0 is the side cell's key).
fn plain(k: u8) -> u64 {
    u64::from(k) % PLAIN
}

fn is_write_of(op: COp, key: u64) -> bool {
    match op {
        COp::Insert(k) | COp::TryInsert(k) | COp::Update(k) | COp::CompareExchange(k, _) => {
            plain(k) == key
        }
        _ => false,
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    capacity: u8,
    hasher: HasherKind,
    three: bool,
    streams: [Vec<COp>; 3],
}

/// A written value: stream `s`, op index `i`, never 0 (0 is what nobody wrote).
fn value(s: usize, i: usize) -> u64 {
    ((s as u64 + 1) << 32) | i as u64
}

fuzz_target!(|input: Input| {
    let n = if input.three { 3 } else { 2 };
    let streams: Vec<Vec<COp>> = input
        .streams
        .iter()
        .map(|s| s.iter().copied().take(MAX_OPS).collect())
        .collect();
    let map: WordMap<u64, u64, AnyHasher> = WordMap::with_capacity_and_hasher(
        usize::from(input.capacity % 64),
        AnyHasher::new(input.hasher),
    );
    for c in COUNTERS {
        map.insert(c, 0);
    }
    let check = |key: u64, v: u64| {
        if COUNTERS.contains(&key) {
            return;
        }
        let (s, i) = ((v >> 32) as usize, (v & 0xffff_ffff) as usize);
        assert!(
            s >= 1 && s <= n && i < streams[s - 1].len() && is_write_of(streams[s - 1][i], key),
            "key {key}: value {v:#x} was never written to it"
        );
    };
    let barrier = Barrier::new(n);
    let increments: Vec<[u64; 3]> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..n)
            .map(|s| {
                let (map, streams, barrier, check) = (&map, &streams, &barrier, &check);
                sc.spawn(move || {
                    let mut added = [0u64; 3];
                    let mut last = [0u64; 3];
                    barrier.wait();
                    for (i, &op) in streams[s].iter().enumerate() {
                        let v = value(s, i);
                        match op {
                            COp::Insert(k) => {
                                if let Some(old) = map.insert(plain(k), v) {
                                    check(plain(k), old);
                                }
                            }
                            COp::TryInsert(k) => match map.try_insert(plain(k), v) {
                                Ok(got) => assert_eq!(got, v),
                                Err(cur) => check(plain(k), cur),
                            },
                            COp::Remove(k) => {
                                if let Some(old) = map.remove(&plain(k)) {
                                    check(plain(k), old);
                                }
                            }
                            COp::Get(k) => {
                                if let Some(cur) = map.get(&plain(k)) {
                                    check(plain(k), cur);
                                }
                            }
                            COp::Update(k) => {
                                if let Some(new) = map.update(&plain(k), |old| {
                                    check(plain(k), old);
                                    v
                                }) {
                                    assert_eq!(new, v);
                                }
                            }
                            COp::CompareExchange(k, j) => {
                                let want = value(s, usize::from(j) % (i + 1));
                                match map.compare_exchange(&plain(k), want, v) {
                                    Ok(prev) => {
                                        assert_eq!(prev, want);
                                        check(plain(k), prev);
                                    }
                                    Err(Some(cur)) => check(plain(k), cur),
                                    Err(None) => {}
                                }
                            }
                            COp::Count(c, by) => {
                                let c = usize::from(c) % COUNTERS.len();
                                let by = u64::from(by);
                                let before = map.fetch_add(COUNTERS[c], by);
                                assert!(before >= last[c], "counter went back");
                                added[c] += by;
                                last[c] = before + by;
                                let now = map.get(&COUNTERS[c]).expect("counter lost");
                                assert!(now >= last[c], "own increment not seen");
                                last[c] = now;
                            }
                            COp::Iter => {
                                let mut seen = HashSet::new();
                                for (k, val) in map.iter() {
                                    assert!(seen.insert(k), "key {k} yielded twice");
                                    check(k, val);
                                }
                                for c in COUNTERS {
                                    assert!(seen.contains(&c), "counter {c} missing");
                                }
                            }
                            COp::Retain(m) => {
                                let m = u64::from(m % 3) + 2;
                                map.retain(|k, val| {
                                    check(k, val);
                                    COUNTERS.contains(&k) || val % m != 0
                                });
                            }
                        }
                    }
                    added
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut seen = HashSet::new();
    for (k, v) in map.iter() {
        assert!(seen.insert(k), "key {k} yielded twice at the end");
        check(k, v);
        assert_eq!(map.get(&k), Some(v));
    }
    assert_eq!(seen.len(), map.len());
    for (c, &key) in COUNTERS.iter().enumerate() {
        let total: u64 = increments.iter().map(|a| a[c]).sum();
        assert_eq!(map.get(&key), Some(total), "counter {key}");
    }
});
