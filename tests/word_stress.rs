//! WordMap under many threads, checking results: exact counter sums, no lost or
//! duplicated keys, reads that only ever see values some writer wrote. Tiny initial
//! tables, so every test races grows, purges and shrinks. Longer versions run with
//! `--ignored` (`SPLITMAP_STRESS_SCALE`, see `.ci/run`).

mod common;

use common::{on_threads, scale, StopOnDrop};
use splitmap::WordMap;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;

const THREADS: u64 = 8;

/// Keys that include the edge words: 0 (the side cell), `u64::MAX`, the top bit.
/// Injective for `i < 2^33`: the four classes are small words, words near
/// `u64::MAX`, words with the top bit and small low bits, and mid-range words with
/// bits 32..63 set (the last class used `rotate_right`, which wrapped around and made
/// duplicate keys in the long run, a bug of this test, not of the map).
fn edge_key(i: u64) -> u64 {
    let j = i / 4;
    debug_assert!(j < 1 << 31);
    match i % 4 {
        0 => j,
        1 => u64::MAX - j,
        2 => (1 << 63) | j,
        _ => (j + 1) << 32 | 0x5555,
    }
}

fn counters(per_thread: u64, keys: u64) {
    let map: WordMap<u64, u64> = WordMap::with_capacity(0);
    let barrier = Barrier::new(THREADS as usize);
    on_threads(THREADS, |t| {
        barrier.wait();
        let mut handle = None;
        for i in 0..per_thread {
            // Odd threads count through handles held for 64 rounds, so tables retire
            // while a handle pins them; even threads pin per call.
            if t % 2 == 1 && i % 64 == 0 {
                // Unpin the old handle first: pinned inside it, the new one would not
                // re-pin, and the thread would never unpin.
                drop(handle.take());
                handle = Some(map.pin());
            }
            let add = |key, delta| match &handle {
                Some(h) => h.fetch_add(key, delta),
                None => map.fetch_add(key, delta),
            };
            let sub = |key, delta| match &handle {
                Some(h) => h.fetch_sub(key, delta),
                None => map.fetch_sub(key, delta),
            };
            add(edge_key((i * 7 + t) % keys), 1);
            if i % 3 == 0 {
                sub(edge_key((i * 5 + t) % keys), 1);
                add(edge_key((i * 5 + t) % keys), 1);
            }
            // Waves of throwaway keys keep the table growing, purging and shrinking
            // under the counters, so increments race freezes and copies all the time.
            if i % 4096 == 0 {
                let temp = |j: u64| (t + 1) << 40 | j | 1 << 39;
                for j in 0..2048 {
                    map.insert(temp(j), j);
                }
                for j in 0..2048 {
                    assert_eq!(map.remove(&temp(j)), Some(j));
                }
            }
        }
    });
    let total: u64 = map.values().sum();
    assert_eq!(total, THREADS * per_thread, "every increment counted once");
    assert_eq!(map.len() as u64, keys.min(THREADS * per_thread));
    let distinct: HashSet<u64> = map.keys().collect();
    assert_eq!(distinct.len(), map.len(), "no key yielded twice");
}

#[test]
fn counter_sums_are_exact() {
    counters(scale(100_000), 257);
}

#[test]
#[ignore]
fn counter_sums_are_exact_long() {
    counters(scale(200_000), 4099);
}

