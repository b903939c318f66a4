//! A mixed concurrent workload on `splitmap::HashMap` and on `Mutex<std::collections::HashMap>`.
//!
//! 90% `get`, 5% `insert`, 5% `remove` over a pre-filled key space of `u64` keys, at 1, 2, 4
//! and 8 threads, both maps hashing with the same fixed-seed `ahash::RandomState`. Prints a
//! progress line per run, then a table of throughput and sampled p99 latency (one operation in
//! 64 is timed with `Instant`).
//!
//! ```text
//! cargo run --release --example demo
//! DEMO_SECONDS=2 cargo run --release --example demo   # shorter (total measured time)
//! ```

use std::collections::HashMap as StdHashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

/// Keys live in `0..KEYS`; half of them are present at the start.
const KEYS: u64 = 1 << 20;
/// One operation in `SAMPLE` is timed.
const SAMPLE: u64 = 64;
const THREADS: [usize; 4] = [1, 2, 4, 8];

fn hasher() -> ahash::RandomState {
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

impl DemoMap for splitmap::HashMap<u64, u64, ahash::RandomState> {
    const NAME: &'static str = "splitmap";
    fn create() -> Self {
        splitmap::HashMap::with_capacity_and_hasher(KEYS as usize, hasher())
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

impl DemoMap for Mutex<StdHashMap<u64, u64, ahash::RandomState>> {
    const NAME: &'static str = "Mutex<std HashMap>";
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

struct RunResult {
    mops: f64,
    p99_ns: u64,
}

fn run<M: DemoMap>(threads: usize, secs: f64) -> RunResult {
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
                    barrier.wait();
                    // Check the stop flag once per batch of 64 operations, and time the first.
                    while !stop.load(Ordering::Relaxed) {
                        for i in 0..SAMPLE {
                            let r = rng.next();
                            let key = (r >> 8) % KEYS;
                            let t0 = (i == 0).then(Instant::now);
                            match r & 0xff {
                                0..=229 => {
                                    std::hint::black_box(map.get(key));
                                }
                                230..=242 => map.insert(key, r),
                                _ => map.remove(key),
                            }
                            if let Some(t0) = t0 {
                                samples.push(t0.elapsed().as_nanos() as u64);
                            }
                        }
                        ops += SAMPLE;
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
    let p99_ns = samples.get(samples.len() * 99 / 100).copied().unwrap_or(0);
    RunResult {
        mops: ops as f64 / elapsed.as_secs_f64() / 1e6,
        p99_ns,
    }
}

fn main() {
    let total: f64 = std::env::var("DEMO_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8.0);
    // Measured time is split evenly over the 8 runs; pre-filling adds a little on top.
    let secs = (total / (2 * THREADS.len()) as f64).max(0.05);
    println!(
        "mixed workload: 90% get / 5% insert / 5% remove, u64 keys in 0..{KEYS} (half present), \
         {secs:.2} s per run, p99 from 1 op in {SAMPLE}"
    );
    type Split = splitmap::HashMap<u64, u64, ahash::RandomState>;
    type Locked = Mutex<StdHashMap<u64, u64, ahash::RandomState>>;
    let mut rows = Vec::new();
    for &t in &THREADS {
        for name in [Split::NAME, Locked::NAME] {
            print!("  running {name:<20} {t} thread(s) ... ");
            use std::io::Write;
            std::io::stdout().flush().ok();
            let r = if name == Split::NAME {
                run::<Split>(t, secs)
            } else {
                run::<Locked>(t, secs)
            };
            println!("{:7.2} Mops/s  p99 {:>6} ns", r.mops, r.p99_ns);
            rows.push((t, name, r));
        }
    }
    println!();
    println!("| threads | map | Mops/s | p99 latency (ns) | splitmap / Mutex throughput |");
    println!("|---:|---|---:|---:|---:|");
    for pair in rows.chunks(2) {
        let ratio = pair[0].2.mops / pair[1].2.mops;
        for (t, name, r) in pair {
            let ratio = if *name == Split::NAME {
                format!("{ratio:.2}x")
            } else {
                String::new()
            };
            println!("| {t} | {name} | {:.2} | {} | {ratio} |", r.mops, r.p99_ns);
        }
    }
    println!();
    println!(
        "({} hardware threads here; runs with more threads than that measure oversubscription.)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}
