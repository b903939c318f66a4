// Recurring-key churn: each op removes or (re-)inserts a key of a fixed set of 65,536, so
// removed keys come back. Times ops at random gaps.
use std::time::Instant;
#[cfg(feature = "mimalloc")]
#[global_allocator]
static A: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    let threads: usize = std::env::args().nth(1).map_or(2, |s| s.parse().unwrap());
    let ops: u64 = 4_000_000;
    let keys: u64 = 1 << 16;
    let map: splitmap::HashMap<u64, u64> = splitmap::HashMap::with_capacity(keys as usize);
    for k in 0..keys { map.insert(k, k); }
    let t0 = Instant::now();
    let mut all: Vec<u64> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads).map(|t| { let map = &map; s.spawn(move || {
            let mut x: u64 = 0x9E3779B97F4A7C15 ^ (t as u64 + 1);
            let mut rng = || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x };
            let mut samples = Vec::with_capacity((ops / 16) as usize);
            let mut gap = 0u64;
            for _ in 0..ops / threads as u64 {
                let r = rng();
                let k = r % keys;
                if gap == 0 {
                    let s = Instant::now();
                    if r & 1 == 0 { map.remove(&k); } else { map.insert(k, r); }
                    samples.push(s.elapsed().as_nanos() as u64);
                    gap = 1 + (rng() % 31);
                } else { if r & 1 == 0 { map.remove(&k); } else { map.insert(k, r); } gap -= 1; }
            }
            samples
        })}).collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let el = t0.elapsed();
    all.sort_unstable();
    let p = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    println!("threads {threads}: {:.1} Mops/s  p50 {} p99 {} p99.9 {} p99.99 {} max {} ns",
        ops as f64 / el.as_secs_f64() / 1e6, p(0.5), p(0.99), p(0.999), p(0.9999), all[all.len()-1]);
}

