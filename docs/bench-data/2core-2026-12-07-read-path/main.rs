//! What bounds a one-thread WordMap lookup on this machine? The same 2^18 u64 keys
//! (ahash, same seeds) in `std::collections::HashMap` and in hand-made open-addressing
//! tables shaped like WordMap's (2^19 slots, linear probing, home = top bits of the
//! mixed hash), looked up 2 M times in random order, with one piece of WordMap's read
//! path added at a time. Every variant runs in every round; medians of 7 rounds.
//! `cargo run --release [n]` (docs/benchmarks.md, "What bounds a one-thread lookup").
//! Env: ROUNDS=k; REVERSE=1 runs the variants in reverse order; ZEROED=1 allocates the
//! paired skeleton with `alloc_zeroed` as WordMap does; ONLY=pairs|wm runs one variant
//! (for `perf record`). Neither order nor allocation changed the picture.
use std::hint::black_box;
use std::sync::atomic::{compiler_fence, AtomicPtr, AtomicU64, Ordering::*};
use std::time::Instant;

/// splitmap's mix (MurmurHash3's finaliser), applied after ahash as in the crate.
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}
/// Key generator (distinct keys for distinct i).
fn kmix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^ (x >> 33)
}

/// 24-byte slot: key, value, state (three 64-bit atomics).
struct Slot { key: AtomicU64, val: AtomicU64, meta: AtomicU64 }
struct Plain { slots: Vec<Slot>, shift: u32, s: ahash::RandomState }
impl Plain {
    #[inline(never)]
    fn get(&self, k: u64) -> Option<u64> {
        self.probe_from((mix(self.s.hash_one(k)) >> self.shift) as usize, k)
    }
    /// Linear probe from slot `i` to `k` or an empty slot.
    #[inline(always)]
    fn probe_from(&self, mut i: usize, k: u64) -> Option<u64> {
        loop {
            let s = &self.slots[i];
            let kk = s.key.load(Acquire);
            if kk == k {
                return (s.meta.load(Acquire) & 1 != 0).then(|| s.val.load(Acquire));
            }
            if kk == 0 {
                return None;
            }
            i += 1;
        }
    }
    /// The first probe step reads 4 key words and picks the first that is `k` or
    /// empty without a branch (so the branch "is it in this slot?" cannot mispredict).
    #[inline(never)]
    fn get_group(&self, k: u64) -> Option<u64> {
        let i0 = (mix(self.s.hash_one(k)) >> self.shift) as usize;
        let mut m = 0u32;
        for (j, s) in self.slots[i0..i0 + 4].iter().enumerate() {
            let kk = s.key.load(Acquire);
            m |= u32::from(kk == k || kk == 0) << j;
        }
        self.probe_from(i0 + (m | 16).trailing_zeros() as usize, k)
    }
}

/// 32-byte slot as WordMap had before the paired layout: a 128-bit control word (value
/// and state, portable-atomic's load) and a key word; the table behind an atomic root
/// pointer, and a crossbeam-epoch pin per call.
#[repr(C, align(16))]
struct Slot128 { ctrl: portable_atomic::AtomicU128, key: AtomicU64, _pad: u64 }
struct Table128 { slots: Vec<Slot128>, shift: u32 }
struct Rooted { root: AtomicPtr<Table128>, s: ahash::RandomState }
impl Rooted {
    #[inline(never)]
    fn get(&self, k: u64) -> Option<u64> {
        let _g = crossbeam_epoch::pin();
        // SAFETY (test program): the table lives as long as `self` and is never swapped.
        let t = unsafe { &*self.root.load(Acquire) };
        let mut i = (mix(self.s.hash_one(k)) >> t.shift) as usize;
        loop {
            let s = &t.slots[i];
            let kk = s.key.load(Acquire);
            if kk == k {
                let c = s.ctrl.load(Acquire);
                return ((c >> 64) & 1 != 0).then_some(c as u64);
            }
            if kk == 0 {
                return None;
            }
            i += 1;
        }
    }
}

