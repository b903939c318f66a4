//! Multi-threaded stress tests that check results, not just "no crash". Most run with a
//! tiny initial table so that every test races against migrations. Longer versions of
//! the same tests run with `--ignored` (see `.ci/run`).

mod common;

use common::{on_threads, scale, StopOnDrop};
use splitmap::HashMap;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;

const THREADS: u64 = 8;

fn disjoint_inserts(cap: usize, per_thread: u64) {
    let map = HashMap::with_capacity(cap);
    let barrier = Barrier::new(THREADS as usize);
    on_threads(THREADS, |t| {
        barrier.wait();
        for i in 0..per_thread {
            assert!(
                map.insert(t << 32 | i, i * 7 + t).is_none(),
                "key {t}/{i} inserted twice"
            );
        }
    });
    assert_eq!(map.len() as u64, THREADS * per_thread);
    let m = map.pin();
    for t in 0..THREADS {
        for i in 0..per_thread {
            assert_eq!(
                m.get(&(t << 32 | i)),
                Some(&(i * 7 + t)),
                "lost key {t}/{i}"
            );
        }
    }
    assert_eq!(m.iter().count() as u64, THREADS * per_thread);
    assert!(
        map.slots() as u64 >= THREADS * per_thread,
        "table holds every key"
    );
}

#[test]
fn disjoint_inserts_then_full_check() {
    disjoint_inserts(0, scale(20_000));
    disjoint_inserts(1 << 20, scale(20_000));
}

#[test]
fn concurrent_updates_lose_no_increment() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    const KEYS: u64 = 16;
    let rounds = scale(5_000);
    for k in 0..KEYS {
        map.insert(k, 0);
    }
    on_threads(THREADS, |t| {
        for r in 0..rounds {
            let k = (r + t) % KEYS;
            // Half the threads use `update`, half `upsert`/`compute`.
            if t % 2 == 0 {
                assert!(map.update(&k, |v| v + 1).is_some());
            } else {
                map.upsert(k, 1, |v| v + 1);
            }
            // Unrelated inserts and removes keep the table migrating.
            let junk = 1_000 + t * rounds + r;
            map.insert(junk, 0);
            if r % 2 == 0 {
                map.remove(&junk);
            }
        }
    });
    let m = map.pin();
    let total: u64 = (0..KEYS)
        .map(|k| *m.get(&k).expect("counter key present"))
        .sum();
    assert_eq!(total, THREADS * rounds, "increments lost or duplicated");
}

/// The entry API's counter idiom (`and_modify` then `or_insert`) counts exactly while
/// threads race on the same keys, keys come and go (so `or_insert` races the first
/// insert and `and_modify` sometimes finds its key removed), and the table migrates.
/// Each key is removed by one thread at known points; its count restarts from the
/// value the removal returned, so every increment is accounted for: in the map at the
/// end, or in a value some removal gave back.
#[test]
fn entry_counters_count_exactly_through_removals_and_migrations() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    const KEYS: u64 = 8;
    let rounds = scale(5_000);
    let removed_total = AtomicUsize::new(0);
    on_threads(THREADS, |t| {
        for r in 0..rounds {
            let k = (r * 7 + t) % KEYS;
            let now = map.entry(k).and_modify(|n| *n += 1).or_insert(1);
            assert!(*now >= 1, "a counter read {}", *now);
            drop(now);
            // Thread 0 takes whole counts out now and then; they are added back at the
            // end, so nothing may be lost or counted twice.
            if t == 0 && r % 64 == 0 {
                if let Some(old) = map.remove(&((r / 64) % KEYS)) {
                    removed_total.fetch_add(*old as usize, Ordering::Relaxed);
                }
            }
            // Unrelated inserts and removes keep the table migrating.
            let junk = 1_000 + t * rounds + r;
            map.insert(junk, 0);
            if r % 2 == 0 {
                map.remove(&junk);
            }
        }
    });
    let in_map: u64 = (0..KEYS).filter_map(|k| map.get_cloned(&k)).sum();
    assert_eq!(
        in_map + removed_total.load(Ordering::Relaxed) as u64,
        THREADS * rounds,
        "increments lost or duplicated"
    );
}

