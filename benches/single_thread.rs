//! Single-thread cost of each operation, `splitmap::HashMap` against other maps (criterion).
//!
//! Every map hashes with the same `ahash::RandomState` with fixed seeds. Operations run in
//! batches of `BATCH` keys; criterion reports the time per batch and the throughput in
//! elements (operations) per second. splitmap runs twice: `splitmap-pinned` takes one
//! handle per batch (`map.pin()`), `splitmap-percall` uses the map's own methods, which pin
//! for every call. `std` is `std::collections::HashMap` with no lock; `Mutex`/`RwLock` wrap
//! it and lock once per operation.
//!
//! Benchmarks, per key type (`u64`, 16-byte `String`, 64-byte `String`) and map, on a map
//! of `ST_ENTRIES` entries (default 2^20): `get_hit`, `get_miss`, `insert_new` (keys not in
//! the map; removed again outside the timed part), `insert_overwrite`, `remove` (put back
//! outside the timed part), `update` (value + 1), `growth` (insert `ST_ENTRIES` keys into
//! an empty map) and `iter` (sum the values of all entries).
//!
//! Environment: `QUICK=1` (2^16 entries, short measurement), `ST_ENTRIES=n`,
//! `ST_MEASURE_MS` / `ST_WARMUP_MS`, `MAPS=splitmap,std,...` and `KEYS=u64,str16,str64`
//! (select by name prefix). Criterion's own arguments (`--quick`, a filter) still work.
//!
//! ```text
//! cargo bench --bench single_thread
//! QUICK=1 cargo bench --bench single_thread
//! ```

use std::collections::HashMap as StdHashMap;
use std::hash::Hash;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};

type Hasher = ahash::RandomState;

fn hasher() -> Hasher {
    ahash::RandomState::with_seeds(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344)
}

/// Operations per timed batch (and per pin for `splitmap-pinned`).
const BATCH: usize = 1024;

/// A key type the benches can make from an index.
trait Key: Hash + Eq + Clone + Ord + Send + Sync + 'static {
    const NAME: &'static str;
    fn make(i: u64) -> Self;
}

/// A bijection on u64 (splitmix64's finaliser).
fn scramble(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

impl Key for u64 {
    const NAME: &'static str = "u64";
    fn make(i: u64) -> u64 {
        scramble(i)
    }
}

/// A 16-byte string key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Str16(String);

impl Key for Str16 {
    const NAME: &'static str = "str16";
    fn make(i: u64) -> Self {
        Str16(format!("{:016x}", scramble(i)))
    }
}

/// A 64-byte string key (distinct in its first 16 bytes, so equal prefixes are rare; the
/// whole key is still hashed and compared on a hit).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Str64(String);

impl Key for Str64 {
    const NAME: &'static str = "str64";
    fn make(i: u64) -> Self {
        let a = scramble(i);
        Str64(format!(
            "{a:016x}{:016x}{:016x}{:016x}",
            scramble(a),
            scramble(a ^ 1),
            scramble(a ^ 2)
        ))
    }
}

/// What every map under test offers, single-threaded. Batches return a count so the
/// compiler cannot drop the work.
trait StMap<K: Key> {
    const NAME: &'static str;
    /// Build empty; `cap == 0` means the map's default (small) size.
    fn create(cap: usize) -> Self;
    fn get_batch(&mut self, keys: &[K]) -> u64;
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64;
    fn remove_batch(&mut self, keys: &[K]) -> u64;
    fn update_batch(&mut self, keys: &[K]) -> u64;
    /// Sum of the values, or `None` if this variant has no iteration of its own.
    fn iter_sum(&mut self) -> Option<u64>;
}

struct SplitPinned<K>(splitmap::HashMap<K, u64, Hasher>);

impl<K: Key> StMap<K> for SplitPinned<K> {
    const NAME: &'static str = "splitmap-pinned";
    fn create(cap: usize) -> Self {
        SplitPinned(splitmap::HashMap::with_capacity_and_hasher(cap, hasher()))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        let m = self.0.pin();
        keys.iter().map(|k| m.get(k).copied().unwrap_or(0)).sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        // One guard per `BATCH` inserts (growth inserts a whole map through here).
        let mut n = 0;
        let mut kvs = kvs.into_iter().peekable();
        while kvs.peek().is_some() {
            let m = self.0.pin();
            for (k, v) in kvs.by_ref().take(BATCH) {
                n += m.insert(k, v).is_none() as u64;
            }
        }
        n
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        let m = self.0.pin();
        keys.iter().map(|k| m.remove(k).is_some() as u64).sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        let m = self.0.pin();
        keys.iter()
            .map(|k| m.update(k, |v| v + 1).is_some() as u64)
            .sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        Some(self.0.pin().iter().map(|(_, v)| *v).sum())
    }
}

struct SplitPerCall<K>(splitmap::HashMap<K, u64, Hasher>);

impl<K: Key> StMap<K> for SplitPerCall<K> {
    const NAME: &'static str = "splitmap-percall";
    fn create(cap: usize) -> Self {
        SplitPerCall(splitmap::HashMap::with_capacity_and_hasher(cap, hasher()))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter().map(|k| self.0.get_cloned(k).unwrap_or(0)).sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        kvs.into_iter()
            .map(|(k, v)| self.0.insert(k, v) as u64)
            .sum()
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter().map(|k| self.0.remove(k) as u64).sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.update(k, |v| v + 1) as u64)
            .sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        None // iteration always goes through a handle: see splitmap-pinned
    }
}

