//! Model-based tests: random operation sequences against `std::collections::HashMap`,
//! with tiny initial capacities so that migrations (grow, same-size purge, shrink)
//! happen all the time. Every return value is compared.

use quickcheck::{Arbitrary, Gen, QuickCheck};
use splitmap::{Compute, HashMap, Operation};
use std::collections::HashMap as StdMap;

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, u32),
    TryInsert(u8, u32),
    GetOrInsert(u8, u32),
    Get(u8),
    Remove(u8),
    RemoveIf(u8, u32),
    Update(u8),
    /// 0: insert/overwrite with the value, 1: remove, 2: abort, 3: increment if present
    Compute(u8, u8, u32),
    Retain(u8, u8),
    Clear,
    Iter,
    Len,
    /// The map's own methods (values as `Ref`s).
    MapInsert(u8, u32),
    MapRemove(u8),
    MapUpsert(u8, u32),
    MapIter,
    /// `entry(k).and_modify(|n| n += 1).or_insert(v)`.
    EntryCount(u8, u32),
    /// Occupied: remove; vacant: insert `v`.
    EntryToggle(u8, u32),
    /// `get_mut` and `drain` (by `&mut`).
    GetMut(u8, u32),
    Drain,
    /// `reserve(n)` then (odd n) `shrink_to_fit`: capacity moves, contents do not.
    Reserve(u8),
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Self {
        // A small key space (0..64) makes hits, overwrites and removes common.
        let k = u8::arbitrary(g) % 64;
        let v = u32::arbitrary(g);
        match u8::arbitrary(g) % 54 {
            0..=9 => Op::Insert(k, v),
            10..=12 => Op::TryInsert(k, v),
            13..=14 => Op::GetOrInsert(k, v),
            15..=20 => Op::Get(k),
            21..=27 => Op::Remove(k),
            28 => Op::RemoveIf(k, v % 4),
            29..=31 => Op::Update(k),
            32..=34 => Op::Compute(k, u8::arbitrary(g) % 4, v),
            35 => Op::Retain(u8::arbitrary(g) % 5 + 2, u8::arbitrary(g) % 2),
            36 => Op::Clear,
            37..=38 => Op::Iter,
            39 => Op::Len,
            40..=42 => Op::MapInsert(k, v),
            43..=44 => Op::MapRemove(k),
            45 => Op::MapUpsert(k, v),
            46 => Op::MapIter,
            47..=48 => Op::EntryCount(k, v),
            49..=50 => Op::EntryToggle(k, v),
            51 => Op::GetMut(k, v),
            52 => Op::Drain,
            _ => Op::Reserve(u8::arbitrary(g)),
        }
    }
}

