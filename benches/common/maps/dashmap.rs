//! `dashmap::DashMap`: every operation locks its shard on its own.

use super::{MapKey, MapOps, PeerMap};
use crate::common::hasher::{hasher, Hasher};

pub(crate) type Dash<K> = dashmap::DashMap<K, u64, Hasher>;

impl<K: MapKey> PeerMap for Dash<K> {
    fn create(cap: usize) -> Self {
        Dash::with_capacity_and_hasher(cap, hasher())
    }
}

impl<K: MapKey> MapOps<K> for &Dash<K> {
    fn contains(&mut self, key: &K) -> bool {
        self.contains_key(key)
    }
    fn value(&mut self, key: &K) -> Option<u64> {
        self.get(key).map(|r| *r)
    }
    fn insert_or_replace(&mut self, key: K, value: u64) -> bool {
        self.insert(key, value).is_none()
    }
    fn delete(&mut self, key: &K) -> bool {
        self.remove(key).is_some()
    }
    fn increment(&mut self, key: &K) -> bool {
        self.get_mut(key).map(|mut v| *v += 1).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        Some(self.iter().map(|r| *r.value()).sum())
    }
}