/// WordMap's paired layout: two 24-byte slots in 48 bytes, `ctrl0 | key0 | key1 | ctrl1`.
#[repr(C, align(16))]
struct Pair { ctrl0: portable_atomic::AtomicU128, key0: AtomicU64, key1: AtomicU64, ctrl1: portable_atomic::AtomicU128 }
struct PairTable { pairs: Vec<Pair>, shift: u32 }
struct RootedPairs { root: AtomicPtr<PairTable>, s: ahash::RandomState }
impl PairTable {
    #[inline]
    fn slot(&self, i: usize) -> (&portable_atomic::AtomicU128, &AtomicU64) {
        let p = &self.pairs[i / 2];
        if i % 2 == 0 { (&p.ctrl0, &p.key0) } else { (&p.ctrl1, &p.key1) }
    }
}
impl RootedPairs {
    #[inline(never)]
    fn get(&self, k: u64) -> Option<u64> {
        let _g = crossbeam_epoch::pin();
        // SAFETY (test program): the table lives as long as `self` and is never swapped.
        let t = unsafe { &*self.root.load(Acquire) };
        let mut i = (mix(self.s.hash_one(k)) >> t.shift) as usize;
        loop {
            let (ctrl, key) = t.slot(i);
            let kk = key.load(Acquire);
            if kk == k {
                let c = ctrl.load(Acquire);
                return ((c >> 64) & 1 != 0).then_some(c as u64);
            }
            if kk == 0 {
                return None;
            }
            i += 1;
        }
    }
}

thread_local! { static ANNOUNCE: AtomicU64 = const { AtomicU64::new(0) }; }
static GLOBAL_EPOCH: AtomicU64 = AtomicU64::new(2);

