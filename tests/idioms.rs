//! The five everyday idioms of issue 14, ported from `Mutex<HashMap>` and dashmap the
//! way `docs/migrating.md` shows: each compiles against today's API and checks its
//! result. (What they port *from* is in the guide, side by side.)

use splitmap::{HashMap, WordMap};
use std::sync::Arc;

/// Idiom 1: A parallel word count. Line by line from std/dashmap: the entry API. The
/// counter idiom: atomic counts, found by `&str` (no allocation once a word is known).
/// With integer ids: `WordMap::fetch_add`, one CAS in place.
#[test]
fn parallel_word_count() {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    let text = "a b a c b a";
    let counts: HashMap<String, u64> = HashMap::new();
    let atomic: HashMap<String, AtomicU64> = HashMap::new();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for w in text.split(' ') {
                    counts
                        .entry(w.to_string())
                        .and_modify(|n| *n += 1)
                        .or_insert(1);
                    match atomic.get(w) {
                        Some(n) => n.fetch_add(1, Relaxed),
                        None => atomic
                            .entry(w.to_string())
                            .or_default()
                            .fetch_add(1, Relaxed),
                    };
                }
            });
        }
    });
    assert_eq!(counts.get_cloned("a"), Some(12));
    assert_eq!(counts.get_cloned("c"), Some(4));
    assert_eq!(atomic.get("a").map(|n| n.load(Relaxed)), Some(12));
    assert_eq!(atomic.get("b").map(|n| n.load(Relaxed)), Some(8));

    // One thread counting many words: a handle per batch (docs/migrating.md).
    let words: Vec<&str> = text.split(' ').cycle().take(600).collect();
    for batch in words.chunks(256) {
        let m = atomic.pin();
        for w in batch {
            match m.get(*w) {
                Some(n) => n.fetch_add(1, Relaxed),
                None => m.entry(w.to_string()).or_default().fetch_add(1, Relaxed),
            };
        }
    }
    assert_eq!(atomic.get("a").map(|n| n.load(Relaxed)), Some(12 + 300));
    assert_eq!(atomic.get("c").map(|n| n.load(Relaxed)), Some(4 + 100));

    let by_id: WordMap<u32, u64> = WordMap::new();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for id in [1u32, 2, 1, 3, 2, 1] {
                    by_id.fetch_add(id, 1);
                }
            });
        }
    });
    assert_eq!(by_id.get(&1), Some(12));
}

#[derive(Clone, Debug, PartialEq)]
struct Session {
    user: String,
    hits: u32,
}

/// Idiom 2: A shared session store with `String` keys: insert, look up by `&str`, update in
/// place, remove.
#[test]
fn session_store() {
    let sessions: Arc<HashMap<String, Session>> = Arc::new(HashMap::new());
    let id = "s-1".to_string();
    sessions.insert(
        id.clone(),
        Session {
            user: "ann".into(),
            hits: 0,
        },
    );
    let worker = {
        let sessions = Arc::clone(&sessions);
        std::thread::spawn(move || {
            for _ in 0..10 {
                sessions.update("s-1", |s| Session {
                    hits: s.hits + 1,
                    ..s.clone()
                });
            }
        })
    };
    worker.join().unwrap();
    // A borrowed read through a `Ref` (its own pin, dropped at once), a short-lived
    // handle, or a clone.
    assert_eq!(sessions.get("s-1").map(|s| s.hits), Some(10));
    assert_eq!(sessions.pin().get("s-1").map(|s| s.hits), Some(10));
    assert_eq!(sessions.get_cloned(&id).map(|s| s.user), Some("ann".into()));
    assert!(sessions.remove("s-1").is_some());
    assert!(!sessions.contains_key("s-1"));
}

/// Idiom 3: An async-style handler: it reads and writes across await points without holding
/// a guard, using the map's own methods (each pins only for its own call). Here the
/// "await" is a yield to another thread between the calls.
#[test]
fn handler_without_a_held_guard() {
    let cache: Arc<HashMap<u64, String>> = Arc::new(HashMap::new());
    fn handle(cache: &HashMap<u64, String>, key: u64) -> String {
        if let Some(hit) = cache.get_cloned(&key) {
            return hit;
        }
        std::thread::yield_now(); // stands for `fetch(key).await`
        let fetched = format!("value-{key}");
        cache.entry(key).or_insert(fetched).clone()
    }
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let cache = Arc::clone(&cache);
            std::thread::spawn(move || {
                (0..50)
                    .filter(|&k| handle(&cache, k) == format!("value-{k}"))
                    .count()
            })
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 50);
    }
    assert_eq!(cache.len(), 50);
    assert_eq!(cache.get_cloned(&7).as_deref(), Some("value-7"));
}

/// Idiom 4: Iterate and sum, through a handle.
#[test]
fn iterate_and_sum() {
    let map: HashMap<u32, u64> = (1..=100).map(|i| (i, u64::from(i))).collect();
    let total: u64 = map.pin().values().sum();
    assert_eq!(
        map.iter().map(|r| *r).sum::<u64>(),
        total,
        "the map's own iterator"
    );
    assert_eq!(total, 5050);
    let evens: u64 = map
        .pin()
        .iter()
        .filter(|(k, _)| *k % 2 == 0)
        .map(|(_, v)| v)
        .sum();
    assert_eq!(evens, 2550);
}

/// Idiom 5: Remove by predicate.
#[test]
fn remove_by_predicate() {
    let map: HashMap<u32, String> = (0..10).map(|i| (i, i.to_string())).collect();
    map.retain(|k, _| k % 3 != 0);
    assert_eq!(map.len(), 6);
    assert!(!map.contains_key(&3) && map.contains_key(&4));
}
