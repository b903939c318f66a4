//! WordMap against `std::collections::HashMap`: random operation sequences over a key
//! and value domain that includes the edge words (0, 1, `u64::MAX`, the top bit), with
//! tiny initial capacities so that grows, purges and shrinks happen all the time. Every
//! return value is compared, and the whole map after every step.

use quickcheck::{Arbitrary, Gen, QuickCheck};
use splitmap::WordMap;
use std::collections::HashMap as StdMap;
use std::hash::{BuildHasher, Hasher};

/// Keys and values drawn from a small set that includes every edge word, so hits,
/// revivals and the side cell for key 0 are all common.
fn word(g: &mut Gen) -> u64 {
    const EDGES: [u64; 6] = [0, 1, u64::MAX, u64::MAX - 1, 1 << 63, 0xff];
    let i = u8::arbitrary(g);
    if i < 48 {
        EDGES[usize::from(i) % EDGES.len()]
    } else {
        u64::from(i % 64) << (u8::arbitrary(g) % 4 * 16)
    }
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u64, u64),
    TryInsert(u64, u64),
    GetOrInsert(u64, u64),
    GetOrInsertWith(u64, u64),
    Get(u64),
    Remove(u64),
    RemoveIf(u64, u64),
    Update(u64, u64),
    Compute(u64, Option<u64>),
    CompareExchange(u64, u64, u64),
    FetchAdd(u64, u64),
    FetchSub(u64, u64),
    Retain(u64),
    Clear,
    Len,
    Iter,
    /// `reserve(n)` then (odd n) `shrink_to_fit`: capacity moves, contents do not.
    Reserve(u8),
}

impl Op {
    fn key(&self) -> Option<&u64> {
        match self {
            Op::Insert(k, _)
            | Op::TryInsert(k, _)
            | Op::GetOrInsert(k, _)
            | Op::GetOrInsertWith(k, _)
            | Op::Get(k)
            | Op::Remove(k)
            | Op::RemoveIf(k, _)
            | Op::Update(k, _)
            | Op::Compute(k, _)
            | Op::CompareExchange(k, _, _)
            | Op::FetchAdd(k, _)
            | Op::FetchSub(k, _) => Some(k),
            Op::Retain(_) | Op::Clear | Op::Len | Op::Iter | Op::Reserve(_) => None,
        }
    }
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Self {
        let (k, v) = (word(g), word(g));
        match u8::arbitrary(g) % 33 {
            0..=7 => Op::Insert(k, v),
            8 => Op::TryInsert(k, v),
            9 => Op::GetOrInsert(k, v),
            10 => Op::GetOrInsertWith(k, v),
            11..=13 => Op::Get(k),
            14..=19 => Op::Remove(k),
            20 => Op::RemoveIf(k, v),
            21 => Op::Update(k, v),
            22 => Op::Compute(k, Option::<bool>::arbitrary(g).map(|_| v)),
            23 => Op::CompareExchange(k, word(g), v),
            24..=25 => Op::FetchAdd(k, v),
            26 => Op::FetchSub(k, v),
            27 => Op::Retain(v % 3 + 2),
            28 => Op::Clear,
            29 => Op::Iter,
            30 => Op::Reserve(u8::arbitrary(g)),
            _ => Op::Len,
        }
    }
}