fn run(capacity: usize, ops: &[Op]) -> bool {
    let mut map: HashMap<u8, u32> = HashMap::with_capacity(capacity);
    let mut model: StdMap<u8, u32> = StdMap::new();
    for (step, op) in ops.iter().enumerate() {
        match *op {
            Op::GetMut(k, v) => {
                let got = map.get_mut(&k).map(|x| std::mem::replace(x, v));
                let want = model.get_mut(&k).map(|x| std::mem::replace(x, v));
                assert_eq!(got, want, "step {step}: {op:?}");
            }
            Op::Drain => {
                let mut got: Vec<(u8, u32)> = map.drain().collect();
                got.sort_unstable();
                let mut want: Vec<(u8, u32)> = model.drain().collect();
                want.sort_unstable();
                assert_eq!(got, want, "step {step}: drain");
            }
            _ => {}
        }
        let m = map.pin();
        match *op {
            Op::GetMut(..) | Op::Drain => {}
            Op::MapInsert(k, v) => assert_eq!(
                map.insert(k, v).map(|old| *old),
                model.insert(k, v),
                "step {step}: {op:?}"
            ),
            Op::MapRemove(k) => assert_eq!(
                map.remove(&k).map(|old| (*old.key(), *old)),
                model.remove_entry(&k),
                "step {step}: {op:?}"
            ),
            Op::MapUpsert(k, v) => assert_eq!(
                *map.upsert(k, v, |n| n.wrapping_add(1)),
                *model
                    .entry(k)
                    .and_modify(|n| *n = n.wrapping_add(1))
                    .or_insert(v),
                "step {step}: {op:?}"
            ),
            Op::MapIter => {
                let mut got: Vec<(u8, u32)> = map.iter().map(|r| (*r.key(), *r)).collect();
                got.sort_unstable();
                let mut want: Vec<(u8, u32)> = model.iter().map(|(k, v)| (*k, *v)).collect();
                want.sort_unstable();
                assert_eq!(got, want, "step {step}: map iteration");
            }
            Op::EntryCount(k, v) => assert_eq!(
                *map.entry(k)
                    .and_modify(|n| *n = n.wrapping_add(1))
                    .or_insert(v),
                *model
                    .entry(k)
                    .and_modify(|n| *n = n.wrapping_add(1))
                    .or_insert(v),
                "step {step}: {op:?}"
            ),
            Op::EntryToggle(k, v) => match m.entry(k) {
                splitmap::Entry::Occupied(o) => {
                    assert_eq!(Some(o.get()), model.get(&k), "step {step}: {op:?}");
                    assert_eq!(o.remove().map(|r| *r), model.remove(&k), "step {step}");
                }
                splitmap::Entry::Vacant(e) => {
                    assert_eq!(model.insert(k, v), None, "step {step}: {op:?}");
                    assert_eq!(*e.insert(v), v, "step {step}: {op:?}");
                }
            },
            Op::Insert(k, v) => assert_eq!(
                m.insert(k, v).copied(),
                model.insert(k, v),
                "step {step}: {op:?}"
            ),
            Op::TryInsert(k, v) => {
                let got = m
                    .try_insert(k, v)
                    .copied()
                    .map_err(|e| (*e.current, e.not_inserted));
                let want = match model.get(&k) {
                    Some(&cur) => Err((cur, v)),
                    None => {
                        model.insert(k, v);
                        Ok(v)
                    }
                };
                assert_eq!(got, want, "step {step}: {op:?}");
            }
            Op::GetOrInsert(k, v) => {
                assert_eq!(
                    *m.get_or_insert(k, v),
                    *model.entry(k).or_insert(v),
                    "step {step}: {op:?}"
                )
            }
            Op::Get(k) => {
                assert_eq!(m.get(&k), model.get(&k), "step {step}: {op:?}");
                assert_eq!(m.contains_key(&k), model.contains_key(&k));
                assert_eq!(m.get_key_value(&k), model.get_key_value(&k));
            }
            Op::Remove(k) => assert_eq!(
                m.remove(&k).copied(),
                model.remove(&k),
                "step {step}: {op:?}"
            ),
            Op::RemoveIf(k, r) => {
                let want = match model.get(&k) {
                    Some(v) if v % 4 == r => model.remove(&k),
                    _ => None,
                };
                assert_eq!(
                    m.remove_if(&k, |_, v| v % 4 == r).copied(),
                    want,
                    "step {step}: {op:?}"
                );
            }
            Op::Update(k) => {
                let want = model.get_mut(&k).map(|v| {
                    *v = v.wrapping_mul(3).wrapping_add(1);
                    *v
                });
                assert_eq!(
                    m.update(&k, |v| v.wrapping_mul(3).wrapping_add(1)).copied(),
                    want,
                    "step {step}: {op:?}"
                );
            }
            Op::Compute(k, code, v) => {
                let old = model.get(&k).copied();
                let got = m.compute(k, |cur| match code {
                    0 => Operation::Insert(v),
                    1 => Operation::Remove,
                    2 => Operation::Abort,
                    _ => match cur {
                        Some(c) => Operation::Insert(c.wrapping_add(1)),
                        None => Operation::Abort,
                    },
                });
                let want = match (code, old) {
                    (0, None) => {
                        model.insert(k, v);
                        Compute::Inserted(&v)
                    }
                    (0, Some(o)) => {
                        model.insert(k, v);
                        return_updated(&got, o, v, step);
                        continue;
                    }
                    (1, Some(o)) => {
                        model.remove(&k);
                        assert_eq!(got, Compute::Removed(&o), "step {step}: {op:?}");
                        continue;
                    }
                    (3, Some(o)) => {
                        model.insert(k, o.wrapping_add(1));
                        return_updated(&got, o, o.wrapping_add(1), step);
                        continue;
                    }
                    (_, None) => Compute::Unchanged(None),
                    (_, Some(o)) => {
                        assert_eq!(got, Compute::Unchanged(Some(&o)), "step {step}: {op:?}");
                        continue;
                    }
                };
                assert_eq!(got, want, "step {step}: {op:?}");
            }
            Op::Retain(m_, r) => {
                m.retain(|k, _| k % m_ != r);
                model.retain(|k, _| k % m_ != r);
            }
            Op::Clear => {
                m.clear();
                model.clear();
                assert_eq!(
                    map.slots(),
                    HashMap::<u8, u32>::with_capacity(capacity).slots(),
                    "clear shrinks to the minimum"
                );
            }
            Op::Iter => {
                let mut got: Vec<(u8, u32)> = m.iter().map(|(k, v)| (*k, *v)).collect();
                got.sort_unstable();
                let mut want: Vec<(u8, u32)> = model.iter().map(|(k, v)| (*k, *v)).collect();
                want.sort_unstable();
                assert_eq!(got, want, "step {step}: iteration");
            }
            Op::Len => assert_eq!(m.len(), model.len(), "step {step}: len"),
            Op::Reserve(n) => {
                map.reserve(usize::from(n));
                assert!(
                    map.capacity() >= model.len() + usize::from(n),
                    "step {step}: {op:?}"
                );
                if n % 2 == 1 {
                    map.shrink_to_fit();
                }
            }
        }
        assert_eq!(map.len(), model.len(), "step {step}: len after {op:?}");
    }
    let mut got: Vec<(u8, u32)> = map.pin().iter().map(|(k, v)| (*k, *v)).collect();
    got.sort_unstable();
    let mut want: Vec<(u8, u32)> = model.into_iter().collect();
    want.sort_unstable();
    assert_eq!(got, want, "final contents");
    true
}

