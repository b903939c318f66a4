//! Single-thread cost of each operation, `splitmap::HashMap` against other maps (criterion).
//!
//! Every map hashes with the same `ahash::RandomState` with fixed seeds. Operations run in
//! batches of `BATCH` keys; criterion reports the time per batch and the throughput in
//! elements (operations) per second. splitmap runs twice: `splitmap-pinned` takes one
//! handle per batch (`map.pin()`), `splitmap-percall` uses the map's own methods, which pin
//! for every call; so does `WordMap` (`WordMap-pinned` with a `PinnedWordMap` per batch,
//! `WordMap` per call). `std` is `std::collections::HashMap` with no lock; `Mutex`/`RwLock` wrap
//! it and lock once per operation.
//!
//! Benchmarks, per key type (`u64`, 16-byte `String`, 64-byte `String`) and map, on a map
//! of `ST_ENTRIES` entries (default 2^20): `get_hit`, `get_miss`, `insert_new` (keys not in
//! the map; removed again outside the timed part), `insert_overwrite`, `remove` (put back
//! outside the timed part), `update` (value + 1), `growth` (insert `ST_ENTRIES` keys into
//! an empty map), `drop` (drop a filled map; the fill is not timed) and `iter` (sum the
//! values of all entries).
//!
//! Environment: `QUICK=1` (2^16 entries, short measurement), `ST_ENTRIES=n`,
//! `ST_MEASURE_MS` / `ST_WARMUP_MS`, `MAPS=splitmap,std,...` and `KEYS=u64,str16,str64`
//! (select by name prefix). Criterion's own arguments (`--quick`, a filter) still work.
//!
//! ```text
//! cargo bench --bench single_thread
//! QUICK=1 cargo bench --bench single_thread
//! ```
//!
//! Layout: the key types and the batch adapters are under `benches/single_thread/`; the
//! maps under test, the hasher and the environment helpers are in `benches/common/`, shared
//! with `throughput.rs`.

use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};

// Each bench uses only part of the shared code.
#[allow(dead_code)]
mod common;

#[path = "single_thread/keys.rs"]
mod keys;
#[path = "single_thread/st_map.rs"]
mod st_map;

use common::env::{env_list, env_num, quick, selected};
use common::maps::{Dash, Flurry, MutexStd, Papaya, RwLockStd, Scc, Split, Words};
use common::scramble::shuffle;
use keys::{Key, Str16, Str64};
use st_map::{GuardPerBatch, NoLock, PerCall, StMap};

/// Operations per timed batch (and per pin for `splitmap-pinned`).
const BATCH: usize = 1024;

struct Settings {
    entries: usize,
    maps: Option<Vec<String>>,
    keys: Option<Vec<String>>,
}

/// `v` in `shuffle`'s order for `seed` (the same for every map).
fn shuffled<T>(mut v: Vec<T>, seed: u64) -> Vec<T> {
    shuffle(&mut v, seed);
    v
}

/// Walks a key list in windows of `BATCH`, wrapping around.
struct Windows<K> {
    keys: Vec<K>,
    at: usize,
}

impl<K> Windows<K> {
    fn new(keys: Vec<K>) -> Self {
        assert!(keys.len() >= BATCH);
        Windows { keys, at: 0 }
    }
    fn next(&mut self) -> &[K] {
        if self.at + BATCH > self.keys.len() {
            self.at = 0;
        }
        self.at += BATCH;
        &self.keys[self.at - BATCH..self.at]
    }
}

