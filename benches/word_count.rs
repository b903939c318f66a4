//! A parallel word count, the issue-14 idiom, in each map's own counter idiom, against
//! the peers (same corpus, same hasher, same threads, interleaved repeats).
//!
//! The corpus: `WC_WORDS` words (default 2,000,000; 200,000 with `QUICK=1`) drawn
//! Zipf-distributed (s = 1) from a vocabulary of 20,000 generated words of 2-12 letters,
//! so a few words are very hot (contention) and most are rare (misses, first inserts).
//! Each thread counts its own contiguous share into one shared map, from `&str` words.
//!
//! The contenders, each spelled as its documentation suggests:
//!
//! - `splitmap-entry`: `HashMap<String, u64>`,
//!   `counts.entry(w.to_owned()).and_modify(|n| *n += 1).or_insert(1)`: the line-by-line
//!   port of std's entry idiom (a `String` and a new entry per word).
//! - `splitmap-atomic`: `HashMap<String, AtomicU64>`, `counts.get(w)` and `fetch_add`,
//!   falling back to `entry(w.to_owned()).or_default()` for a new word: the counter idiom
//!   `docs/migrating.md` recommends (no allocation once a word is known).
//! - `splitmap-entry-pinned`, `splitmap-atomic-pinned`: the same, each thread holding a
//!   `pin()` handle per 256 words (`HashMap::pin`'s batch idiom), so the calls' own pins
//!   nest in it and skip the fence a first pin costs.
//! - `dashmap-entry`: `*counts.entry(w.to_owned()).or_insert(0) += 1` (dashmap's README).
//! - `dashmap-get-mut`: `get_mut(w)` first, `entry` for a new word (no allocation once a
//!   word is known; the fair comparison for `splitmap-atomic`).
//! - `mutex-std`: `Mutex<std::collections::HashMap<String, u64>>`, one lock per word,
//!   `get_mut` first.
//!
//! Every run's counts are checked against a single-threaded count. Output: one line per
//! thread count and contender, median Mops/s of `WC_REPEATS` (default 5; 1 with `QUICK`)
//! with the min-max, and the ratio to the best dashmap idiom.
//!
//! ```text
//! cargo bench --bench word_count
//! WC_THREADS=1,2,4,8 WC_REPEATS=7 WC_MAPS=splitmap-atomic,dashmap-get-mut cargo bench --bench word_count
//! ```

use std::collections::HashMap as StdMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

// Only the settings and the shared hasher of `benches/common/`.
#[allow(dead_code)]
#[path = "common/env.rs"]
mod env;
#[path = "common/hasher.rs"]
mod hasher;

use env::{env_list, env_num, quick};
use hasher::{hasher, Hasher};

const VOCABULARY: usize = 20_000;

/// A deterministic pseudo-random stream (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn corpus(words: usize) -> Vec<String> {
    let mut rng = Rng(0x5eed);
    let mut vocabulary = std::collections::HashSet::new();
    let mut distinct = Vec::with_capacity(VOCABULARY);
    while distinct.len() < VOCABULARY {
        let len = 2 + (rng.next() % 11) as usize;
        let w: String = (0..len)
            .map(|_| (b'a' + (rng.next() % 26) as u8) as char)
            .collect();
        if vocabulary.insert(w.clone()) {
            distinct.push(w);
        }
    }
    // Zipf with s = 1: P(rank r) proportional to 1 / r.
    let mut cdf = Vec::with_capacity(VOCABULARY);
    let mut total = 0.0;
    for r in 1..=VOCABULARY {
        total += 1.0 / r as f64;
        cdf.push(total);
    }
    (0..words)
        .map(|_| {
            let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64 * total;
            let rank = cdf.partition_point(|&c| c < u).min(VOCABULARY - 1);
            distinct[rank].clone()
        })
        .collect()
}

/// One contender: count `words` (split among `threads`) into a fresh map; return the
/// counts for checking.
type Contender = fn(&[&str], usize) -> StdMap<String, u64>;

