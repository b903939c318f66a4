//! How long does dropping a large `splitmap::HashMap<u64, u64>` take? The commit before
//! the change (`base`) and the change (`splitmap`) alternate inside every round; a
//! `std::collections::HashMap` of the same keys for reference. `cargo run --release [n] [rounds]`; DRAIN=1 times `drain().count()` and the drop.
use std::time::Instant;
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn mix(mut x: u64) -> u64 { x ^= x >> 33; x = x.wrapping_mul(0xff51afd7ed558ccd); x ^ (x >> 33) }
fn main() {
    let n: u64 = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1 << 20);
    let rounds: usize = std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(5);
    let drain = std::env::var("DRAIN").is_ok();
    let (mut b, mut c, mut s) = (vec![], vec![], vec![]);
    for _ in 0..rounds {
        let mut m = base::HashMap::new();
        for i in 0..n { m.insert(mix(i), i); }
        let t = Instant::now(); if drain { assert_eq!(m.drain().count() as u64, n); } drop(m); b.push(t.elapsed().as_secs_f64() * 1e9 / n as f64);
        let mut m = splitmap::HashMap::new();
        for i in 0..n { m.insert(mix(i), i); }
        let t = Instant::now(); if drain { assert_eq!(m.drain().count() as u64, n); } drop(m); c.push(t.elapsed().as_secs_f64() * 1e9 / n as f64);
        let mut m = std::collections::HashMap::new();
        for i in 0..n { m.insert(mix(i), i); }
        let t = Instant::now(); if drain { assert_eq!(m.drain().count() as u64, n); } drop(m); s.push(t.elapsed().as_secs_f64() * 1e9 / n as f64);
    }
    let med = |v: &mut Vec<f64>| { v.sort_by(|x, y| x.partial_cmp(y).unwrap()); v[v.len() / 2] };
    println!("n = {n}, {rounds} rounds, ns per entry to {} the map (median): base {:.1}, new {:.1}, std {:.2}", if drain { "drain (and drop)" } else { "drop" }, med(&mut b), med(&mut c), med(&mut s));
}
