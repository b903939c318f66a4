//! A mixed concurrent workload on splitmap's two maps and on what people use instead:
//! `WordMap`, `splitmap::HashMap`, `Mutex<std::collections::HashMap>`, dashmap and scc.
//!
//! 90% `get`, 5% `insert`, 5% `remove` over a pre-filled key space of `u64` keys, at 1,
//! 2, 4 and 8 threads, every map hashing with the same fixed-seed `ahash::RandomState`.
//! Each (map, threads) cell runs `REPEATS` times, interleaved with the other maps so a
//! noisy moment hits them alike; the table shows the median throughput with its range
//! and the median sampled p99 latency (operations timed at random gaps, mean 64, so the
//! sampling cannot line up with periodic work), then one verdict line per thread count.
//!
//! ```text
//! cargo run --release --example demo
//! DEMO_SECONDS=4 cargo run --release --example demo   # shorter (total measured time)
//! cargo run --release --example demo -- --csv         # also print CSV rows
//! ```

use std::collections::HashMap as StdHashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

/// Keys live in `0..KEYS`; half of them are present at the start.
const KEYS: u64 = 1 << 19;
/// Mean gap between timed operations.
const SAMPLE: u64 = 64;
const THREADS: [usize; 4] = [1, 2, 4, 8];
const REPEATS: usize = 3;

type Hasher = ahash::RandomState;

fn hasher() -> Hasher {
    ahash::RandomState::with_seeds(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344)
}

/// The operations the demo needs from a map shared by reference between threads.
trait DemoMap: Sync {
    const NAME: &'static str;
    fn create() -> Self;
    fn get(&self, k: u64) -> bool;
    fn insert(&self, k: u64, v: u64);
    fn remove(&self, k: u64);
}

impl DemoMap for splitmap::WordMap<u64, u64, Hasher> {
    const NAME: &'static str = "splitmap WordMap";
    fn create() -> Self {
        Self::with_capacity_and_hasher(KEYS as usize, hasher())
    }
    fn get(&self, k: u64) -> bool {
        splitmap::WordMap::get(self, &k).is_some()
    }
    fn insert(&self, k: u64, v: u64) {
        splitmap::WordMap::insert(self, k, v);
    }
    fn remove(&self, k: u64) {
        splitmap::WordMap::remove(self, &k);
    }
}

impl DemoMap for splitmap::HashMap<u64, u64, Hasher> {
    const NAME: &'static str = "splitmap HashMap";
    fn create() -> Self {
        Self::with_capacity_and_hasher(KEYS as usize, hasher())
    }
    fn get(&self, k: u64) -> bool {
        self.contains_key(&k)
    }
    fn insert(&self, k: u64, v: u64) {
        splitmap::HashMap::insert(self, k, v);
    }
    fn remove(&self, k: u64) {
        splitmap::HashMap::remove(self, &k);
    }
}

impl DemoMap for Mutex<StdHashMap<u64, u64, Hasher>> {
    const NAME: &'static str = "Mutex<HashMap>";
    fn create() -> Self {
        Mutex::new(StdHashMap::with_capacity_and_hasher(
            KEYS as usize,
            hasher(),
        ))
    }
    fn get(&self, k: u64) -> bool {
        self.lock().unwrap().contains_key(&k)
    }
    fn insert(&self, k: u64, v: u64) {
        self.lock().unwrap().insert(k, v);
    }
    fn remove(&self, k: u64) {
        self.lock().unwrap().remove(&k);
    }
}

impl DemoMap for dashmap::DashMap<u64, u64, Hasher> {
    const NAME: &'static str = "dashmap";
    fn create() -> Self {
        Self::with_capacity_and_hasher(KEYS as usize, hasher())
    }
    fn get(&self, k: u64) -> bool {
        self.contains_key(&k)
    }
    fn insert(&self, k: u64, v: u64) {
        dashmap::DashMap::insert(self, k, v);
    }
    fn remove(&self, k: u64) {
        dashmap::DashMap::remove(self, &k);
    }
}

impl DemoMap for scc::HashMap<u64, u64, Hasher> {
    const NAME: &'static str = "scc";
    fn create() -> Self {
        Self::with_capacity_and_hasher(KEYS as usize, hasher())
    }
    fn get(&self, k: u64) -> bool {
        self.contains_sync(&k)
    }
    fn insert(&self, k: u64, v: u64) {
        self.upsert_sync(k, v);
    }
    fn remove(&self, k: u64) {
        self.remove_sync(&k);
    }
}