fn main() {
    let n: usize = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1 << 18);
    let rounds: usize = std::env::var("ROUNDS").map(|r| r.parse().unwrap()).unwrap_or(7);
    let ops = 2_000_000u64;
    let seeds = ahash::RandomState::with_seeds(1, 2, 3, 4);
    let cap = (2 * n).next_power_of_two();
    let shift = 64 - cap.trailing_zeros();
    let plain = Plain {
        slots: (0..cap + 64).map(|_| Slot { key: AtomicU64::new(0), val: AtomicU64::new(0), meta: AtomicU64::new(0) }).collect(),
        shift,
        s: seeds.clone(),
    };
    let t128 = Table128 {
        slots: (0..cap + 64).map(|_| Slot128 { ctrl: portable_atomic::AtomicU128::new(0), key: AtomicU64::new(0), _pad: 0 }).collect(),
        shift,
    };
    // ZEROED=1: the pair array comes from `alloc_zeroed`, as WordMap's does.
    let pairs_vec: Vec<Pair> = if std::env::var("ZEROED").is_ok() {
        let n = (cap + 64) / 2;
        let layout = std::alloc::Layout::array::<Pair>(n).unwrap();
        // SAFETY (test program): all-zero bytes are valid atomics; freed with the same layout.
        unsafe { Vec::from_raw_parts(std::alloc::alloc_zeroed(layout).cast::<Pair>(), n, n) }
    } else {
        (0..(cap + 64) / 2).map(|_| Pair { ctrl0: portable_atomic::AtomicU128::new(0), key0: AtomicU64::new(0), key1: AtomicU64::new(0), ctrl1: portable_atomic::AtomicU128::new(0) }).collect()
    };
    let pt = PairTable { pairs: pairs_vec, shift };
    let mut std_map = std::collections::HashMap::with_capacity_and_hasher(n, seeds.clone());
    let wm: splitmap::WordMap<u64, u64, ahash::RandomState> = splitmap::WordMap::with_capacity_and_hasher(n, seeds.clone());
    for v in 0..n as u64 {
        let k = kmix(v);
        let mut i = (mix(seeds.hash_one(k)) >> shift) as usize;
        while plain.slots[i].key.load(Relaxed) != 0 {
            i += 1;
        }
        plain.slots[i].key.store(k, Relaxed);
        plain.slots[i].val.store(v, Relaxed);
        plain.slots[i].meta.store(1, Relaxed);
        t128.slots[i].key.store(k, Relaxed);
        pt.slot(i).1.store(k, Relaxed);
        pt.slot(i).0.store(1u128 << 64 | v as u128, Relaxed);
        t128.slots[i].ctrl.store(1u128 << 64 | v as u128, Relaxed);
        std_map.insert(k, v);
        wm.insert(k, v);
    }
    let rooted = Rooted { root: AtomicPtr::new(Box::into_raw(Box::new(t128))), s: seeds.clone() };
    eprintln!("WordMap capacity after the fill: {} entries (2^19 slots would show {})", wm.capacity(), cap / 2);
    let pairs = RootedPairs { root: AtomicPtr::new(Box::into_raw(Box::new(pt))), s: seeds.clone() };
    let keys: Vec<u64> = (0..ops).map(|i| kmix(kmix(i + 7) % n as u64)).collect();

    let names = [
        "std HashMap (no lock)",
        "24-byte slots, plain probe",
        "  + a crossbeam-epoch pin per call",
        "  + a nested pin (outer pin held)",
        "  + an asymmetric-fence reader (TLS store, compiler fence)",
        "24-byte slots, branchless group of 4 first step",
        "32-byte slots, u128 ctrl, root pointer, pin per call",
        "24-byte paired slots (WordMap's layout), root pointer, pin per call",
        "splitmap::WordMap::get",
        "splitmap::WordMap::get under a held pin",
    ];
    let mut t = vec![vec![]; names.len()];
    macro_rules! time {
        ($i:expr, $body:expr) => {{
            let start = Instant::now();
            let mut acc = 0u64;
            for k in &keys {
                acc = acc.wrapping_add($body(*k));
            }
            black_box(acc);
            t[$i].push(start.elapsed().as_nanos() as f64 / ops as f64);
        }};
    }
    if let Ok(only) = std::env::var("ONLY") {
        for _ in 0..rounds {
            match only.as_str() {
                "pairs" => time!(7, |k| pairs.get(k).unwrap()),
                _ => time!(8, |k| wm.get(&k).unwrap()),
            }
        }
        println!("{only}: {:?}", if only == "pairs" { &t[7] } else { &t[8] });
        return;
    }
    // Every variant once per round, in index order (REVERSE=1: the other way round).
    let mut order: Vec<usize> = (0..names.len()).collect();
    if std::env::var("REVERSE").is_ok() {
        order.reverse();
    }
    for _ in 0..rounds {
        for &i in &order {
            match i {
                0 => time!(0, |k| *std_map.get(&k).unwrap()),
                1 => time!(1, |k| plain.get(k).unwrap()),
                2 => time!(2, |k| {
                    let _g = crossbeam_epoch::pin();
                    plain.get(k).unwrap()
                }),
                3 => {
                    let _outer = crossbeam_epoch::pin();
                    time!(3, |k| {
                        let _g = crossbeam_epoch::pin();
                        plain.get(k).unwrap()
                    })
                }
                4 => time!(4, |k| ANNOUNCE.with(|a| {
                    a.store(GLOBAL_EPOCH.load(Relaxed) | 1, Relaxed);
                    compiler_fence(SeqCst);
                    let v = plain.get(k).unwrap();
                    a.store(0, Release);
                    v
                })),
                5 => time!(5, |k| plain.get_group(k).unwrap()),
                6 => time!(6, |k| rooted.get(k).unwrap()),
                7 => time!(7, |k| pairs.get(k).unwrap()),
                8 => time!(8, |k| wm.get(&k).unwrap()),
                _ => {
                    let _outer = crossbeam_epoch::pin();
                    time!(9, |k| wm.get(&k).unwrap())
                }
            }
        }
    }
    let med = |v: &Vec<f64>| {
        let mut v = v.clone();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    println!("n = {n}, {ops} lookups per variant, median of {rounds} rounds (ns per lookup; min-max)");
    for (i, name) in names.iter().enumerate() {
        let lo = t[i].iter().cloned().fold(f64::MAX, f64::min);
        let hi = t[i].iter().cloned().fold(0.0, f64::max);
        println!("{name:<62} {:>6.1}   ({lo:.1}-{hi:.1})", med(&t[i]));
    }
}