/// Four hot counters hammered by seven threads while an eighth grows and shrinks the
/// table under them with waves of throwaway keys: nearly every freeze of a counter's
/// slot races an increment. Every increment must be counted once.
fn hot_counters(per_thread: u64) {
    const HOT: [u64; 4] = [0, u64::MAX, 1 << 63, 12345];
    let map: WordMap<u64, u64> = WordMap::with_capacity(0);
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let stopper = StopOnDrop(&stop);
        let churn = s.spawn(|| {
            let mut wave = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let n = 64 << (wave % 6);
                for j in 0..n {
                    map.insert(1 << 40 | j, j);
                }
                for j in 0..n {
                    assert_eq!(map.remove(&(1 << 40 | j)), Some(j));
                }
                wave += 1;
            }
        });
        let counters: Vec<_> = (0..THREADS - 1)
            .map(|t| {
                let map = &map;
                s.spawn(move || {
                    for i in 0..per_thread {
                        map.fetch_add(HOT[((i + t) % 4) as usize], 1);
                    }
                })
            })
            .collect();
        for c in counters {
            c.join().unwrap();
        }
        // Joined through its handle, not by the scope: TSan sees this join (docs/testing.md).
        drop(stopper);
        churn.join().unwrap();
    });
    for (i, k) in HOT.iter().enumerate() {
        let want: u64 = (0..THREADS - 1)
            .map(|t| (0..per_thread).filter(|j| (j + t) % 4 == i as u64).count() as u64)
            .sum();
        assert_eq!(map.get(k), Some(want), "counter {k:#x}");
    }
    assert_eq!(map.len(), HOT.len());
}

#[test]
fn hot_counters_race_every_freeze() {
    hot_counters(scale(1_000_000));
}

