//! The `serde` feature: every collection round-trips through JSON, duplicate keys keep
//! their last value (std's rule), and malformed input is an error, never a panic.
//! Run with `cargo test --features serde --test serde` (`.ci/run` does).
#![cfg(feature = "serde")]

use splitmap::{HashMap, HashSet, WordMap};

#[test]
fn hashmap_round_trips() {
    let map: HashMap<String, Vec<u8>> = (0..100u8)
        .map(|i| (format!("key-{i}"), vec![i; (i % 5) as usize]))
        .collect();
    let json = serde_json::to_string(&map).unwrap();
    let back: HashMap<String, Vec<u8>> = serde_json::from_str(&json).unwrap();
    assert!(back == map);
    assert_eq!(back.pin().get("key-7"), Some(&vec![7, 7]));
    // Through a std map too: the same JSON shape.
    let std: std::collections::HashMap<String, Vec<u8>> = serde_json::from_str(&json).unwrap();
    assert_eq!(std.len(), 100);
}

#[test]
fn hashset_round_trips() {
    let set: HashSet<u64> = (0..1000).map(|i| i * 7).collect();
    let json = serde_json::to_string(&set).unwrap();
    let back: HashSet<u64> = serde_json::from_str(&json).unwrap();
    assert!(back == set);
}

#[test]
fn wordmap_round_trips_edge_words() {
    let map: WordMap<u64, i64> = [(0, i64::MIN), (u64::MAX, -1), (7, 0)]
        .into_iter()
        .collect();
    let json = serde_json::to_string(&map).unwrap();
    let back: WordMap<u64, i64> = serde_json::from_str(&json).unwrap();
    assert!(back == map);
    assert_eq!(back.get(&0), Some(i64::MIN));
}

#[test]
fn duplicate_keys_keep_the_last_value_and_duplicate_elements_one_copy() {
    let map: HashMap<String, u32> = serde_json::from_str(r#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
    assert_eq!(map.len(), 2);
    assert_eq!(map.get_cloned("a"), Some(3));
    let words: WordMap<u32, u32> = serde_json::from_str(r#"{"1": 1, "1": 2}"#).unwrap();
    assert_eq!(words.get(&1), Some(2));
    let set: HashSet<u32> = serde_json::from_str("[1, 2, 1, 1]").unwrap();
    assert_eq!(set.len(), 2);
}

#[test]
fn malformed_input_is_an_error() {
    for bad in [
        r#"{"a": 1,"#,        // truncated
        r#"{"a": "one"}"#,    // wrong value type
        r#"[["a", 1]]"#,      // a sequence where a map is expected
        r#"{"a": 1, "a": }"#, // missing value
    ] {
        assert!(
            serde_json::from_str::<HashMap<String, u32>>(bad).is_err(),
            "accepted {bad}"
        );
    }
    assert!(
        serde_json::from_str::<HashSet<u8>>("[1, 300]").is_err(),
        "300 is no u8"
    );
    assert!(serde_json::from_str::<WordMap<u8, u8>>(r#"{"1": -1}"#).is_err());
}

/// A huge length hint does not allocate up front: bincode-style formats announce the
/// length; serde_json does not, so this checks the cap through `size_hint` directly.
#[test]
fn a_hostile_length_hint_allocates_nothing_up_front() {
    use serde::de::value::{Error, MapDeserializer};
    struct Lying<I>(I);
    impl<I: Iterator> Iterator for Lying<I> {
        type Item = I::Item;
        fn next(&mut self) -> Option<I::Item> {
            self.0.next()
        }
        fn size_hint(&self) -> (usize, Option<usize>) {
            (usize::MAX, Some(usize::MAX))
        }
    }
    let entries = Lying([(1u32, 2u32)].into_iter());
    let de: MapDeserializer<'_, _, Error> = MapDeserializer::new(entries);
    let map: HashMap<u32, u32> = serde::Deserialize::deserialize(de).unwrap();
    assert_eq!(map.len(), 1);
    assert!(map.capacity() <= 8192, "capacity {}", map.capacity());
}
