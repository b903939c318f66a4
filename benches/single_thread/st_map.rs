//! `StMap`, what the single-thread benches need of a map, and its three ways of reaching a
//! map: per call, one guard per batch, and std's map alone.

use crate::common::maps::{MapOps, PeerMap, StdMap, WithGuard};
use crate::keys::Key;
use crate::BATCH;

/// What every map under test offers, single-threaded. Batches return a count so the
/// compiler cannot drop the work.
pub(crate) trait StMap<K: Key> {
    /// Build empty; `cap == 0` means the map's default (small) size.
    fn create(cap: usize) -> Self;
    fn get_batch(&mut self, keys: &[K]) -> u64;
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64;
    fn remove_batch(&mut self, keys: &[K]) -> u64;
    fn update_batch(&mut self, keys: &[K]) -> u64;
    /// Sum of the values, or `None` if this variant has no iteration of its own.
    fn iter_sum(&mut self) -> Option<u64>;
}

/// Every operation through `&M`: it pins or locks on its own.
pub(crate) struct PerCall<M>(M);

impl<K: Key, M: PeerMap> StMap<K> for PerCall<M>
where
    for<'a> &'a M: MapOps<K>,
{
    fn create(cap: usize) -> Self {
        PerCall(M::create(cap))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        let mut m = &self.0;
        keys.iter().map(|k| m.value(k).unwrap_or(0)).sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        let mut m = &self.0;
        kvs.into_iter()
            .map(|(k, v)| m.insert_or_replace(k, v) as u64)
            .sum()
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        let mut m = &self.0;
        keys.iter().map(|k| m.delete(k) as u64).sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        let mut m = &self.0;
        keys.iter().map(|k| m.increment(k) as u64).sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        (&self.0).sum_values()
    }
}

/// One guard per batch (`map.pin()`).
pub(crate) struct GuardPerBatch<M>(M);

impl<K: Key, M: PeerMap + WithGuard<K>> StMap<K> for GuardPerBatch<M> {
    fn create(cap: usize) -> Self {
        GuardPerBatch(M::create(cap))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        let mut m = self.0.guard();
        keys.iter().map(|k| m.value(k).unwrap_or(0)).sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        // One guard per `BATCH` inserts (growth inserts a whole map through here).
        let mut n = 0;
        let mut kvs = kvs.into_iter().peekable();
        while kvs.peek().is_some() {
            let mut m = self.0.guard();
            for (k, v) in kvs.by_ref().take(BATCH) {
                n += m.insert_or_replace(k, v) as u64;
            }
        }
        n
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        let mut m = self.0.guard();
        keys.iter().map(|k| m.delete(k) as u64).sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        let mut m = self.0.guard();
        keys.iter().map(|k| m.increment(k) as u64).sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        self.0.guard().sum_values()
    }
}

/// `std::collections::HashMap` with no lock, reached through `&mut` (it has no shared way
/// in, so it cannot be a `PerCall`).
pub(crate) struct NoLock<K>(StdMap<K>);

impl<K: Key> StMap<K> for NoLock<K> {
    fn create(cap: usize) -> Self {
        NoLock(StdMap::create(cap))
    }
    fn get_batch(&mut self, keys: &[K]) -> u64 {
        let mut m = &mut self.0;
        keys.iter().map(|k| m.value(k).unwrap_or(0)).sum()
    }
    fn insert_batch(&mut self, kvs: Vec<(K, u64)>) -> u64 {
        let mut m = &mut self.0;
        kvs.into_iter()
            .map(|(k, v)| m.insert_or_replace(k, v) as u64)
            .sum()
    }
    fn remove_batch(&mut self, keys: &[K]) -> u64 {
        let mut m = &mut self.0;
        keys.iter().map(|k| m.delete(k) as u64).sum()
    }
    fn update_batch(&mut self, keys: &[K]) -> u64 {
        let mut m = &mut self.0;
        keys.iter().map(|k| m.increment(k) as u64).sum()
    }
    fn iter_sum(&mut self) -> Option<u64> {
        (&mut self.0).sum_values()
    }
}
