//! `splitmap::WordMap`: u64 keys and values stored inline; every method pins for its
//! own call and returns copies, so there is no handle to hold.

use super::{MapOps, PeerMap};
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