struct Std<K>(StdHashMap<K, u64, Hasher>);

impl<K: Key> StMap<K> for Std<K> {
    const NAME: &'static str = "std";
    fn create(cap: usize) -> Self {
        Std(StdHashMap::with_capacity_and_hasher(cap, hasher()))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.get(k).copied().unwrap_or(0))
            .sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        kvs.into_iter()
            .map(|(k, v)| self.0.insert(k, v).is_none() as u64)
            .sum()
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter().map(|k| self.0.remove(k).is_some() as u64).sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.get_mut(k).map(|v| *v += 1).is_some() as u64)
            .sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        Some(self.0.values().sum())
    }
}

struct MutexStd<K>(Mutex<StdHashMap<K, u64, Hasher>>);

impl<K: Key> StMap<K> for MutexStd<K> {
    const NAME: &'static str = "Mutex";
    fn create(cap: usize) -> Self {
        MutexStd(Mutex::new(StdHashMap::with_capacity_and_hasher(
            cap,
            hasher(),
        )))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.lock().unwrap().get(k).copied().unwrap_or(0))
            .sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        kvs.into_iter()
            .map(|(k, v)| self.0.lock().unwrap().insert(k, v).is_none() as u64)
            .sum()
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.lock().unwrap().remove(k).is_some() as u64)
            .sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.lock().unwrap().get_mut(k).map(|v| *v += 1).is_some() as u64)
            .sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        Some(self.0.lock().unwrap().values().sum())
    }
}

struct RwLockStd<K>(RwLock<StdHashMap<K, u64, Hasher>>);

impl<K: Key> StMap<K> for RwLockStd<K> {
    const NAME: &'static str = "RwLock";
    fn create(cap: usize) -> Self {
        RwLockStd(RwLock::new(StdHashMap::with_capacity_and_hasher(
            cap,
            hasher(),
        )))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.read().unwrap().get(k).copied().unwrap_or(0))
            .sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        kvs.into_iter()
            .map(|(k, v)| self.0.write().unwrap().insert(k, v).is_none() as u64)
            .sum()
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.write().unwrap().remove(k).is_some() as u64)
            .sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| {
                self.0
                    .write()
                    .unwrap()
                    .get_mut(k)
                    .map(|v| *v += 1)
                    .is_some() as u64
            })
            .sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        Some(self.0.read().unwrap().values().sum())
    }
}

struct Dash<K>(dashmap::DashMap<K, u64, Hasher>);

impl<K: Key> StMap<K> for Dash<K> {
    const NAME: &'static str = "dashmap";
    fn create(cap: usize) -> Self {
        Dash(dashmap::DashMap::with_capacity_and_hasher(cap, hasher()))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.get(k).map(|r| *r).unwrap_or(0))
            .sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        kvs.into_iter()
            .map(|(k, v)| self.0.insert(k, v).is_none() as u64)
            .sum()
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter().map(|k| self.0.remove(k).is_some() as u64).sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.get_mut(k).map(|mut v| *v += 1).is_some() as u64)
            .sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        Some(self.0.iter().map(|r| *r.value()).sum())
    }
}

/// papaya with one guard per batch, like `splitmap-pinned`.
struct Papaya<K>(papaya::HashMap<K, u64, Hasher>);

impl<K: Key> StMap<K> for Papaya<K> {
    const NAME: &'static str = "papaya";
    fn create(cap: usize) -> Self {
        Papaya(papaya::HashMap::with_capacity_and_hasher(cap, hasher()))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        let m = self.0.pin();
        keys.iter().map(|k| m.get(k).copied().unwrap_or(0)).sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        // One guard per `BATCH` inserts (growth inserts a whole map through here).
        let mut n = 0;
        let mut kvs = kvs.into_iter().peekable();
        while kvs.peek().is_some() {
            let m = self.0.pin();
            for (k, v) in kvs.by_ref().take(BATCH) {
                n += m.insert(k, v).is_none() as u64;
            }
        }
        n
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        let m = self.0.pin();
        keys.iter().map(|k| m.remove(k).is_some() as u64).sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        // papaya's `update` takes the key by value: the clone is part of its cost.
        let m = self.0.pin();
        keys.iter()
            .map(|k| m.update(k.clone(), |v| v + 1).is_some() as u64)
            .sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        Some(self.0.pin().iter().map(|(_, v)| *v).sum())
    }
}