#[test]
fn readers_always_find_stable_keys_during_growth_and_shrink() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    const STABLE: u64 = 500;
    for k in 0..STABLE {
        map.insert(k, k * 3);
    }
    let stop = AtomicBool::new(false);
    let reads = AtomicUsize::new(0);
    let cycles = scale(20);
    std::thread::scope(|s| {
        // Writers: grow the table to ~20k keys and shrink it back, again and again.
        let writers: Vec<_> = (0..2u64)
            .map(|t| {
                let map = &map;
                s.spawn(move || {
                    for c in 0..cycles {
                        let base = 1_000_000 * (t + 1) + c * 10_000;
                        for i in 0..10_000 {
                            map.insert(base + i, i);
                        }
                        for i in 0..10_000 {
                            assert!(map.remove(&(base + i)).is_some());
                        }
                    }
                })
            })
            .collect();
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let (map, stop, reads) = (&map, &stop, &reads);
                s.spawn(move || {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let m = map.pin();
                        for k in 0..STABLE {
                            assert_eq!(
                                m.get(&k),
                                Some(&(k * 3)),
                                "stable key {k} missed during a migration"
                            );
                        }
                        n += 1;
                    }
                    reads.fetch_add(n, Ordering::Relaxed);
                })
            })
            .collect();
        {
            // Stop the readers even if a writer's assertion fails.
            let _stop = StopOnDrop(&stop);
            for w in writers {
                w.join().unwrap();
            }
        }
        for r in readers {
            r.join().unwrap();
        }
    });
    assert!(reads.load(Ordering::Relaxed) > 0);
    assert_eq!(map.len() as u64, STABLE);
}

/// A value whose words check each other, so a reader can tell a value that was freed
/// and its block reused (retired entries' blocks go back to a per-thread pool and are
/// reused by the next insert on that thread) from the one it was handed.
fn versioned(key: u64, version: u64) -> [u64; 4] {
    [key, version, key ^ version.rotate_left(17), !key]
}

/// Readers hold values (through `Pinned` handles over several lookups) while writers
/// overwrite and remove the same few keys as fast as they can, so entries are retired,
/// expire, wait in the collecting thread's queue, are released and their blocks reused
/// while the readers look. A reader checks that each value it holds is whole, is its
/// key's, and does not change while held: an entry released (or reused) before its
/// reader unpinned fails one of those.
#[test]
fn readers_never_see_a_released_or_reused_entry() {
    const KEYS: u64 = 64;
    let map: HashMap<u64, [u64; 4]> = HashMap::with_capacity(0);
    let ops = scale(200_000);
    let done = AtomicUsize::new(0);
    let checked = AtomicUsize::new(0);
    on_threads(4, |t| {
        if t < 2 {
            // Writers: per-call pins (t = 0) or handles over 32 writes (t = 1). The
            // readers stop when both are done, panicking or not.
            struct Done<'a>(&'a AtomicUsize);
            impl Drop for Done<'_> {
                fn drop(&mut self) {
                    self.0.fetch_add(1, Ordering::Release);
                }
            }
            let _done = Done(&done);
            let mut version = t;
            for i in 0..ops / 32 {
                let m = map.pin();
                for j in 0..32u64 {
                    let key = (i * 7 + j) % KEYS;
                    version += 2;
                    match (t, j % 4) {
                        (0, 3) => drop(map.remove(&key)),
                        (0, _) => drop(map.insert(key, versioned(key, version))),
                        (_, 3) => drop(m.remove(&key)),
                        (_, _) => drop(m.insert(key, versioned(key, version))),
                    }
                }
            }
        } else {
            let mut n = 0usize;
            while done.load(Ordering::Acquire) < 2 {
                let m = map.pin();
                let held: Vec<(u64, &[u64; 4], [u64; 4])> = (0..8)
                    .filter_map(|j| {
                        let key = (t * 13 + j * 5 + n as u64) % KEYS;
                        m.get(&key).map(|v| (key, v, *v))
                    })
                    .collect();
                // Let the writers retire, expire and reuse while we hold these.
                for _ in 0..64 {
                    std::hint::spin_loop();
                }
                for (key, now, first) in held {
                    let v = *now;
                    assert_eq!(v, first, "a value changed while its reader held it");
                    assert_eq!(
                        v,
                        versioned(key, v[1]),
                        "key {key}: value {v:?} is not whole or not the key's"
                    );
                    n += 1;
                }
            }
            checked.fetch_add(n, Ordering::Relaxed);
        }
    });
    assert!(
        checked.load(Ordering::Relaxed) > 1_000,
        "the readers must actually check values ({})",
        checked.load(Ordering::Relaxed)
    );
}

