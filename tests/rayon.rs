//! The `rayon` feature: `par_extend` and `collect` insert from every rayon worker at
//! once; the result must equal the sequential one. Run with
//! `cargo test --features rayon --test rayon` (`.ci/run` does).
#![cfg(feature = "rayon")]

use rayon::prelude::*;
use splitmap::{HashMap, HashSet, WordMap};

#[test]
fn collect_and_par_extend_match_sequential_inserts() {
    let n = 100_000u64;
    let map: HashMap<u64, String> = (0..n).into_par_iter().map(|i| (i, i.to_string())).collect();
    assert_eq!(map.len(), n as usize);
    let m = map.pin();
    assert!((0..n).all(|i| m.get(&i).map(String::as_str) == Some(i.to_string().as_str())));
    drop(m);

    let mut set: HashSet<u64> = (0..n).into_par_iter().map(|i| i % 1000).collect();
    assert_eq!(set.len(), 1000, "duplicates collapse to one copy");
    set.par_extend((1000..2000u64).into_par_iter());
    assert_eq!(set.len(), 2000);

    let words: WordMap<u32, u32> = (0..n as u32).into_par_iter().map(|i| (i, i * 2)).collect();
    assert_eq!(words.len(), n as usize);
    assert_eq!(words.get(&77), Some(154));
    let shared = &words;
    let mut target = shared;
    target.par_extend((0..10u32).into_par_iter().map(|i| (i, 0)));
    assert_eq!(words.get(&3), Some(0));
}

/// A word count, the first idiom, with rayon and the counter idiom.
#[test]
fn parallel_word_count() {
    let text = "the quick brown fox jumps over the lazy dog the end";
    let words: Vec<&str> = text.split(' ').cycle().take(11 * 1000).collect();
    let counts: HashMap<String, u64> = HashMap::new();
    words.par_iter().for_each(|w| {
        counts.upsert(w.to_string(), 1, |c| c + 1);
    });
    assert_eq!(counts.get_cloned("the"), Some(3000));
    assert_eq!(counts.get_cloned("fox"), Some(1000));
}

/// `par_iter` yields what the sequential `iter` does, for every collection, and the
/// owned `into_par_iter` moves every entry out once.
#[test]
fn par_iter_matches_sequential_iteration() {
    let n = 50_000u64;
    let map: HashMap<u64, String> = (0..n).map(|i| (i, i.to_string())).collect();
    let m = map.pin();
    let mut par: Vec<(u64, String)> = m.par_iter().map(|(k, v)| (*k, v.clone())).collect();
    par.sort_unstable();
    let mut seq: Vec<(u64, String)> = m.iter().map(|(k, v)| (*k, v.clone())).collect();
    seq.sort_unstable();
    assert_eq!(par.len(), n as usize);
    assert_eq!(par, seq);
    drop(m);

    let mut owned: Vec<(u64, String)> = map.into_par_iter().collect();
    owned.sort_unstable();
    assert_eq!(owned, seq);

    let set: HashSet<u64> = (0..n).collect();
    assert_eq!(set.pin().par_iter().sum::<u64>(), n * (n - 1) / 2);

    let words: WordMap<u64, u64> = (0..n).map(|i| (i, i * 3)).collect();
    let mut pairs: Vec<(u64, u64)> = words.par_iter().collect();
    pairs.sort_unstable();
    assert_eq!(pairs, (0..n).map(|i| (i, i * 3)).collect::<Vec<_>>());
}

/// Weak consistency under writers: keys present for the whole walk appear exactly once
/// with their value, while other threads insert and remove keys of their own (and so
/// grow and shrink the table under the walk).
#[test]
fn par_iter_during_writes_yields_every_stable_key_once() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let stable = 20_000u64;
    let map: HashMap<u64, u64> = HashMap::with_capacity(0);
    for k in 0..stable {
        map.insert(k, k + 1);
    }
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut round = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let base = 1 << 40 | round << 20;
                for k in 0..5_000 {
                    map.insert(base + k, 0);
                }
                for k in 0..5_000 {
                    map.remove(&(base + k));
                }
                round += 1;
            }
        });
        for _ in 0..20 {
            let m = map.pin();
            let mut seen: Vec<u64> = m
                .par_iter()
                .filter(|(k, _)| **k < stable)
                .map(|(k, v)| {
                    assert_eq!(*v, k + 1, "a stable key's value");
                    *k
                })
                .collect();
            seen.sort_unstable();
            assert_eq!(seen.len(), stable as usize, "each stable key once");
            assert!(seen.iter().copied().eq(0..stable));
        }
        stop.store(true, Ordering::Relaxed);
    });
}
