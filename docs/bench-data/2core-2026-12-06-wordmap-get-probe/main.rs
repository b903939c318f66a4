use std::hint::black_box;
use std::time::Instant;
fn mix(mut x: u64) -> u64 { x ^= x >> 33; x = x.wrapping_mul(0xff51afd7ed558ccd); x ^= x >> 33; x }
fn main() {
    let n: u64 = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1 << 18);
    let ops = 4_000_000u64;
    let s = ahash::RandomState::with_seeds(1, 2, 3, 4);
    let mut std_map = std::collections::HashMap::with_capacity_and_hasher(n as usize, s.clone());
    let wm: splitmap::WordMap<u64, u64, ahash::RandomState> = splitmap::WordMap::with_capacity_and_hasher(n as usize, s.clone());
    for i in 0..n { std_map.insert(mix(i), i); wm.insert(mix(i), i); }
    let keys: Vec<u64> = (0..ops).map(|i| mix(mix(i + 7) % n)).collect();
    if std::env::var("COUNT").is_ok() {
        let mut acc = 0u64;
        if std::env::var("COUNT").unwrap() == "std" { for k in &keys { acc = acc.wrapping_add(*std_map.get(k).unwrap()); } }
        else { for k in &keys { acc = acc.wrapping_add(wm.get(k).unwrap()); } }
        black_box(acc); return;
    }
    for round in 0..3 {
        let t = Instant::now(); let mut acc = 0u64;
        for k in &keys { acc = acc.wrapping_add(*std_map.get(k).unwrap()); }
        let a = t.elapsed().as_nanos() as f64 / ops as f64; black_box(acc);
        let t = Instant::now(); let mut acc = 0u64;
        for k in &keys { let _g = crossbeam_epoch::pin(); acc = acc.wrapping_add(*std_map.get(k).unwrap()); }
        let b = t.elapsed().as_nanos() as f64 / ops as f64; black_box(acc);
        let t = Instant::now(); let mut acc = 0u64;
        for k in &keys { acc = acc.wrapping_add(wm.get(k).unwrap()); }
        let c = t.elapsed().as_nanos() as f64 / ops as f64; black_box(acc);
        let t = Instant::now(); let mut acc = 0u64;
        { let _outer = crossbeam_epoch::pin();
          for k in &keys { acc = acc.wrapping_add(wm.get(k).unwrap()); } }
        let d = t.elapsed().as_nanos() as f64 / ops as f64; black_box(acc);
        let t = Instant::now(); let mut acc = 0u64;
        for k in &keys {
            let v = *std_map.get(k).unwrap();
            // ~120 ALU instructions that neither feed nor wait for the lookup's load.
            let mut l = [*k, *k + 1, *k + 2, *k + 3, *k + 4, *k + 5, *k + 6, *k + 7];
            for _ in 0..8 { for x in l.iter_mut() { *x = x.wrapping_mul(0x9e37_79b9) ^ (*x >> 7); } }
            let x = l.iter().fold(0, |a, b| a ^ b);
            acc = acc.wrapping_add(v ^ (x & 1));
        }
        let e = t.elapsed().as_nanos() as f64 / ops as f64; black_box(acc);
        println!("n={n} round {round}: std {a:.1} ns, std+pin {b:.1}, WordMap {c:.1}, WordMap under held pin {d:.1}, std + ~200 instructions in 8 independent chains {e:.1}");
    }
}