#[test]
fn churn_with_steady_live_count_keeps_capacity_bounded() {
    for live in [1u64, 1_000] {
        let map: HashMap<u64, u64> = HashMap::with_capacity(0);
        let ops = scale(250_000);
        let max_cap = AtomicUsize::new(0);
        on_threads(4u64, |t| {
            // Each thread keeps `live` keys of its own alive: insert i, remove i - live.
            for i in 0..ops {
                let k = t << 40 | i;
                assert!(map.insert(k, i).is_none());
                if i >= live {
                    assert!(map.remove(&(t << 40 | (i - live))).is_some());
                }
                if i % 1024 == 0 {
                    max_cap.fetch_max(map.slots(), Ordering::Relaxed);
                }
            }
        });
        assert_eq!(map.len() as u64, 4 * live);
        // 4 * live keys need a table of at most 8 * live slots (load <= 1/2); allow
        // one more doubling for a migration in flight plus a small-table floor.
        let bound = (16 * 4 * live as usize).max(256);
        let seen = max_cap.load(Ordering::Relaxed).max(map.slots());
        assert!(
            seen <= bound,
            "live {live}: capacity grew to {seen} (bound {bound})"
        );
    }
}

#[test]
fn iteration_during_writes_yields_no_duplicates() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    const STABLE: u64 = 2_000;
    for k in 0..STABLE {
        map.insert(k, k);
    }
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let writers: Vec<_> = (0..3u64)
            .map(|t| {
                let (map, stop) = (&map, &stop);
                s.spawn(move || {
                    let mut i = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        // Remove and re-insert stable keys (the case that could make an
                        // open-addressing iterator see a key twice), and churn others.
                        let k = (i * 7 + t) % STABLE;
                        if map.remove(&k).is_some() {
                            map.insert(k, k);
                        }
                        let junk = 1 << 32 | (t << 24) | (i % 5_000);
                        if map.insert(junk, i).is_some() {
                            map.remove(&junk);
                        }
                        i += 1;
                    }
                })
            })
            .collect();
        {
            let _stop = StopOnDrop(&stop);
            for _ in 0..scale(1_000) {
                let m = map.pin();
                let mut seen = HashSet::new();
                for (k, _) in m.iter() {
                    assert!(seen.insert(*k), "iteration yielded key {k} twice");
                }
            }
        }
        for w in writers {
            w.join().unwrap();
        }
    });
    // Quiescent: iteration matches len and holds every stable key.
    let m = map.pin();
    let keys: HashSet<u64> = m.keys().copied().collect();
    assert_eq!(keys.len(), m.len());
    assert!((0..STABLE).all(|k| keys.contains(&k)));
}

