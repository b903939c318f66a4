//! One thread, 2^16 u64 keys in shuffled order: insert_overwrite per call, insert
//! overwrite under a handle per 1024, update per call, remove+insert per call;
//! ns per op, median of 7 runs of 2M ops. `WHAT=name` runs one of them only (for perf).
use std::time::Instant;
fn median(mut v: Vec<f64>) -> f64 { v.sort_by(|a, b| a.partial_cmp(b).unwrap()); v[v.len() / 2] }
fn main() {
    let n = 1u64 << 16;
    let mut keys: Vec<u64> = (0..n).collect();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for i in (1..keys.len()).rev() {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        keys.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let map: splitmap::HashMap<u64, u64> = splitmap::HashMap::new();
    for &k in &keys { map.insert(k, 1); }
    let words: splitmap::WordMap<u64, u64> = splitmap::WordMap::new();
    for &k in &keys { words.insert(k, 1); }
    let ops = 2_000_000usize;
    let only = std::env::var("WHAT").ok();
    for name in ["overwrite/percall", "overwrite/pinned", "update/percall", "remove+insert/percall", "word overwrite", "get/percall"] {
        if only.as_deref().is_some_and(|o| o != name) { continue; }
        let mut t = Vec::new();
        for _ in 0..7 {
            let s = Instant::now();
            match name {
                "overwrite/percall" => for i in 0..ops { map.insert(keys[i & (n as usize - 1)], i as u64); },
                "overwrite/pinned" => for c in keys.chunks(1024).cycle().take(ops / 1024) { let m = map.pin(); for &k in c { m.insert(k, 2); } },
                "update/percall" => for i in 0..ops { map.update(&keys[i & (n as usize - 1)], |v| v + 1); },
                "remove+insert/percall" => for i in 0..ops / 2 { let k = keys[i & (n as usize - 1)]; map.remove(&k); map.insert(k, 1); },
                "word overwrite" => for i in 0..ops { words.insert(keys[i & (n as usize - 1)], i as u64); },
                _ => { let mut acc = 0; for i in 0..ops { acc += *map.get(&keys[i & (n as usize - 1)]).unwrap(); } std::hint::black_box(acc); }
            }
            t.push(s.elapsed().as_secs_f64() * 1e9 / ops as f64);
        }
        println!("{name:<24} {:>7.1} ns/op", median(t));
    }
}
