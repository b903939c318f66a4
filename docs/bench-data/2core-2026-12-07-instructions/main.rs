// Instructions per operation under callgrind: each phase is one #[inline(never)] fn.
use std::hash::BuildHasher;
type S = ahash::RandomState;
fn hs() -> S { ahash::RandomState::with_seeds(1, 2, 3, 4) }
const PRE: u64 = 196_608;
const N: u64 = 100_000;
const CAP: usize = 1 << 19;
fn key(i: u64) -> u64 { i.wrapping_mul(0x9e3779b97f4a7c15) | 1 }
macro_rules! phases {
    ($name:ident, $m:ident, $get:expr, $ins:expr, $rem:expr) => {
        mod $name {
            use super::*;
            #[inline(never)] pub fn get_hit(m: &super::$m) -> u64 { let mut s = 0; for i in 0..N { s += ($get)(m, key(i * 7 % PRE)) as u64; } s }
            #[inline(never)] pub fn get_miss(m: &super::$m) -> u64 { let mut s = 0; for i in 0..N { s += ($get)(m, key(PRE * 4 + i)) as u64; } s }
            #[inline(never)] pub fn insert_new(m: &super::$m) { for i in 0..N { ($ins)(m, key(PRE + i)); } }
            #[inline(never)] pub fn remove(m: &super::$m) { for i in 0..N { ($rem)(m, key(PRE + i)); } }
            /// Steady live count: insert a fresh key, remove a prefilled one (one pair per op).
            #[inline(never)] pub fn churn(m: &super::$m) { for i in 0..N { ($ins)(m, key(4 * PRE + i)); ($rem)(m, key(i)); } }
        }
    };
}
type W = splitmap::WordMap<u64, u64, S>;
type H = splitmap::HashMap<u64, u64, S>;
type D = dashmap::DashMap<u64, u64, S>;
type C = scc::HashMap<u64, u64, S>;
type X = std::sync::Mutex<std::collections::HashMap<u64, u64, S>>;
phases!(w, W, |m: &W, k| m.get(&k).is_some(), |m: &W, k| { m.insert(k, k); }, |m: &W, k| { m.remove(&k); });
type WP<'a> = splitmap::PinnedWordMap<'a, u64, u64, S>;
mod wp {
    use super::*;
    #[inline(never)] pub fn get_hit(m: &W) -> u64 { let p = m.pin(); let mut s = 0; for i in 0..N { s += p.get(&key(i * 7 % PRE)).is_some() as u64; } s }
    #[inline(never)] pub fn get_miss(m: &W) -> u64 { let p = m.pin(); let mut s = 0; for i in 0..N { s += p.get(&key(PRE * 4 + i)).is_some() as u64; } s }
    #[inline(never)] pub fn insert_new(m: &W) { let p: WP = m.pin(); for i in 0..N { p.insert(key(PRE + i), 1); } }
    #[inline(never)] pub fn remove(m: &W) { let p = m.pin(); for i in 0..N { p.remove(&key(PRE + i)); } }
    #[inline(never)] pub fn churn(m: &W) { let p = m.pin(); for i in 0..N { p.insert(key(4 * PRE + i), 1); p.remove(&key(i)); } }
}
phases!(h, H, |m: &H, k| m.contains_key(&k), |m: &H, k| { m.insert(k, k); }, |m: &H, k| { m.remove(&k); });
phases!(d, D, |m: &D, k| m.get(&k).is_some(), |m: &D, k| { m.insert(k, k); }, |m: &D, k| { m.remove(&k); });
phases!(c, C, |m: &C, k| m.read_sync(&k, |_, v| *v).is_some(), |m: &C, k| { let _ = m.insert_sync(k, k); }, |m: &C, k| { m.remove_sync(&k); });
phases!(x, X, |m: &X, k| m.lock().unwrap().get(&k).is_some(), |m: &X, k| { m.lock().unwrap().insert(k, k); }, |m: &X, k| { m.lock().unwrap().remove(&k); });
fn main() {
    let which = std::env::args().nth(1).unwrap_or("w".into());
    let _ = hs().hash_one(1u64);
    macro_rules! run { ($mod:ident, $m:expr, $fill:expr) => {{ let m = $m; for i in 0..PRE { ($fill)(&m, key(i)); }
        let a = $mod::get_hit(&m); let b = $mod::get_miss(&m); $mod::insert_new(&m); $mod::remove(&m); $mod::churn(&m); println!("{a} {b}"); }} }
    match which.as_str() {
        "w" => run!(w, W::with_capacity_and_hasher(CAP, hs()), |m: &W, k| { m.insert(k, k); }),
        "wp" => run!(wp, W::with_capacity_and_hasher(CAP, hs()), |m: &W, k| { m.insert(k, k); }),
        "h" => run!(h, H::with_capacity_and_hasher(CAP, hs()), |m: &H, k| { m.insert(k, k); }),
        "d" => run!(d, D::with_capacity_and_hasher(CAP, hs()), |m: &D, k| { m.insert(k, k); }),
        "c" => run!(c, C::with_capacity_and_hasher(CAP, hs()), |m: &C, k| { let _ = m.insert_sync(k, k); }),
        "x" => run!(x, X::new(std::collections::HashMap::with_capacity_and_hasher(CAP, hs())), |m: &X, k| { m.lock().unwrap().insert(k, k); }),
        _ => panic!(),
    }
}