#[test]
fn racing_try_insert_and_remove_have_one_winner_per_key() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    let keys = scale(20_000);
    let wins = AtomicUsize::new(0);
    let removes = AtomicUsize::new(0);
    on_threads(THREADS, |t| {
        for k in 0..keys {
            if map.pin().try_insert(k, t).is_ok() {
                wins.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    assert_eq!(
        wins.load(Ordering::Relaxed) as u64,
        keys,
        "each key inserted exactly once"
    );
    assert_eq!(map.len() as u64, keys);
    on_threads(THREADS, |_| {
        for k in 0..keys {
            if map.remove(&k).is_some() {
                removes.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    assert_eq!(
        removes.load(Ordering::Relaxed) as u64,
        keys,
        "each key removed exactly once"
    );
    assert!(map.is_empty());
    assert!(
        map.slots() <= 8192,
        "the emptied table shrank (capacity {})",
        map.slots()
    );
}

/// Removed keys come back: threads race inserts-if-absent and removes of the same
/// few keys while one thread grows and empties the table with keys of its own (so
/// the re-inserts race freezes, copies, purges and promotions). Every successful insert and remove is counted per key; at the end
/// each key is present exactly when its inserts outnumber its removes by one, and
/// never by more (one slot per key), and the map's length agrees.
/// Per-key counts of successful inserts and removes of keys `0..n`, for tests where
/// threads race `try_insert` and `remove` on a few keys: at the end every key must be
/// present exactly when it was inserted once more than it was removed.
struct Accounts {
    inserted: Vec<AtomicUsize>,
    removed: Vec<AtomicUsize>,
}

impl Accounts {
    fn new(n: u64) -> Self {
        Accounts {
            inserted: (0..n).map(|_| AtomicUsize::new(0)).collect(),
            removed: (0..n).map(|_| AtomicUsize::new(0)).collect(),
        }
    }

    /// From the random word `x`: try to insert or remove key `x % n` (through a handle
    /// if `pinned`), and count it if it happened.
    fn step(&self, map: &HashMap<u64, u64>, x: u64, pinned: bool) {
        let k = x % self.inserted.len() as u64;
        if x & (1 << 40) == 0 {
            let new = if pinned {
                map.pin().try_insert(k, x).is_ok()
            } else {
                map.try_insert(k, x).is_ok()
            };
            if new {
                self.inserted[k as usize].fetch_add(1, Ordering::Relaxed);
            }
        } else if map.remove(&k).is_some() {
            self.removed[k as usize].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Check every key against its counts and `len` against the keys present.
    fn check(&self, map: &HashMap<u64, u64>) -> usize {
        let mut live = 0;
        for (k, (i, r)) in self.inserted.iter().zip(&self.removed).enumerate() {
            let (i, r) = (i.load(Ordering::Relaxed), r.load(Ordering::Relaxed));
            let present = map.contains_key(&(k as u64));
            assert_eq!(
                i,
                r + usize::from(present),
                "key {k}: {i} inserts, {r} removes, present: {present}"
            );
            live += usize::from(present);
        }
        assert_eq!(map.len(), live);
        live
    }
}

#[test]
fn reinserts_race_removals_and_migrations() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    let accounts = Accounts::new(64);
    let rounds = scale(200_000);
    on_threads(4, |t| {
        if t == 0 {
            // Grow the table well past the hot keys and empty it again, repeatedly.
            for round in 0..rounds / 10_000 {
                let base = 1 << 32 | round << 16;
                for k in 0..2_000 {
                    map.insert(base + k, k);
                }
                for k in 0..2_000 {
                    assert!(
                        map.remove(&(base + k)).is_some(),
                        "the grower's own key {k}"
                    );
                }
            }
            return;
        }
        let mut x = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        for _ in 0..rounds {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            accounts.step(&map, x, true);
        }
    });
    accounts.check(&map);
}

/// `reserve` and `shrink_to_fit` start migrations of their own sizes from whatever the
/// root is (a grow to the reserved size, a shrink to the live count) while writers
/// start theirs: every insert and remove must still count exactly.
#[test]
fn reserve_and_shrink_race_writers() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    let accounts = Accounts::new(512);
    let rounds = scale(200_000);
    let done = AtomicUsize::new(0);
    let resizes = AtomicUsize::new(0);
    on_threads(4, |t| {
        let mut x = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        if t == 0 {
            // Until every writer is done, so the resizes overlap the whole run.
            while done.load(Ordering::Relaxed) < 3 {
                let n = next();
                if n & 1 == 0 {
                    map.reserve((n >> 8) as usize % 20_000);
                } else {
                    map.shrink_to_fit();
                }
                resizes.fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        for _ in 0..rounds {
            accounts.step(&map, next(), false);
        }
        done.fetch_add(1, Ordering::Relaxed);
    });
    assert!(
        resizes.load(Ordering::Relaxed) > 10,
        "the resizer ran alongside"
    );
    let live = accounts.check(&map);
    assert_eq!(map.iter().count(), live);
    map.reserve(100_000);
    assert!(map.capacity() >= live + 100_000);
}

#[test]
fn emptied_map_shrinks_back() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    for i in 0..100_000 {
        map.insert(i, i);
    }
    let grown = map.slots();
    assert!(grown >= 131_072);
    for i in 0..100_000 {
        map.remove(&i);
    }
    // Removes start shrinking migrations as the table empties; later writes finish them.
    assert!(
        map.slots() < grown / 8,
        "capacity {} after removing everything",
        map.slots()
    );
    for i in 0..1_000 {
        map.insert(i, i);
    }
    map.retain(|_, _| false);
    assert_eq!(
        map.slots(),
        HashMap::<u64, u64>::with_capacity(0).slots(),
        "retain shrinks to the minimum"
    );
}

#[test]
#[ignore = "long run: `cargo test --release --test stress -- --ignored`"]
fn long_mixed_stress() {
    // Every thread owns a key range and keeps an exact model of it; all threads also
    // hammer a shared range. At the end each private range must match its model.
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    let ops = scale(2_000_000);
    on_threads(THREADS, |t| {
        let mut model = std::collections::HashMap::new();
        let mut x = t + 1;
        for i in 0..ops {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = t << 32 | (x % 4_096);
            match x % 4 {
                0 | 1 => assert_eq!(map.pin().insert(k, i).copied(), model.insert(k, i)),
                2 => assert_eq!(map.pin().remove(&k).copied(), model.remove(&k)),
                _ => assert_eq!(map.pin().get(&k), model.get(&k)),
            }
            let shared = 1 << 60 | (x % 512);
            map.insert(shared, i);
        }
        let m = map.pin();
        for (k, v) in &model {
            assert_eq!(m.get(k), Some(v));
        }
    });
}