/// `held`: run the single-key operations through a `PinnedWordMap` held across many
/// steps (a new one every `held` steps, so grows, purges and shrinks retire tables
/// while a handle still pins them), instead of the map's own methods.
fn run<S: BuildHasher + Default>(capacity: usize, ops: &[Op], held: Option<usize>) -> bool {
    let map: WordMap<u64, u64, S> = WordMap::with_capacity_and_hasher(capacity, S::default());
    let mut model: StdMap<u64, u64> = StdMap::new();
    let mut handle = None;
    // One spelling for both ways in: the handle's methods have the map's names.
    macro_rules! call {
        ($method:ident, $($arg:expr),*) => {
            match &handle {
                Some(h) => splitmap::PinnedWordMap::$method(h, $($arg),*),
                None => map.$method($($arg),*),
            }
        };
    }
    for (step, op) in ops.iter().enumerate() {
        if let Some(every) = held {
            if step % every == 0 {
                // Unpin the old handle first: pinned inside it, the new one would not
                // re-pin, and the thread would never unpin.
                drop(handle.take());
                handle = Some(map.pin());
            }
        }
        let ctx = format!("step {step}: {op:?}");
        match *op {
            Op::Insert(k, v) => assert_eq!(call!(insert, k, v), model.insert(k, v), "{ctx}"),
            Op::TryInsert(k, v) => {
                let want = match model.get(&k) {
                    Some(&cur) => Err(cur),
                    None => Ok(*model.entry(k).or_insert(v)),
                };
                assert_eq!(call!(try_insert, k, v), want, "{ctx}");
            }
            Op::GetOrInsert(k, v) => {
                assert_eq!(
                    call!(get_or_insert, k, v),
                    *model.entry(k).or_insert(v),
                    "{ctx}"
                )
            }
            Op::GetOrInsertWith(k, v) => {
                let mut calls = 0;
                let got = call!(get_or_insert_with, k, || {
                    calls += 1;
                    v
                });
                let absent = !model.contains_key(&k);
                assert_eq!(got, *model.entry(k).or_insert(v), "{ctx}");
                assert_eq!(calls, usize::from(absent), "{ctx}: f runs once iff absent");
            }
            Op::Get(k) => assert_eq!(call!(get, &k), model.get(&k).copied(), "{ctx}"),
            Op::Remove(k) => assert_eq!(call!(remove, &k), model.remove(&k), "{ctx}"),
            Op::RemoveIf(k, v) => {
                let want = match model.get(&k) {
                    Some(&cur) if cur <= v => model.remove(&k),
                    _ => None,
                };
                assert_eq!(call!(remove_if, &k, |cur| cur <= v), want, "{ctx}");
            }
            Op::Update(k, v) => {
                let want = model.get_mut(&k).map(|cur| {
                    *cur ^= v;
                    *cur
                });
                assert_eq!(call!(update, &k, |cur| cur ^ v), want, "{ctx}");
            }
            Op::Compute(k, new) => {
                let want = match new {
                    Some(v) => {
                        let v = v.wrapping_add(model.get(&k).copied().unwrap_or(7));
                        model.insert(k, v);
                        Some(v)
                    }
                    None => {
                        model.remove(&k);
                        None
                    }
                };
                let got = call!(compute, k, |cur| new
                    .map(|v| v.wrapping_add(cur.unwrap_or(7))));
                assert_eq!(got, want, "{ctx}");
            }
            Op::CompareExchange(k, cur, new) => {
                let want = match model.get(&k).copied() {
                    Some(c) if c == cur => {
                        model.insert(k, new);
                        Ok(cur)
                    }
                    other => Err(other),
                };
                assert_eq!(call!(compare_exchange, &k, cur, new), want, "{ctx}");
            }
            Op::FetchAdd(k, d) => {
                let e = model.entry(k).or_insert(0);
                let before = *e;
                *e = e.wrapping_add(d);
                assert_eq!(call!(fetch_add, k, d), before, "{ctx}");
            }
            Op::FetchSub(k, d) => {
                let e = model.entry(k).or_insert(0);
                let before = *e;
                *e = e.wrapping_sub(d);
                assert_eq!(call!(fetch_sub, k, d), before, "{ctx}");
            }
            Op::Retain(m) => {
                map.retain(|k, v| (k ^ v) % m != 0);
                model.retain(|k, v| (*k ^ *v) % m != 0);
            }
            Op::Clear => {
                map.clear();
                model.clear();
            }
            Op::Len => assert_eq!(map.len(), model.len(), "{ctx}"),
            Op::Reserve(n) => {
                map.reserve(usize::from(n));
                assert!(map.capacity() >= model.len() + usize::from(n), "{ctx}");
                if n % 2 == 1 {
                    map.shrink_to_fit();
                }
            }
            Op::Iter => same_contents(&map, &model, &ctx),
        }
        // Every key by `get`, not `iter` (which finishes the migration in flight): the
        // steps must also run against half-migrated tables.
        assert_eq!(map.len(), model.len(), "{ctx}: len after");
        for (k, &v) in &model {
            assert_eq!(map.get(k), Some(v), "{ctx}: get({k}) after");
        }
        if let Some(&k) = op.key() {
            assert_eq!(map.get(&k), model.get(&k).copied(), "{ctx}: get after");
        }
    }
    same_contents(&map, &model, "at the end");
    true
}

fn same_contents<S: BuildHasher>(map: &WordMap<u64, u64, S>, model: &StdMap<u64, u64>, ctx: &str) {
    let mut got: Vec<(u64, u64)> = map.iter().collect();
    got.sort_unstable();
    let mut want: Vec<(u64, u64)> = model.iter().map(|(&k, &v)| (k, v)).collect();
    want.sort_unstable();
    assert_eq!(got, want, "{ctx}: contents");
}

