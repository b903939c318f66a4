//! par_iter probe: a sum (cheap work per item) and 200 rounds of xorshift per item
//! (heavy work), sequential `iter` vs `par_iter`, 1M u64 -> u64 entries. Median of 7.
use rayon::prelude::*;
use std::time::Instant;

fn heavy(mut x: u64) -> u64 {
    for _ in 0..200 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let n = 1_000_000u64;
    let map: splitmap::HashMap<u64, u64> = (0..n).map(|i| (i, i | 1)).collect();
    let m = map.pin();
    let threads = rayon::current_num_threads();
    let mut rows = Vec::new();
    for (name, f) in [
        ("sum, iter", &(|| m.iter().map(|(_, v)| *v).sum::<u64>()) as &dyn Fn() -> u64),
        ("sum, par_iter", &|| m.par_iter().map(|(_, v)| *v).sum::<u64>()),
        ("heavy, iter", &|| m.iter().map(|(_, v)| heavy(*v)).fold(0, u64::wrapping_add)),
        ("heavy, par_iter", &|| m.par_iter().map(|(_, v)| heavy(*v)).reduce(|| 0, u64::wrapping_add)),
    ] {
        let mut t = Vec::new();
        let mut check = 0;
        for _ in 0..7 {
            let s = Instant::now();
            check = std::hint::black_box(f());
            t.push(s.elapsed().as_secs_f64() * 1e3);
        }
        rows.push((name, median(t), check));
    }
    println!("{} entries, {} rayon threads, median of 7", n, threads);
    for (name, ms, check) in rows {
        println!("{name:<16} {ms:>8.1} ms   (result {check})");
    }
}
