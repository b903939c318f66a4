//! Differential fuzzing of `WordMap` against `std::collections::HashMap`: one thread,
//! every operation, keys and values from a domain that includes the edge words (0, the
//! side cell's key; `u64::MAX`; the top bit), every hasher kind. Every return value is
//! compared, and after every operation the value of the key it touched; the whole map
//! is compared at the end and on `Iter` (which finishes migrations, so it is not done
//! after every step: the steps must also meet half-migrated tables).

#![no_main]

use std::collections::HashMap as StdMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use splitmap::WordMap;
use splitmap_fuzz::{AnyHasher, HasherKind};

/// A word: the low byte picks a small key, the high bits are kept for edges.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum W {
    Small(u8),
    Zero,
    Max,
    Top(u8),
    Any(u64),
}

impl W {
    fn word(self) -> u64 {
        match self {
            W::Small(b) => u64::from(b % 32),
            W::Zero => 0,
            W::Max => u64::MAX,
            W::Top(b) => (1 << 63) | u64::from(b % 8),
            W::Any(w) => w,
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Op {
    Insert(W, W),
    TryInsert(W, W),
    GetOrInsertWith(W, W),
    Get(W),
    Remove(W),
    RemoveIf(W, W),
    Update(W, W),
    Compute(W, Option<W>),
    CompareExchange(W, W, W),
    FetchAdd(W, W),
    FetchSub(W, W),
    Retain(u8),
    Clear,
    Iter,
}

#[derive(Arbitrary, Debug)]
struct Input {
    capacity: u8,
    hasher: HasherKind,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let map: WordMap<u64, u64, AnyHasher> = WordMap::with_capacity_and_hasher(
        usize::from(input.capacity % 64),
        AnyHasher::new(input.hasher),
    );
    let mut model: StdMap<u64, u64> = StdMap::new();
    for op in input.ops.iter().take(2048) {
        let touched = match *op {
            Op::Insert(k, v) => {
                let (k, v) = (k.word(), v.word());
                assert_eq!(map.insert(k, v), model.insert(k, v));
                Some(k)
            }
            Op::TryInsert(k, v) => {
                let (k, v) = (k.word(), v.word());
                let want = match model.get(&k) {
                    Some(&c) => Err(c),
                    None => Ok(*model.entry(k).or_insert(v)),
                };
                assert_eq!(map.try_insert(k, v), want);
                Some(k)
            }
            Op::GetOrInsertWith(k, v) => {
                let (k, v) = (k.word(), v.word());
                let mut calls = 0;
                let absent = !model.contains_key(&k);
                let got = map.get_or_insert_with(k, || {
                    calls += 1;
                    v
                });
                assert_eq!(got, *model.entry(k).or_insert(v));
                assert_eq!(calls, usize::from(absent));
                Some(k)
            }
            Op::Get(k) => Some(k.word()),
            Op::Remove(k) => {
                let k = k.word();
                assert_eq!(map.remove(&k), model.remove(&k));
                Some(k)
            }
            Op::RemoveIf(k, v) => {
                let (k, v) = (k.word(), v.word());
                let want = match model.get(&k) {
                    Some(&c) if c >= v => model.remove(&k),
                    _ => None,
                };
                assert_eq!(map.remove_if(&k, |c| c >= v), want);
                Some(k)
            }
            Op::Update(k, v) => {
                let (k, v) = (k.word(), v.word());
                let want = model.get_mut(&k).map(|c| {
                    *c = c.wrapping_mul(3) ^ v;
                    *c
                });
                assert_eq!(map.update(&k, |c| c.wrapping_mul(3) ^ v), want);
                Some(k)
            }
            Op::Compute(k, new) => {
                let k = k.word();
                let new = new.map(W::word);
                let want = match new {
                    Some(v) => {
                        let v = v ^ model.get(&k).copied().unwrap_or(1);
                        model.insert(k, v);
                        Some(v)
                    }
                    None => {
                        model.remove(&k);
                        None
                    }
                };
                assert_eq!(map.compute(k, |c| new.map(|v| v ^ c.unwrap_or(1))), want);
                Some(k)
            }
            Op::CompareExchange(k, cur, new) => {
                let (k, cur, new) = (k.word(), cur.word(), new.word());
                let want = match model.get(&k).copied() {
                    Some(c) if c == cur => {
                        model.insert(k, new);
                        Ok(cur)
                    }
                    other => Err(other),
                };
                assert_eq!(map.compare_exchange(&k, cur, new), want);
                Some(k)
            }
            Op::FetchAdd(k, d) => {
                let (k, d) = (k.word(), d.word());
                let e = model.entry(k).or_insert(0);
                let before = *e;
                *e = e.wrapping_add(d);
                assert_eq!(map.fetch_add(k, d), before);
                Some(k)
            }
            Op::FetchSub(k, d) => {
                let (k, d) = (k.word(), d.word());
                let e = model.entry(k).or_insert(0);
                let before = *e;
                *e = e.wrapping_sub(d);
                assert_eq!(map.fetch_sub(k, d), before);
                Some(k)
            }
            Op::Retain(m) => {
                let m = u64::from(m % 4) + 2;
                map.retain(|k, v| k.wrapping_add(v) % m != 0);
                model.retain(|k, v| k.wrapping_add(*v) % m != 0);
                None
            }
            Op::Clear => {
                map.clear();
                model.clear();
                None
            }
            Op::Iter => {
                same(&map, &model);
                None
            }
        };
        if let Some(k) = touched {
            assert_eq!(map.get(&k), model.get(&k).copied(), "{op:?}");
            assert_eq!(map.contains_key(&k), model.contains_key(&k));
        }
        assert_eq!(map.len(), model.len(), "{op:?}");
    }
    same(&map, &model);
});

fn same(map: &WordMap<u64, u64, AnyHasher>, model: &StdMap<u64, u64>) {
    let mut got: Vec<(u64, u64)> = map.iter().collect();
    got.sort_unstable();
    let mut want: Vec<(u64, u64)> = model.iter().map(|(&k, &v)| (k, v)).collect();
    want.sort_unstable();
    assert_eq!(got, want);
}
