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