fn bench_map<K: Key, M: StMap<K>>(c: &mut Criterion, s: &Settings, name: &str) {
    if !selected(&s.maps, name) {
        return;
    }
    let n = s.entries as u64;
    // Present keys: 0..n; absent keys (misses and fresh inserts): n..2n.
    let present: Vec<K> = shuffled((0..n).map(K::make).collect(), 1);
    let absent: Vec<K> = shuffled((n..2 * n).map(K::make).collect(), 2);
    let mut map = M::create(0);
    map.insert_batch(present.iter().map(|k| (k.clone(), 1)).collect());

    let mut g = c.benchmark_group(format!("{}/{name}", K::NAME));
    g.throughput(Throughput::Elements(BATCH as u64));
    g.sampling_mode(SamplingMode::Flat);

    let mut hits = Windows::new(present.clone());
    g.bench_function("get_hit", |b| {
        b.iter(|| map.get_batch(hits.next()));
    });
    let mut misses = Windows::new(absent.clone());
    g.bench_function("get_miss", |b| {
        b.iter(|| map.get_batch(misses.next()));
    });
    let mut fresh = Windows::new(absent[..(16 * BATCH).min(absent.len())].to_vec());
    g.bench_function("insert_new", |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let keys = fresh.next();
                let kvs: Vec<(K, u64)> = keys.iter().map(|k| (k.clone(), 2)).collect();
                let start = Instant::now();
                std::hint::black_box(map.insert_batch(kvs));
                t += start.elapsed();
                map.remove_batch(keys);
            }
            t
        });
    });
    let mut over = Windows::new(present.clone());
    g.bench_function("insert_overwrite", |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let kvs: Vec<(K, u64)> = over.next().iter().map(|k| (k.clone(), 3)).collect();
                let start = Instant::now();
                std::hint::black_box(map.insert_batch(kvs));
                t += start.elapsed();
            }
            t
        });
    });
    let mut gone = Windows::new(present.clone());
    g.bench_function("remove", |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let keys = gone.next();
                let start = Instant::now();
                std::hint::black_box(map.remove_batch(keys));
                t += start.elapsed();
                map.insert_batch(keys.iter().map(|k| (k.clone(), 1)).collect());
            }
            t
        });
    });
    let mut upd = Windows::new(present.clone());
    g.bench_function("update", |b| {
        b.iter(|| map.update_batch(upd.next()));
    });
    if map.iter_sum().is_some() {
        g.throughput(Throughput::Elements(n));
        g.bench_function("iter", |b| {
            b.iter(|| map.iter_sum());
        });
    }
    drop(map);

    // Growth: one iteration builds a whole map, so take the minimum number of samples.
    g.throughput(Throughput::Elements(n));
    g.sample_size(10);
    g.bench_function("growth", |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let kvs: Vec<(K, u64)> = present.iter().map(|k| (k.clone(), 1)).collect();
                let mut m = M::create(0);
                let start = Instant::now();
                std::hint::black_box(m.insert_batch(kvs));
                t += start.elapsed();
                drop(m);
            }
            t
        });
    });
    // Drop: one iteration fills a whole map (untimed) and times its drop, which frees
    // every entry of the maps that allocate per entry.
    g.bench_function("drop", |b| {
        b.iter_custom(|iters| {
            let mut t = Duration::ZERO;
            for _ in 0..iters {
                let mut m = M::create(0);
                m.insert_batch(present.iter().map(|k| (k.clone(), 1)).collect());
                let start = Instant::now();
                drop(std::hint::black_box(m));
                t += start.elapsed();
            }
            t
        });
    });
    g.finish();
}

fn bench_key<K: Key>(c: &mut Criterion, s: &Settings) {
    if !selected(&s.keys, K::NAME) {
        return;
    }
    bench_map::<K, GuardPerBatch<Split<K>>>(c, s, "splitmap-pinned");
    bench_map::<K, PerCall<Split<K>>>(c, s, "splitmap-percall");
    bench_map::<K, NoLock<K>>(c, s, "std");
    bench_map::<K, PerCall<MutexStd<K>>>(c, s, "Mutex");
    bench_map::<K, PerCall<RwLockStd<K>>>(c, s, "RwLock");
    bench_map::<K, PerCall<Dash<K>>>(c, s, "dashmap");
    // papaya and flurry with one guard per batch, like `splitmap-pinned`.
    bench_map::<K, GuardPerBatch<Papaya<K>>>(c, s, "papaya");
    bench_map::<K, PerCall<Scc<K>>>(c, s, "scc");
    bench_map::<K, GuardPerBatch<Flurry<K>>>(c, s, "flurry");
}

fn main() {
    let quick = quick();
    let settings = Settings {
        entries: env_num::<u64>("ST_ENTRIES").unwrap_or(if quick { 1 << 16 } else { 1 << 20 })
            as usize,
        maps: env_list("MAPS"),
        keys: env_list("KEYS"),
    };
    let measure = env_num("ST_MEASURE_MS").unwrap_or(if quick { 500 } else { 2000 });
    let warmup = env_num("ST_WARMUP_MS").unwrap_or(if quick { 200 } else { 500 });
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(warmup))
        .measurement_time(Duration::from_millis(measure))
        .configure_from_args();
    bench_key::<u64>(&mut c, &settings);
    // WordMap takes word-sized keys only: the u64 group.
    if selected(&settings.keys, <u64 as Key>::NAME) {
        bench_map::<u64, PerCall<Words>>(&mut c, &settings, "WordMap");
        bench_map::<u64, GuardPerBatch<Words>>(&mut c, &settings, "WordMap-pinned");
    }
    bench_key::<Str16>(&mut c, &settings);
    bench_key::<Str64>(&mut c, &settings);
    c.final_summary();
}
