//! `Serialize` and `Deserialize` for every collection (the `serde` feature).
//!
//! Maps serialize as maps and sets as sequences, like std's. Serializing takes a
//! snapshot under one pin first, so the length announced to the format is the number
//! of entries written even while other threads write (formats such as bincode need it
//! exact). Deserializing inserts entry by entry; a key that appears twice keeps its
//! last value (std's `HashMap` rule), an element that appears twice is kept once.
//! Malformed input is the format's error, never a panic. The initial capacity taken
//! from the input's length hint is capped, so a hostile hint cannot allocate a huge
//! table before any entry arrives.

use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;

use ::serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use ::serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::{HashMap, HashSet, Word, WordMap};

/// A visitor's marker for the collection it builds.
type Builds<T> = PhantomData<fn() -> T>;

/// The most entries a length hint may reserve room for up front.
const MAX_PRESIZE: usize = 4096;

fn presize(hint: Option<usize>) -> usize {
    hint.unwrap_or(0).min(MAX_PRESIZE)
}

impl<K, V, S> Serialize for HashMap<K, V, S>
where
    K: Serialize + Hash + Eq + Send + 'static,
    V: Serialize + Send + 'static,
    S: BuildHasher,
{
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let m = self.pin();
        let entries: Vec<_> = m.iter().collect();
        let mut out = serializer.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            out.serialize_entry(k, v)?;
        }
        out.end()
    }
}

impl<'de, K, V, S> Deserialize<'de> for HashMap<K, V, S>
where
    K: Deserialize<'de> + Hash + Eq + Send + 'static,
    V: Deserialize<'de> + Send + 'static,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V, S>(Builds<HashMap<K, V, S>>);
        impl<'de, K, V, S> Visitor<'de> for MapVisitor<K, V, S>
        where
            K: Deserialize<'de> + Hash + Eq + Send + 'static,
            V: Deserialize<'de> + Send + 'static,
            S: BuildHasher + Default,
        {
            type Value = HashMap<K, V, S>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let map =
                    HashMap::with_capacity_and_hasher(presize(access.size_hint()), S::default());
                {
                    let m = map.pin();
                    while let Some((k, v)) = access.next_entry()? {
                        m.insert(k, v);
                    }
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

impl<T, S> Serialize for HashSet<T, S>
where
    T: Serialize + Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let s = self.pin();
        let elements: Vec<&T> = s.iter().collect();
        let mut out = serializer.serialize_seq(Some(elements.len()))?;
        for x in elements {
            out.serialize_element(x)?;
        }
        out.end()
    }
}

impl<'de, T, S> Deserialize<'de> for HashSet<T, S>
where
    T: Deserialize<'de> + Hash + Eq + Send + 'static,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetVisitor<T, S>(Builds<HashSet<T, S>>);
        impl<'de, T, S> Visitor<'de> for SetVisitor<T, S>
        where
            T: Deserialize<'de> + Hash + Eq + Send + 'static,
            S: BuildHasher + Default,
        {
            type Value = HashSet<T, S>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let set =
                    HashSet::with_capacity_and_hasher(presize(access.size_hint()), S::default());
                {
                    let s = set.pin();
                    while let Some(x) = access.next_element()? {
                        s.insert(x);
                    }
                }
                Ok(set)
            }
        }
        deserializer.deserialize_seq(SetVisitor(PhantomData))
    }
}

impl<K, V, S> Serialize for WordMap<K, V, S>
where
    K: Word + Serialize,
    V: Word + Serialize,
    S: BuildHasher,
{
    fn serialize<Ser: Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let entries: Vec<(K, V)> = self.iter().collect();
        let mut out = serializer.serialize_map(Some(entries.len()))?;
        for (k, v) in &entries {
            out.serialize_entry(k, v)?;
        }
        out.end()
    }
}

impl<'de, K, V, S> Deserialize<'de> for WordMap<K, V, S>
where
    K: Word + Deserialize<'de>,
    V: Word + Deserialize<'de>,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WordMapVisitor<K, V, S>(Builds<WordMap<K, V, S>>);
        impl<'de, K, V, S> Visitor<'de> for WordMapVisitor<K, V, S>
        where
            K: Word + Deserialize<'de>,
            V: Word + Deserialize<'de>,
            S: BuildHasher + Default,
        {
            type Value = WordMap<K, V, S>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let map =
                    WordMap::with_capacity_and_hasher(presize(access.size_hint()), S::default());
                while let Some((k, v)) = access.next_entry()? {
                    map.insert(k, v);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(WordMapVisitor(PhantomData))
    }
}