struct Scc<K>(scc::HashMap<K, u64, Hasher>);

impl<K: Key> StMap<K> for Scc<K> {
    const NAME: &'static str = "scc";
    fn create(cap: usize) -> Self {
        Scc(scc::HashMap::with_capacity_and_hasher(cap, hasher()))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.read_sync(k, |_, v| *v).unwrap_or(0))
            .sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        // `insert_sync` refuses an existing key; `upsert_sync` is the insert-or-replace.
        kvs.into_iter()
            .map(|(k, v)| self.0.upsert_sync(k, v).is_none() as u64)
            .sum()
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.remove_sync(k).is_some() as u64)
            .sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        keys.iter()
            .map(|k| self.0.update_sync(k, |_, v| *v += 1).is_some() as u64)
            .sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        let mut s = 0;
        self.0.iter_sync(|_, v| {
            s += *v;
            true
        });
        Some(s)
    }
}

/// flurry with one guard per batch.
struct Flurry<K>(flurry::HashMap<K, u64, Hasher>);

impl<K: Key> StMap<K> for Flurry<K> {
    const NAME: &'static str = "flurry";
    fn create(cap: usize) -> Self {
        Flurry(flurry::HashMap::with_capacity_and_hasher(cap, hasher()))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        let m = self.0.pin();
        keys.iter().map(|k| m.get(k).copied().unwrap_or(0)).sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        // One guard per `BATCH` inserts (growth inserts a whole map through here).
        let mut n = 0;
        let mut kvs = kvs.into_iter().peekable();
        while kvs.peek().is_some() {
            let m = self.0.pin();
            for (k, v) in kvs.by_ref().take(BATCH) {
                n += m.insert(k, v).is_none() as u64;
            }
        }
        n
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        let m = self.0.pin();
        keys.iter().map(|k| m.remove(k).is_some() as u64).sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        let m = self.0.pin();
        keys.iter()
            .map(|k| m.compute_if_present(k, |_, v| Some(v + 1)).is_some() as u64)
            .sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        Some(self.0.pin().iter().map(|(_, v)| *v).sum())
    }
}

// ---------------------------------------------------------------------------------------

struct Settings {
    entries: usize,
    maps: Option<Vec<String>>,
    keys: Option<Vec<String>>,
}

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.split(',').map(|x| x.trim().to_lowercase()).collect())
}

fn selected(list: &Option<Vec<String>>, name: &str) -> bool {
    list.as_ref().is_none_or(|l| {
        l.iter()
            .any(|s| name.to_lowercase().starts_with(s.as_str()))
    })
}

/// Deterministic shuffle (Fisher-Yates with splitmix), so every map sees the same order.
fn shuffled<T>(mut v: Vec<T>, seed: u64) -> Vec<T> {
    let mut r = seed;
    for i in (1..v.len()).rev() {
        r = scramble(r);
        v.swap(i, (r % (i as u64 + 1)) as usize);
    }
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

fn bench_map<K: Key, M: StMap<K>>(c: &mut Criterion, s: &Settings) {
    if !selected(&s.maps, M::NAME) {
        return;
    }
    let n = s.entries as u64;
    // Present keys: 0..n; absent keys (misses and fresh inserts): n..2n.
    let present: Vec<K> = shuffled((0..n).map(K::make).collect(), 1);
    let absent: Vec<K> = shuffled((n..2 * n).map(K::make).collect(), 2);
    let mut map = M::create(0);
    map.insert_batch(present.iter().map(|k| (k.clone(), 1)).collect());

    let mut g = c.benchmark_group(format!("{}/{}", K::NAME, M::NAME));
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
    g.finish();
}

fn bench_key<K: Key>(c: &mut Criterion, s: &Settings) {
    if !selected(&s.keys, K::NAME) {
        return;
    }
    bench_map::<K, SplitPinned<K>>(c, s);
    bench_map::<K, SplitPerCall<K>>(c, s);
    bench_map::<K, Std<K>>(c, s);
    bench_map::<K, MutexStd<K>>(c, s);
    bench_map::<K, RwLockStd<K>>(c, s);
    bench_map::<K, Dash<K>>(c, s);
    bench_map::<K, Papaya<K>>(c, s);
    bench_map::<K, Scc<K>>(c, s);
    bench_map::<K, Flurry<K>>(c, s);
}

fn env_num(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn main() {
    let quick = std::env::var("QUICK").is_ok_and(|v| v != "0" && !v.is_empty());
    let settings = Settings {
        entries: env_num("ST_ENTRIES").unwrap_or(if quick { 1 << 16 } else { 1 << 20 }) as usize,
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
    bench_key::<Str16>(&mut c, &settings);
    bench_key::<Str64>(&mut c, &settings);
    c.final_summary();
}