/// xorshift64*: a tiny per-thread generator, so the workload costs nothing next to the map.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// One run: throughput (Mops/s) and the sampled p99 latency (ns).
fn run<M: DemoMap>(threads: usize, secs: f64) -> (f64, u64) {
    let map = M::create();
    for k in (0..KEYS).step_by(2) {
        map.insert(k, k);
    }
    let stop = AtomicBool::new(false);
    let barrier = Barrier::new(threads + 1);
    let (ops, mut samples, elapsed) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (map, stop, barrier) = (&map, &stop, &barrier);
                s.spawn(move || {
                    let mut rng =
                        Rng(0x9e37_79b9_7f4a_7c15
                            ^ (t as u64 + 1).wrapping_mul(0xd1b5_4a32_d192_ed03));
                    let mut samples = Vec::with_capacity(1 << 16);
                    let mut ops = 0u64;
                    let mut next_sample = rng.next() % (2 * SAMPLE);
                    barrier.wait();
                    // Check the stop flag once per batch of 64 operations.
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..64 {
                            let r = rng.next();
                            let key = (r >> 8) % KEYS;
                            let t0 = (next_sample == 0).then(Instant::now);
                            match r & 0xff {
                                0..=229 => {
                                    std::hint::black_box(map.get(key));
                                }
                                230..=242 => map.insert(key, r),
                                _ => map.remove(key),
                            }
                            if let Some(t0) = t0 {
                                samples.push(t0.elapsed().as_nanos() as u64);
                                next_sample = rng.next() % (2 * SAMPLE);
                            } else {
                                next_sample -= 1;
                            }
                        }
                        ops += 64;
                    }
                    (ops, samples)
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        std::thread::sleep(Duration::from_secs_f64(secs));
        stop.store(true, Ordering::Relaxed);
        let mut ops = 0;
        let mut samples = Vec::new();
        for w in workers {
            let (o, s) = w.join().unwrap();
            ops += o;
            samples.extend(s);
        }
        (ops, samples, start.elapsed())
    });
    samples.sort_unstable();
    let p99 = samples.get(samples.len() * 99 / 100).copied().unwrap_or(0);
    (ops as f64 / elapsed.as_secs_f64() / 1e6, p99)
}

type Words = splitmap::WordMap<u64, u64, Hasher>;
type Split = splitmap::HashMap<u64, u64, Hasher>;
type Locked = Mutex<StdHashMap<u64, u64, Hasher>>;
type Dash = dashmap::DashMap<u64, u64, Hasher>;
type Scc = scc::HashMap<u64, u64, Hasher>;

const NAMES: [&str; 5] = [
    Words::NAME,
    Split::NAME,
    Locked::NAME,
    Dash::NAME,
    Scc::NAME,
];

fn run_named(name: &str, threads: usize, secs: f64) -> (f64, u64) {
    match name {
        n if n == Words::NAME => run::<Words>(threads, secs),
        n if n == Split::NAME => run::<Split>(threads, secs),
        n if n == Locked::NAME => run::<Locked>(threads, secs),
        n if n == Dash::NAME => run::<Dash>(threads, secs),
        _ => run::<Scc>(threads, secs),
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The 1-minute load average, if the OS tells it.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn main() {
    let csv = std::env::args().any(|a| a == "--csv");
    let total: f64 = std::env::var("DEMO_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12.0);
    let runs = NAMES.len() * THREADS.len() * REPEATS;
    let secs = (total / runs as f64).max(0.05);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "mixed workload: 90% get / 5% insert / 5% remove, u64 keys in 0..{KEYS} (half \
         present), {secs:.2} s per run, {REPEATS} runs per cell, {cores} hardware threads"
    );
    if let Some(load) = load_average().filter(|&l| l > 0.5 * cores as f64) {
        println!("note: the machine looks busy (load average {load:.1}); numbers will be noisy");
    }
    // results[threads][map] = (Mops/s of each repeat, p99 of each repeat)
    let mut results = vec![vec![(Vec::new(), Vec::new()); NAMES.len()]; THREADS.len()];
    for rep in 0..REPEATS {
        for (ti, &t) in THREADS.iter().enumerate() {
            for (mi, name) in NAMES.iter().enumerate() {
                let (mops, p99) = run_named(name, t, secs);
                results[ti][mi].0.push(mops);
                results[ti][mi].1.push(p99 as f64);
                eprint!(
                    "\r  run {:>2}/{runs}",
                    rep * THREADS.len() * NAMES.len() + ti * NAMES.len() + mi + 1
                );
            }
        }
    }
    eprintln!();
    println!();
    println!(
        "{:>7}  {:<18} {:>8} {:>17} {:>10}",
        "threads", "map", "Mops/s", "(min - max)", "p99 ns"
    );
    let mut csv_rows = vec!["threads,map,mops_median,mops_min,mops_max,p99_ns_median".to_string()];
    for (ti, &t) in THREADS.iter().enumerate() {
        let mut medians = Vec::new();
        for (mi, name) in NAMES.iter().enumerate() {
            let (mops, p99) = &mut results[ti][mi];
            let (lo, hi) = (
                mops.iter().copied().fold(f64::INFINITY, f64::min),
                mops.iter().copied().fold(0.0, f64::max),
            );
            let m = median(mops);
            let p = median(p99);
            medians.push(m);
            println!(
                "{t:>7}  {name:<18} {m:>8.2} {:>17} {p:>10.0}",
                format!("({lo:.2} - {hi:.2})")
            );
            csv_rows.push(format!("{t},{name},{m:.3},{lo:.3},{hi:.3},{p:.0}"));
        }
        let best_other = |from: usize| {
            (from..NAMES.len())
                .map(|i| (medians[i], NAMES[i]))
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap()
        };
        let (o, oname) = best_other(2);
        println!(
            "         verdict: WordMap {:.2}x and HashMap {:.2}x the best of the others ({oname}){}",
            medians[0] / o,
            medians[1] / o,
            if t > cores { "; more threads than cores" } else { "" }
        );
    }
    if csv {
        println!();
        for row in csv_rows {
            println!("{row}");
        }
    }
}
