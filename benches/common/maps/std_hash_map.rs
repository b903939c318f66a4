//! `std::collections::HashMap`: alone (one thread only, reached through `&mut`), behind a
//! `Mutex`, or behind an `RwLock`. The locked maps lock once per operation.

use std::collections::HashMap as StdHashMap;
use std::sync::{Mutex, RwLock};

use super::{MapKey, MapOps, PeerMap};
use crate::common::hasher::{hasher, Hasher};

pub(crate) type StdMap<K> = StdHashMap<K, u64, Hasher>;
pub(crate) type MutexStd<K> = Mutex<StdMap<K>>;
pub(crate) type RwLockStd<K> = RwLock<StdMap<K>>;

impl<K: MapKey> PeerMap for StdMap<K> {
    fn create(cap: usize) -> Self {
        StdHashMap::with_capacity_and_hasher(cap, hasher())
    }
}

impl<K: MapKey> PeerMap for MutexStd<K> {
    fn create(cap: usize) -> Self {
        Mutex::new(StdMap::create(cap))
    }
}

impl<K: MapKey> PeerMap for RwLockStd<K> {
    fn create(cap: usize) -> Self {
        RwLock::new(StdMap::create(cap))
    }
}

impl<K: MapKey> MapOps<K> for &mut StdMap<K> {
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
        self.get_mut(key).map(|v| *v += 1).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        Some(self.values().sum())
    }
}

impl<K: MapKey> MapOps<K> for &MutexStd<K> {
    fn contains(&mut self, key: &K) -> bool {
        self.lock().unwrap().contains_key(key)
    }
    fn value(&mut self, key: &K) -> Option<u64> {
        self.lock().unwrap().get(key).copied()
    }
    fn insert_or_replace(&mut self, key: K, value: u64) -> bool {
        self.lock().unwrap().insert(key, value).is_none()
    }
    fn delete(&mut self, key: &K) -> bool {
        self.lock().unwrap().remove(key).is_some()
    }
    fn increment(&mut self, key: &K) -> bool {
        self.lock().unwrap().get_mut(key).map(|v| *v += 1).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        Some(self.lock().unwrap().values().sum())
    }
}

/// Reads take the read lock, everything else the write lock.
impl<K: MapKey> MapOps<K> for &RwLockStd<K> {
    fn contains(&mut self, key: &K) -> bool {
        self.read().unwrap().contains_key(key)
    }
    fn value(&mut self, key: &K) -> Option<u64> {
        self.read().unwrap().get(key).copied()
    }
    fn insert_or_replace(&mut self, key: K, value: u64) -> bool {
        self.write().unwrap().insert(key, value).is_none()
    }
    fn delete(&mut self, key: &K) -> bool {
        self.write().unwrap().remove(key).is_some()
    }
    fn increment(&mut self, key: &K) -> bool {
        self.write()
            .unwrap()
            .get_mut(key)
            .map(|v| *v += 1)
            .is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        Some(self.read().unwrap().values().sum())
    }
}
