//! `scc::HashMap`: every operation synchronises on its own.

use super::{MapKey, MapOps, PeerMap};
use crate::common::hasher::{hasher, Hasher};

pub(crate) type Scc<K> = scc::HashMap<K, u64, Hasher>;

impl<K: MapKey> PeerMap for Scc<K> {
    fn create(cap: usize) -> Self {
        Scc::with_capacity_and_hasher(cap, hasher())
    }
}

impl<K: MapKey> MapOps<K> for &Scc<K> {
    fn contains(&mut self, key: &K) -> bool {
        self.contains_sync(key)
    }
    fn value(&mut self, key: &K) -> Option<u64> {
        self.read_sync(key, |_, v| *v)
    }
    fn insert_or_replace(&mut self, key: K, value: u64) -> bool {
        // `insert_sync` refuses an existing key; `upsert_sync` is the insert-or-replace.
        self.upsert_sync(key, value).is_none()
    }
    fn insert_new(&mut self, key: K, value: u64) -> bool {
        self.insert_sync(key, value).is_ok()
    }
    fn delete(&mut self, key: &K) -> bool {
        self.remove_sync(key).is_some()
    }
    fn increment(&mut self, key: &K) -> bool {
        self.update_sync(key, |_, v| *v += 1).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        let mut s = 0;
        self.iter_sync(|_, v| {
            s += *v;
            true
        });
        Some(s)
    }
}