/// Each thread owns its keys: inserts them, removes every other one, revives half of
/// those, while readers check that any value they see is one a writer wrote for that
/// key (`value = key * 3 + version`, version < 3).
fn owned_keys_with_readers(per_thread: u64) {
    let map: WordMap<u64, u64> = WordMap::with_capacity(0);
    let stop = AtomicBool::new(false);
    let key = |t: u64, i: u64| edge_key(t * per_thread + i);
    std::thread::scope(|s| {
        // Stops the readers even if a writer's assertion fails (the scope would
        // otherwise wait for them forever).
        let stopper = StopOnDrop(&stop);
        let readers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let k = key(n % THREADS, (n * 31) % per_thread);
                        if let Some(v) = map.get(&k) {
                            let version = v.wrapping_sub(k.wrapping_mul(3));
                            assert!(version < 3, "key {k:#x}: read {v:#x}, never written");
                        }
                        n += 1;
                    }
                })
            })
            .collect();
        let writers: Vec<_> = (0..THREADS)
            .map(|t| {
                let map = &map;
                s.spawn(move || {
                    for i in 0..per_thread {
                        let k = key(t, i);
                        assert_eq!(map.insert(k, k.wrapping_mul(3)), None, "{k:#x} new");
                    }
                    for i in (0..per_thread).step_by(2) {
                        let k = key(t, i);
                        assert_eq!(map.remove(&k), Some(k.wrapping_mul(3)));
                    }
                    for i in (0..per_thread).step_by(4) {
                        let k = key(t, i);
                        assert_eq!(map.insert(k, k.wrapping_mul(3) + 2), None, "revive");
                    }
                    for i in (1..per_thread).step_by(2) {
                        let k = key(t, i);
                        assert_eq!(map.update(&k, |v| v + 1), Some(k.wrapping_mul(3) + 1));
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        // Joined through their handles, not by the scope: TSan sees these joins.
        drop(stopper);
        for r in readers {
            r.join().unwrap();
        }
    });
    let mut expected = 0;
    for t in 0..THREADS {
        for i in 0..per_thread {
            let k = key(t, i);
            let want = match (i % 2, i % 4) {
                (1, _) => Some(k.wrapping_mul(3) + 1),
                (0, 0) => Some(k.wrapping_mul(3) + 2),
                _ => None,
            };
            expected += usize::from(want.is_some());
            assert_eq!(map.get(&k), want, "thread {t} key {i}");
        }
    }
    assert_eq!(map.len(), expected);
    assert_eq!(map.iter().count(), expected);
}

#[test]
fn owned_keys_survive_migrations_and_reads_see_only_written_values() {
    owned_keys_with_readers(scale(20_000));
}

#[test]
#[ignore]
fn owned_keys_survive_migrations_long() {
    owned_keys_with_readers(scale(50_000));
}

/// Threads churn a shared key set (insert if absent, remove if present) so the map
/// grows, purges and shrinks under them; each thread counts its own successful
/// inserts and removes. At the end the live count is inserts minus removes, and every
/// key is present at most once.
fn shared_churn(ops: u64, keys: u64) {
    let map: WordMap<u64, u64> = WordMap::with_capacity(0);
    let net = std::sync::atomic::AtomicI64::new(0);
    on_threads(THREADS, |t| {
        let mut x = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut mine = 0i64;
        for _ in 0..ops {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = edge_key(x % keys);
            if x & (1 << 40) != 0 {
                if map.try_insert(k, t).is_ok() {
                    mine += 1;
                }
            } else if map.remove(&k).is_some() {
                mine -= 1;
            }
        }
        net.fetch_add(mine, Ordering::Relaxed);
    });
    let live = net.load(Ordering::Relaxed);
    assert_eq!(map.len() as i64, live);
    let all: Vec<u64> = map.keys().collect();
    let distinct: HashSet<u64> = all.iter().copied().collect();
    assert_eq!(all.len(), distinct.len(), "a key yielded twice");
    assert_eq!(all.len() as i64, live);
}

#[test]
fn shared_churn_keeps_an_exact_count() {
    shared_churn(scale(200_000), 512);
}

#[test]
#[ignore]
fn shared_churn_keeps_an_exact_count_long() {
    shared_churn(scale(400_000), 20_000);
}

/// Threads increment one key with `compare_exchange` loops (and `update`): the final
/// value is the number of successful exchanges plus updates.
#[test]
fn compare_exchange_increments_are_exact() {
    let map: WordMap<u8, u64> = WordMap::new();
    map.insert(0, 0);
    map.insert(255, 0);
    let per = scale(5_000);
    on_threads(THREADS, |_| {
        for _ in 0..per {
            for key in [0u8, 255] {
                let mut cur = map.get(&key).unwrap();
                loop {
                    match map.compare_exchange(&key, cur, cur + 1) {
                        Ok(_) => break,
                        Err(actual) => cur = actual.unwrap(),
                    }
                }
            }
            map.update(&255, |v| v + 1);
        }
    });
    assert_eq!(map.get(&0), Some(THREADS * per));
    assert_eq!(map.get(&255), Some(2 * THREADS * per));
}

/// Iteration while another thread grows and shrinks the table with keys of its own
/// (and removes them again, leaving tombstones): every stable key (edge values
/// included) is yielded exactly once with its value, and a churned key only with the
/// value it was given, never a removed one.
#[test]
fn iteration_during_writes_yields_every_stable_key_once() {
    // No edge key has this top nibble (see `edge_key`).
    const CHURN: u64 = 0x7 << 60;
    let stable: Vec<u64> = (0..2_000).map(edge_key).collect();
    let map: WordMap<u64, u64> = WordMap::with_capacity(0);
    for &k in &stable {
        map.insert(k, !k);
    }
    let stop = AtomicBool::new(false);
    let waves = std::sync::atomic::AtomicU64::new(0);
    let mut walks = 0u64;
    let mut churned_seen = 0u64;
    std::thread::scope(|s| {
        let _stop = StopOnDrop(&stop);
        let churn = s.spawn(|| {
            let mut wave = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let n = 64 << (wave % 7);
                for j in 0..n {
                    map.insert(CHURN | j, j + 1);
                }
                for j in 0..n {
                    map.remove(&(CHURN | j));
                }
                wave += 1;
                waves.store(wave, Ordering::Relaxed);
            }
        });
        while walks < scale(50) || waves.load(Ordering::Relaxed) < scale(200) {
            let mut seen = HashSet::new();
            for (k, v) in map.iter() {
                if k & !0xffff == CHURN {
                    assert_eq!(v, (k & 0xffff) + 1, "a churned key's value");
                    churned_seen += 1;
                    continue;
                }
                assert_eq!(v, !k, "a stable key's value");
                assert!(seen.insert(k), "{k:#x} yielded twice");
            }
            assert_eq!(seen.len(), stable.len(), "every stable key");
            walks += 1;
        }
        // Joined through its handle, which TSan sees (docs/testing.md, "TSan").
        stop.store(true, Ordering::Relaxed);
        churn.join().unwrap();
    });
    assert!(churned_seen > 0, "the walks ran while the churn did");
}
