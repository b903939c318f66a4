//! One thread, 4,096 u64 keys: `HashMap::get` per call (a pin each), `get` under one
//! handle, `WordMap::get`; ns per lookup, median of 9 runs of 4M lookups.
use std::time::Instant;
fn median(mut v: Vec<f64>) -> f64 { v.sort_by(|a, b| a.partial_cmp(b).unwrap()); v[v.len() / 2] }
fn main() {
    let n = 4096u64;
    let map: splitmap::HashMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
    let words: splitmap::WordMap<u64, u64> = (0..n).map(|i| (i, i)).collect();
    let ops = 4_000_000u64;
    let mut rows = Vec::new();
    for name in ["map.get (pin per call)", "pinned.get (one handle)", "wordmap.get"] {
        let mut t = Vec::new();
        for _ in 0..9 {
            let s = Instant::now();
            let mut acc = 0u64;
            match name {
                "map.get (pin per call)" => for i in 0..ops { acc += *map.get(&(i & (n - 1))).unwrap(); },
                "pinned.get (one handle)" => { let m = map.pin(); for i in 0..ops { acc += *m.get(&(i & (n - 1))).unwrap(); } },
                _ => for i in 0..ops { acc += words.get(&(i & (n - 1))).unwrap(); },
            }
            std::hint::black_box(acc);
            t.push(s.elapsed().as_secs_f64() * 1e9 / ops as f64);
        }
        rows.push((name, median(t)));
    }
    for (name, ns) in rows { println!("{name:<26} {ns:>6.2} ns/op"); }
}
