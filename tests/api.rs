//! The public API surface: traits, borrowed lookups, convenience methods. Each test
//! runs with a tiny initial capacity (constant migrations) and a large one.

use splitmap::HashMap;
use std::sync::Arc;

fn for_capacities(test: impl Fn(usize)) {
    test(0);
    test(1 << 12);
}

#[test]
fn send_and_sync_bounds() {
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<HashMap<String, Vec<u8>>>();
    is_send_sync::<Arc<HashMap<u64, Arc<str>>>>();
}

#[test]
fn string_keys_are_queried_by_str() {
    for_capacities(|cap| {
        let map: HashMap<String, usize> = HashMap::with_capacity(cap);
        for i in 0..1_000 {
            map.insert(format!("key-{i}"), i);
        }
        let m = map.pin();
        assert_eq!(m.get("key-7"), Some(&7));
        assert_eq!(
            m.get_key_value("key-9").map(|(k, v)| (k.as_str(), *v)),
            Some(("key-9", 9))
        );
        assert!(m.contains_key("key-999"));
        assert!(!m.contains_key("key-1000"));
        assert_eq!(m.remove("key-7"), Some(&7));
        assert_eq!(map.get_cloned("key-7"), None);
    });
}

#[test]
fn traits_default_debug_clone_from_iter_extend() {
    for_capacities(|cap| {
        let mut map: HashMap<u32, u32> = HashMap::with_capacity(cap);
        map.extend((0..100).map(|i| (i, i * 2)));
        (&map).extend([(1000, 1)]);
        assert_eq!(map.len(), 101);
        let copy = map.clone();
        map.insert(0, 999);
        assert_eq!(copy.get_cloned(&0), Some(0), "a clone is independent");
        assert_eq!(copy.len(), 101);
        let collected: HashMap<u32, u32> = (0..3).map(|i| (i, i)).collect();
        let dbg = format!("{collected:?}");
        for i in 0..3 {
            assert!(dbg.contains(&format!("{i}: {i}")), "{dbg}");
        }
        let empty: HashMap<u8, u8> = HashMap::default();
        assert_eq!(format!("{empty:?}"), "{}");
    });
}

#[test]
fn keys_values_and_len() {
    for_capacities(|cap| {
        let map: HashMap<u64, u64> = HashMap::with_capacity(cap);
        for i in 0..500 {
            map.insert(i, i + 1);
        }
        let m = map.pin();
        let mut keys: Vec<u64> = m.keys().copied().collect();
        keys.sort_unstable();
        assert_eq!(keys, (0..500).collect::<Vec<_>>());
        assert_eq!(m.values().sum::<u64>(), (1..=500).sum::<u64>());
        assert_eq!(m.len(), 500);
        assert!(!m.is_empty());
    });
}

#[test]
fn convenience_methods_pin_per_call() {
    for_capacities(|cap| {
        let map: HashMap<&'static str, u64> = HashMap::with_capacity(cap);
        assert!(map.insert("a", 1).is_none());
        assert!(map.insert("a", 2).is_some());
        assert!(map.contains_key("a"));
        assert!(map.update("a", |v| v * 10).is_some());
        assert!(map.update("b", |v| v * 10).is_none());
        assert_eq!(map.get_cloned("a"), Some(20));
        assert_eq!(*map.upsert("c", 5, |v| v + 1), 5);
        assert_eq!(*map.upsert("c", 5, |v| v + 1), 6);
        assert!(map.remove("a").is_some());
        assert!(map.remove("a").is_none());
        map.retain(|k, _| *k != "c");
        assert!(map.is_empty());
        map.insert("z", 0);
        map.clear();
        assert_eq!(map.len(), 0);
    });
}

#[test]
fn with_capacity_holds_that_many_without_growing() {
    let map: HashMap<u64, u64> = HashMap::with_capacity(10_000);
    let cap = map.slots();
    assert!(cap >= 10_000);
    for i in 0..10_000 {
        map.insert(i, i);
    }
    assert_eq!(map.slots(), cap, "no resize below the requested capacity");
}