/// A hasher that sends every key to the same slot: every probe is one long cluster.
#[derive(Default, Clone)]
struct OneSlot;
impl BuildHasher for OneSlot {
    type Hasher = OneSlotHasher;
    fn build_hasher(&self) -> OneSlotHasher {
        OneSlotHasher
    }
}
struct OneSlotHasher;
impl Hasher for OneSlotHasher {
    fn finish(&self) -> u64 {
        42
    }
    fn write(&mut self, _: &[u8]) {}
}

#[test]
fn matches_std() {
    fn prop(capacity: u8, ops: Vec<Op>) -> bool {
        run::<splitmap::DefaultHashBuilder>(usize::from(capacity % 8), &ops, None)
    }
    QuickCheck::new()
        .tests(400)
        .quickcheck(prop as fn(u8, Vec<Op>) -> bool);
}

#[test]
fn matches_std_with_one_slot_for_every_key() {
    fn prop(ops: Vec<Op>) -> bool {
        run::<OneSlot>(0, &ops, None)
    }
    QuickCheck::new()
        .tests(100)
        .quickcheck(prop as fn(Vec<Op>) -> bool);
}

/// The same, through handles held across runs of steps (1 to 64) while the table grows,
/// purges and shrinks under them.
#[test]
fn matches_std_through_held_handles() {
    fn prop(capacity: u8, every: u8, ops: Vec<Op>) -> bool {
        let every = usize::from(every % 64) + 1;
        run::<splitmap::DefaultHashBuilder>(usize::from(capacity % 8), &ops, Some(every))
    }
    QuickCheck::new()
        .tests(200)
        .quickcheck(prop as fn(u8, u8, Vec<Op>) -> bool);
}

/// Churn over a recurring key set revives slots instead of filling the table with
/// dead keys: the capacity stays where the live count puts it.
#[test]
fn churn_over_recurring_keys_revives_in_place() {
    let map: WordMap<u64, u64> = WordMap::with_capacity(0);
    for k in 1..=1000 {
        map.insert(k, k);
    }
    let cap = map.capacity();
    for round in 0..200 {
        for k in 1..=1000 {
            assert_eq!(map.remove(&k), Some(k), "round {round}");
            assert_eq!(map.insert(k, k), None);
        }
    }
    assert_eq!(map.len(), 1000);
    assert_eq!(
        map.capacity(),
        cap,
        "no growth from churn over the same keys"
    );
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn an_impossible_capacity_panics_clearly() {
    let _map: WordMap<u64, u64> = WordMap::with_capacity(usize::MAX);
}

/// A panicking closure or hasher leaves the map usable and unchanged: decisions are
/// made before any slot is written.
#[test]
fn panics_in_closures_and_hashers_leave_the_map_usable() {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let map: WordMap<u64, u64> = (0..100).map(|k| (k, k)).collect();
    let boom = |_: u64| -> u64 { panic!("user closure") };
    assert!(catch_unwind(AssertUnwindSafe(|| map.update(&5, boom))).is_err());
    assert!(catch_unwind(AssertUnwindSafe(
        || map.compute(6, |_| -> Option<u64> { panic!("c") })
    ))
    .is_err());
    assert!(catch_unwind(AssertUnwindSafe(
        || map.get_or_insert_with(1000, || panic!("g"))
    ))
    .is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| map.remove_if(&7, |_| panic!("r")))).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| map.retain(|k, _| k < 50 || panic!("t")))).is_err());
    assert_eq!(map.get(&5), Some(5));
    assert_eq!(map.get(&6), Some(6));
    assert_eq!(map.get(&1000), None);
    assert_eq!(map.insert(1000, 1), None);
    assert_eq!(
        map.len(),
        101,
        "retain's panic left every key it had not removed"
    );

    /// Panics on the key 13.
    #[derive(Default, Clone)]
    struct Fussy;
    struct FussyHasher(u64);
    impl BuildHasher for Fussy {
        type Hasher = FussyHasher;
        fn build_hasher(&self) -> FussyHasher {
            FussyHasher(0)
        }
    }
    impl Hasher for FussyHasher {
        fn finish(&self) -> u64 {
            assert_ne!(self.0, 13, "hasher panics on 13");
            self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        }
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.0 = self.0.wrapping_shl(8) | u64::from(b);
            }
        }
        fn write_u64(&mut self, n: u64) {
            self.0 = n;
        }
    }
    let map: WordMap<u64, u64, Fussy> = WordMap::with_hasher(Fussy);
    for k in 0..40 {
        if k != 13 {
            map.insert(k, k);
        }
    }
    assert!(catch_unwind(AssertUnwindSafe(|| map.insert(13, 1))).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| map.get(&13))).is_err());
    assert_eq!(map.len(), 39);
    for k in (0..40).filter(|&k| k != 13) {
        assert_eq!(map.get(&k), Some(k));
    }
}