fn on_threads<'a, M: Sync>(
    map: &M,
    words: &'a [&'a str],
    threads: usize,
    f: impl Fn(&M, &str) + Sync,
) {
    let share = words.len().div_ceil(threads);
    std::thread::scope(|s| {
        for part in words.chunks(share) {
            let f = &f;
            s.spawn(move || {
                for w in part {
                    f(map, w);
                }
            });
        }
    });
}

fn splitmap_entry(words: &[&str], threads: usize) -> StdMap<String, u64> {
    let counts: splitmap::HashMap<String, u64, Hasher> = splitmap::HashMap::with_hasher(hasher());
    on_threads(&counts, words, threads, |counts, w| {
        counts
            .entry(w.to_owned())
            .and_modify(|n| *n += 1)
            .or_insert(1);
    });
    counts.into_iter().collect()
}

fn splitmap_atomic(words: &[&str], threads: usize) -> StdMap<String, u64> {
    let counts: splitmap::HashMap<String, AtomicU64, Hasher> =
        splitmap::HashMap::with_hasher(hasher());
    on_threads(&counts, words, threads, |counts, w| {
        match counts.get(w) {
            Some(n) => n.fetch_add(1, Ordering::Relaxed),
            None => counts
                .entry(w.to_owned())
                .or_default()
                .fetch_add(1, Ordering::Relaxed),
        };
    });
    counts
        .into_iter()
        .map(|(k, v)| (k, v.into_inner()))
        .collect()
}

/// Words per handle in the `-pinned` variants: a handle held for a batch of calls (as
/// `HashMap::pin` suggests), so that each call's own pin nests in it and costs no fence.
const BATCH: usize = 256;

fn on_threads_pinned<'a, K, V>(
    map: &splitmap::HashMap<K, V, Hasher>,
    words: &'a [&'a str],
    threads: usize,
    f: impl Fn(&splitmap::Pinned<'_, K, V, Hasher>, &str) + Sync,
) where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    let share = words.len().div_ceil(threads);
    std::thread::scope(|s| {
        for part in words.chunks(share) {
            let f = &f;
            s.spawn(move || {
                for batch in part.chunks(BATCH) {
                    let m = map.pin();
                    for w in batch {
                        f(&m, w);
                    }
                }
            });
        }
    });
}

fn splitmap_entry_pinned(words: &[&str], threads: usize) -> StdMap<String, u64> {
    let counts: splitmap::HashMap<String, u64, Hasher> = splitmap::HashMap::with_hasher(hasher());
    on_threads_pinned(&counts, words, threads, |m, w| {
        m.entry(w.to_owned()).and_modify(|n| *n += 1).or_insert(1);
    });
    counts.into_iter().collect()
}

fn splitmap_atomic_pinned(words: &[&str], threads: usize) -> StdMap<String, u64> {
    let counts: splitmap::HashMap<String, AtomicU64, Hasher> =
        splitmap::HashMap::with_hasher(hasher());
    on_threads_pinned(&counts, words, threads, |m, w| {
        match m.get(w) {
            Some(n) => n.fetch_add(1, Ordering::Relaxed),
            None => m
                .entry(w.to_owned())
                .or_default()
                .fetch_add(1, Ordering::Relaxed),
        };
    });
    counts
        .into_iter()
        .map(|(k, v)| (k, v.into_inner()))
        .collect()
}

fn dashmap_entry(words: &[&str], threads: usize) -> StdMap<String, u64> {
    let counts: dashmap::DashMap<String, u64, Hasher> = dashmap::DashMap::with_hasher(hasher());
    on_threads(&counts, words, threads, |counts, w| {
        *counts.entry(w.to_owned()).or_insert(0) += 1;
    });
    counts.into_iter().collect()
}

