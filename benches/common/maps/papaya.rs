//! `papaya::HashMap`: per call (a pin per operation, papaya's own guidance for long-lived
//! threads, like splitmap's per-call methods), or through one `HashMapRef` pin.

use super::{per_call_through_pin, MapKey, MapOps, PeerMap, WithGuard};
use crate::common::hasher::{hasher, Hasher};

pub(crate) type Papaya<K> = papaya::HashMap<K, u64, Hasher>;

impl<K: MapKey> PeerMap for Papaya<K> {
    fn create(cap: usize) -> Self {
        Papaya::with_capacity_and_hasher(cap, hasher())
    }
}

per_call_through_pin!(Papaya<K>);

impl<K: MapKey> MapOps<K> for papaya::HashMapRef<'_, K, u64, Hasher, papaya::LocalGuard<'_>> {
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
        // papaya's `update` takes the key by value: the clone is part of its cost.
        self.update(key.clone(), |v| v + 1).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        Some(self.iter().map(|(_, v)| *v).sum())
    }
}

impl<K: MapKey> WithGuard<K> for Papaya<K> {
    fn guard(&self) -> impl MapOps<K> + '_ {
        self.pin()
    }
}
