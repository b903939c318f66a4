//! `flurry::HashMap`: per call (a pin per operation), or through one `HashMapRef` pin.

use super::{per_call_through_pin, MapKey, MapOps, PeerMap, WithGuard};
use crate::common::hasher::{hasher, Hasher};

pub(crate) type Flurry<K> = flurry::HashMap<K, u64, Hasher>;

impl<K: MapKey> PeerMap for Flurry<K> {
    fn create(cap: usize) -> Self {
        Flurry::with_capacity_and_hasher(cap, hasher())
    }
}

per_call_through_pin!(Flurry<K>);

impl<K: MapKey> MapOps<K> for flurry::HashMapRef<'_, K, u64, Hasher> {
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
        self.compute_if_present(key, |_, v| Some(v + 1)).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        Some(self.iter().map(|(_, v)| *v).sum())
    }
}

impl<K: MapKey> WithGuard<K> for Flurry<K> {
    fn guard(&self) -> impl MapOps<K> + '_ {
        self.pin()
    }
}
