//! `HashSet`: random operation sequences against `std::collections::HashSet` (tiny
//! initial capacities, so migrations happen all the time; every return value is
//! compared), std's meaning of `insert` over a present element, and concurrent inserts
//! and removes with one winner per element.

mod common;

use common::{on_threads, scale};
use quickcheck::{Arbitrary, Gen, QuickCheck};
use splitmap::HashSet;
use std::collections::HashSet as StdSet;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Debug)]
enum Op {
    Insert(u8),
    Remove(u8),
    Contains(u8),
    Get(u8),
    /// Keep the elements divisible by the first number (2..7).
    Retain(u8),
    Clear,
    Iter,
    Len,
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Self {
        let x = u8::arbitrary(g) % 64;
        match u8::arbitrary(g) % 24 {
            0..=7 => Op::Insert(x),
            8..=13 => Op::Remove(x),
            14..=16 => Op::Contains(x),
            17 => Op::Get(x),
            18 => Op::Retain(u8::arbitrary(g) % 5 + 2),
            19 => Op::Clear,
            20..=21 => Op::Iter,
            _ => Op::Len,
        }
    }
}

fn run(capacity: usize, ops: &[Op]) -> bool {
    let set: HashSet<u8> = HashSet::with_capacity(capacity);
    let mut model: StdSet<u8> = StdSet::new();
    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::Insert(x) => assert_eq!(set.insert(x), model.insert(x), "step {step}: {op:?}"),
            Op::Remove(x) => assert_eq!(set.remove(&x), model.remove(&x), "step {step}: {op:?}"),
            Op::Contains(x) => {
                assert_eq!(set.contains(&x), model.contains(&x), "step {step}: {op:?}")
            }
            Op::Get(x) => assert_eq!(
                set.pin().get(&x).copied(),
                model.get(&x).copied(),
                "step {step}: {op:?}"
            ),
            Op::Retain(d) => {
                set.retain(|x| x % d == 0);
                model.retain(|x| x % d == 0);
            }
            Op::Clear => {
                set.clear();
                model.clear();
            }
            Op::Iter => {
                let s = set.pin();
                let mut got: Vec<u8> = s.iter().copied().collect();
                got.sort_unstable();
                let mut want: Vec<u8> = model.iter().copied().collect();
                want.sort_unstable();
                assert_eq!(got, want, "step {step}: {op:?}");
            }
            Op::Len => assert_eq!(set.len(), model.len(), "step {step}: {op:?}"),
        }
    }
    let copy = set.clone();
    assert!(copy == set, "a clone equals its source");
    assert_eq!(copy.len(), model.len());
    true
}

#[test]
fn matches_std_hashset() {
    fn prop(cap: u8, ops: Vec<Op>) -> bool {
        run(cap as usize % 16, &ops)
    }
    QuickCheck::new()
        .tests(400)
        .quickcheck(prop as fn(u8, Vec<Op>) -> bool);
}

/// std's meaning: inserting an element that is present leaves the stored one in place
/// (told apart here by a field that `Eq` and `Hash` ignore) and drops the new one.
#[test]
fn insert_of_a_present_element_keeps_the_stored_one() {
    #[derive(Debug)]
    struct Tagged(u32, &'static str);
    impl PartialEq for Tagged {
        fn eq(&self, o: &Self) -> bool {
            self.0 == o.0
        }
    }
    impl Eq for Tagged {}
    impl std::hash::Hash for Tagged {
        fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
            self.0.hash(h)
        }
    }
    let set = HashSet::new();
    assert!(set.insert(Tagged(1, "first")));
    assert!(!set.insert(Tagged(1, "second")));
    assert_eq!(set.pin().get(&Tagged(1, "")).map(|t| t.1), Some("first"));
    assert_eq!(set.len(), 1);
}

#[test]
fn from_array_collect_extend_debug_and_eq() {
    let a = HashSet::from([3, 1, 2, 3]);
    let b: HashSet<i32> = (1..=3).collect();
    assert_eq!(a.len(), 3);
    assert!(a == b);
    let mut c = HashSet::new();
    c.extend([1, 2]);
    assert!(a != c);
    (&c).extend([3]);
    assert!(a == c);
    let shown = format!("{a:?}");
    assert!(shown.starts_with('{') && shown.contains('2'), "{shown}");
}

/// Threads insert overlapping ranges, then remove them: each element is reported new
/// by exactly one insert and present by exactly one remove, through migrations (the
/// set starts tiny).
#[test]
fn concurrent_inserts_and_removes_have_one_winner_per_element() {
    let n = scale(20_000);
    let set: HashSet<u64> = HashSet::with_capacity(0);
    let firsts = AtomicUsize::new(0);
    on_threads(4, |t| {
        for x in (t * n / 8)..(t * n / 8 + n / 2) {
            if set.insert(x) {
                firsts.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let distinct = (3 * n / 8 + n / 2) as usize;
    assert_eq!(firsts.load(Ordering::Relaxed), distinct);
    assert_eq!(set.len(), distinct);
    let removed = AtomicUsize::new(0);
    on_threads(4, |_| {
        for x in 0..(3 * n / 8 + n / 2) {
            if set.remove(&x) {
                removed.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    assert_eq!(removed.load(Ordering::Relaxed), distinct);
    assert!(set.is_empty());
}

/// Owned iteration and `drain` give every element once, by value (std's meanings).
#[test]
fn into_iter_and_drain_move_every_element_out() {
    let set: HashSet<String> = (0..100).map(|i| i.to_string()).collect();
    let mut all: Vec<String> = set.into_iter().collect();
    all.sort_unstable();
    let mut want: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    want.sort_unstable();
    assert_eq!(all, want);

    let mut set: HashSet<u32> = (0..50).collect();
    let drained = set.drain();
    assert_eq!(drained.len(), 50);
    let mut got: Vec<u32> = drained.collect();
    got.sort_unstable();
    assert!(got.iter().copied().eq(0..50));
    assert!(set.is_empty());
    set.insert(7);
    assert!(set.contains(&7));
}

/// The set's own `get` and `iter` (each `SetRef` holding its pin) agree with the
/// handle's, and a `SetRef` stays readable after its element is removed and the set
/// churns on.
#[test]
fn set_refs_match_the_handle_and_outlive_removal() {
    let set: HashSet<String> = (0..200).map(|i| i.to_string()).collect();
    let mut via_refs: Vec<String> = set.iter().map(|x| x.clone()).collect();
    via_refs.sort_unstable();
    let mut via_handle: Vec<String> = set.pin().iter().cloned().collect();
    via_handle.sort_unstable();
    assert_eq!(via_refs, via_handle);
    assert_eq!(set.get("17").map(|x| x.len()), Some(2));
    assert!(set.get("200").is_none());

    let held = set.get("5").unwrap();
    assert!(set.remove("5"));
    for i in 1000..21_000 {
        set.insert(i.to_string());
        set.remove(&(i - 1).to_string());
    }
    assert_eq!(held.as_str(), "5");
    drop(held);
    assert!(!set.contains("5"));
}