#[test]
fn references_outlive_concurrent_removal() {
    let map: HashMap<u64, String> = HashMap::with_capacity(0);
    map.insert(1, "kept alive by the pin".to_string());
    let m = map.pin();
    let v = m.get(&1).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(map.remove(&1).is_some());
            for i in 2..10_000 {
                map.insert(i, i.to_string()); // migrations retire the old tables
            }
        });
    });
    assert_eq!(v, "kept alive by the pin");
}

/// Churn (insert a new key, remove the oldest) at a steady 3/8 load fills the table
/// with tombstones and forces purges. A purge of a table over 5/16 full doubles it
/// (see `next_capacity`), so the table settles at 5/32..1/4 load: twice the capacity
/// `with_capacity` gave, never more, and every key is still right.
#[test]
fn churn_purges_settle_at_a_quarter_load() {
    let live = 768u64;
    let map: HashMap<u64, u64> = HashMap::with_capacity(1024);
    assert_eq!(map.slots(), 2048);
    for k in 0..live {
        map.insert(k, k);
    }
    let mut max_cap = 0;
    for k in live..200_000 {
        assert!(map.insert(k, k).is_none());
        assert!(map.remove(&(k - live)).is_some());
        max_cap = max_cap.max(map.slots());
    }
    assert_eq!(map.len(), live as usize);
    assert_eq!(map.slots(), 4096, "live 768: purged to at most 1/4 load");
    assert_eq!(max_cap, 4096, "no growth beyond what the load needs");
    let mut keys: Vec<u64> = map.pin().keys().copied().collect();
    keys.sort_unstable();
    assert_eq!(keys, (200_000 - live..200_000).collect::<Vec<_>>());
}

/// Churn in batches (insert 1024 new keys, remove them again, as a cache or a work
/// queue does) over 4096 resident keys moves the live count between 1/4 and 5/16 of
/// the table that growth leaves. That must not make the table double on each purge and
/// shrink on the following removes: each of those migrations copies every entry. The
/// purge-doubling bound (5/16) keeps a shrink from undoing it, so the capacity settles.
#[test]
fn churn_at_a_quarter_load_does_not_oscillate() {
    let map: HashMap<u64, u64> = HashMap::new();
    let live = 4096u64;
    for k in 0..live {
        map.insert(k, k);
    }
    let mut changes = 0;
    let mut cap = map.slots();
    for round in 0..2000u64 {
        let batch = live + round * 1024..live + (round + 1) * 1024;
        for k in batch.clone() {
            assert!(map.insert(k, k).is_none());
        }
        for k in batch {
            assert!(map.remove(&k).is_some());
        }
        if map.slots() != cap {
            changes += 1;
            cap = map.slots();
        }
    }
    assert!(
        changes <= 3,
        "capacity changed {changes} times under a steady churn (now {cap})"
    );
    assert_eq!(map.len(), live as usize);
    assert!((0..live).all(|k| map.get_cloned(&k) == Some(k)));
}

/// The message of a panic `f` raises (it must raise one).
fn panic_message(f: impl FnOnce()) -> String {
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// A reserve whose capacity overflows panics with std's message, before touching the
/// map, which stays usable; `reserve(0)` and a reserve the table already covers do
/// nothing.
#[test]
fn reserve_overflow_panics_clearly_and_leaves_the_map_usable() {
    let map: HashMap<u64, u64> = HashMap::new();
    map.insert(1, 1);
    let slots = map.slots();
    map.reserve(0);
    map.reserve(1);
    assert_eq!(map.slots(), slots, "room already there: no migration");
    // `len + additional` overflows; then the table size for the total does.
    for additional in [usize::MAX, usize::MAX / 2 + 1] {
        let msg = panic_message(|| map.reserve(additional));
        assert!(msg.contains("capacity overflow"), "{additional}: {msg:?}");
    }
    assert_eq!(map.get_cloned(&1), Some(1));
    map.insert(2, 2);
    assert_eq!(map.len(), 2);

    let words: splitmap::WordMap<u64, u64> = splitmap::WordMap::new();
    let msg = panic_message(|| words.reserve(usize::MAX));
    assert!(msg.contains("capacity overflow"), "{msg:?}");
    words.insert(0, 0);
    assert_eq!(words.get(&0), Some(0));
}