fn return_updated(got: &Compute<&u32>, old: u32, new: u32, step: usize) {
    assert_eq!(
        *got,
        Compute::Updated {
            old: &old,
            new: &new
        },
        "step {step}"
    );
}

#[test]
fn matches_std_hashmap_tiny_capacity() {
    fn prop(cap: u8, ops: Vec<Op>) -> bool {
        run(cap as usize % 4, &ops)
    }
    QuickCheck::new()
        .tests(400)
        .quickcheck(prop as fn(u8, Vec<Op>) -> bool);
}

#[test]
fn matches_std_hashmap_long_sequences() {
    fn prop(cap: u8, ops: Vec<Op>) -> bool {
        // Repeat the sequence to get long histories with many migrations.
        let long: Vec<Op> = ops.iter().cycle().take(ops.len() * 20).cloned().collect();
        run(cap as usize % 64, &long)
    }
    QuickCheck::new()
        .tests(100)
        .quickcheck(prop as fn(u8, Vec<Op>) -> bool);
}

/// String keys, queried by `&str`, with a tiny table.
#[test]
fn string_keys_match_std() {
    fn prop(ops: Vec<(u8, bool)>) -> bool {
        let map: HashMap<String, usize> = HashMap::with_capacity(0);
        let mut model = StdMap::new();
        for (i, (k, insert)) in ops.into_iter().enumerate() {
            let key = format!("key-{}", k % 50);
            if insert {
                assert_eq!(
                    map.pin().insert(key.clone(), i).copied(),
                    model.insert(key, i)
                );
            } else {
                assert_eq!(
                    map.pin().remove(key.as_str()).copied(),
                    model.remove(key.as_str())
                );
            }
        }
        let m = map.pin();
        model.iter().all(|(k, v)| m.get(k.as_str()) == Some(v)) && m.len() == model.len()
    }
    QuickCheck::new()
        .tests(200)
        .quickcheck(prop as fn(Vec<(u8, bool)>) -> bool);
}
