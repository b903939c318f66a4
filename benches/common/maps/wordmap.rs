//! `splitmap::WordMap`: u64 keys and values stored inline, per call through the map's own
//! methods (each pins for the one call and returns copies), or through a
//! `PinnedWordMap` handle that pins once for many operations.

use super::{MapOps, PeerMap, WithGuard};
use crate::common::hasher::{hasher, Hasher};

pub(crate) type Words = splitmap::WordMap<u64, u64, Hasher>;

impl PeerMap for Words {
    fn create(cap: usize) -> Self {
        Words::with_capacity_and_hasher(cap, hasher())
    }
}

impl MapOps<u64> for &Words {
    fn contains(&mut self, key: &u64) -> bool {
        self.contains_key(key)
    }
    fn value(&mut self, key: &u64) -> Option<u64> {
        self.get(key)
    }
    fn insert_or_replace(&mut self, key: u64, value: u64) -> bool {
        self.insert(key, value).is_none()
    }
    fn delete(&mut self, key: &u64) -> bool {
        self.remove(key).is_some()
    }
    fn increment(&mut self, key: &u64) -> bool {
        self.update(key, |v| v + 1).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        Some(self.values().sum())
    }
}

impl MapOps<u64> for splitmap::PinnedWordMap<'_, u64, u64, Hasher> {
    fn contains(&mut self, key: &u64) -> bool {
        self.contains_key(key)
    }
    fn value(&mut self, key: &u64) -> Option<u64> {
        self.get(key)
    }
    fn insert_or_replace(&mut self, key: u64, value: u64) -> bool {
        self.insert(key, value).is_none()
    }
    fn delete(&mut self, key: &u64) -> bool {
        self.remove(key).is_some()
    }
    fn increment(&mut self, key: &u64) -> bool {
        self.update(key, |v| v + 1).is_some()
    }
    fn sum_values(&mut self) -> Option<u64> {
        None // iteration goes through the map (its iterator holds its own pin)
    }
}

impl WithGuard<u64> for Words {
    fn guard(&self) -> impl MapOps<u64> + '_ {
        self.pin()
    }
}