fn dashmap_get_mut(words: &[&str], threads: usize) -> StdMap<String, u64> {
    let counts: dashmap::DashMap<String, u64, Hasher> = dashmap::DashMap::with_hasher(hasher());
    on_threads(&counts, words, threads, |counts, w| {
        if let Some(mut n) = counts.get_mut(w) {
            *n += 1;
        } else {
            *counts.entry(w.to_owned()).or_insert(0) += 1;
        }
    });
    counts.into_iter().collect()
}

fn mutex_std(words: &[&str], threads: usize) -> StdMap<String, u64> {
    let counts: Mutex<StdMap<String, u64, Hasher>> = Mutex::new(StdMap::with_hasher(hasher()));
    on_threads(&counts, words, threads, |counts, w| {
        let mut m = counts.lock().unwrap();
        if let Some(n) = m.get_mut(w) {
            *n += 1;
        } else {
            m.insert(w.to_owned(), 1);
        }
    });
    counts.into_inner().unwrap().into_iter().collect()
}

/// The first two are the dashmap rows every ratio is taken against.
const CONTENDERS: [(&str, Contender); 7] = [
    ("dashmap-entry", dashmap_entry),
    ("dashmap-get-mut", dashmap_get_mut),
    ("mutex-std", mutex_std),
    ("splitmap-entry", splitmap_entry),
    ("splitmap-entry-pinned", splitmap_entry_pinned),
    ("splitmap-atomic", splitmap_atomic),
    ("splitmap-atomic-pinned", splitmap_atomic_pinned),
];

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the arguments.
    let quick = quick();
    let words: usize = env_num("WC_WORDS").unwrap_or(if quick { 200_000 } else { 2_000_000 });
    let repeats: usize = env_num("WC_REPEATS").unwrap_or(if quick { 1 } else { 5 });
    let threads: Vec<usize> = env_list("WC_THREADS")
        .map(|l| l.iter().filter_map(|t| t.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2, 4, 8]);
    let maps = env_list("WC_MAPS");
    let text = corpus(words);
    let text: Vec<&str> = text.iter().map(String::as_str).collect();
    let mut reference: StdMap<String, u64> = StdMap::new();
    for w in &text {
        *reference.entry((*w).to_owned()).or_insert(0) += 1;
    }
    println!(
        "word count: {words} words, {} distinct (Zipf s=1 over {VOCABULARY}), {} CPUs, median of {repeats}",
        reference.len(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "{:>7}  {:<22} {:>9}  {:>17}  {:>10}",
        "threads", "map", "Mops/s", "min-max", "vs dashmap"
    );
    for &t in &threads {
        let mut rates: Vec<Vec<f64>> = vec![Vec::new(); CONTENDERS.len()];
        // Interleaved: each repeat runs every contender once, so drift in the machine's
        // load spreads over all of them.
        for _ in 0..repeats {
            for (i, (name, count)) in CONTENDERS.iter().enumerate() {
                if !maps.as_ref().map_or(true, |l| l.iter().any(|m| m == name)) {
                    continue;
                }
                let start = Instant::now();
                let got = count(&text, t);
                let secs = start.elapsed().as_secs_f64();
                assert!(got == reference, "{name} at {t} threads miscounted");
                rates[i].push(words as f64 / secs / 1e6);
            }
        }
        let medians: Vec<f64> = rates
            .iter_mut()
            .map(|r| if r.is_empty() { f64::NAN } else { median(r) })
            .collect();
        let best_dash = medians[0].max(medians[1]);
        for (i, (name, _)) in CONTENDERS.iter().enumerate() {
            if rates[i].is_empty() {
                continue;
            }
            let (lo, hi) = rates[i]
                .iter()
                .fold((f64::MAX, 0.0f64), |(lo, hi), &r| (lo.min(r), hi.max(r)));
            println!(
                "{t:>7}  {name:<22} {:>9.2}  {:>7.2} - {:<7.2}  {:>9.2}x",
                medians[i],
                lo,
                hi,
                medians[i] / best_dash
            );
        }
    }
}
