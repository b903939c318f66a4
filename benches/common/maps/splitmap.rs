//! `splitmap::HashMap`: per call through the map's own methods (each pins for the one call),
//! or through a `Pinned` handle.

use super::{MapKey, MapOps, PeerMap, WithGuard};
use crate::common::hasher::{hasher, Hasher};

pub(crate) type Split<K> = splitmap::HashMap<K, u64, Hasher>;

impl<K: MapKey> PeerMap for Split<K> {
    fn create(cap: usize) -> Self {
        Split::with_capacity_and_hasher(cap, hasher())
    }
}

/// The methods that pin per call: what a long-lived thread should use (a `Pinned` held for
/// long would keep every removed entry alive).
impl<K: MapKey> MapOps<K> for &Split<K> {
    fn contains(&mut self, key: &K) -> bool {
        self.contains_key(key)
    }
    fn value(&mut self, key: &K) -> Option<u64> {
        self.get_cloned(key)
    }
    fn insert_or_replace(&mut self, key: K, value: u64) -> bool {
        self.insert(key, value).is_none()
    }
    fn delete(&mut self, key: &K) -> bool {
        self.remove(key).is_some()
    }
    fn increment(&mut self, key: &K) -> bool {
        self.update(key, |v| v + 1).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        None // iteration always goes through a handle: see the `Pinned` impl
    }
}

impl<K: MapKey> MapOps<K> for splitmap::Pinned<'_, K, u64, Hasher> {
    fn contains(&mut self, key: &K) -> bool {
        self.contains_key(key)
    }
    fn value(&mut self, key: &K) -> Option<u64> {
        self.get(key).copied()
    }
    fn insert_or_replace(&mut self, key: K, value: u64) -> bool {
        self.insert(key, value).is_none()
    }
    fn delete(&mut self, key: &K) -> bool {
        self.remove(key).is_some()
    }
    fn increment(&mut self, key: &K) -> bool {
        self.update(key, |v| v + 1).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        Some(self.iter().map(|(_, v)| *v).sum())
    }
}

impl<K: MapKey> WithGuard<K> for Split<K> {
    fn guard(&self) -> impl MapOps<K> + '_ {
        self.pin()
    }
}
