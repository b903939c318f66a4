//! The maps under test, one file each: how to build one (empty, with the shared hasher,
//! `u64` values) and how each benchmark operation is spelled for it.
//!
//! A bench reaches a map in one of two ways, and chooses per map:
//! - per call, through `&Map` (`&mut` for std's unlocked map): every operation pins or locks
//!   on its own;
//! - through a guard held across many operations (`WithGuard`), for the maps that have one.
//!
//! Both ways implement `MapOps`, so each bench's own adapter (bustle's `Collection` in
//! throughput.rs, `StMap` in single_thread.rs) is written once over `MapOps`, not once per
//! map.

use std::hash::Hash;

// The macro is defined below and used by the map files declared here.

pub(crate) mod dashmap;
pub(crate) mod flurry;
pub(crate) mod papaya;
pub(crate) mod scc;
pub(crate) mod splitmap;
pub(crate) mod std_hash_map;
pub(crate) mod wordmap;

pub(crate) use self::dashmap::Dash;
pub(crate) use self::flurry::Flurry;
pub(crate) use self::papaya::Papaya;
pub(crate) use self::scc::Scc;
pub(crate) use self::splitmap::Split;
pub(crate) use self::std_hash_map::{MutexStd, RwLockStd, StdMap};
pub(crate) use self::wordmap::Words;

/// What every map needs of a key (flurry needs the most: `Ord` for its tree bins, and
/// `Send + Sync + 'static` for its deferred frees).
pub(crate) trait MapKey: Hash + Eq + Clone + Ord + Send + Sync + 'static {}

impl<K: Hash + Eq + Clone + Ord + Send + Sync + 'static> MapKey for K {}

/// A map under test.
pub(crate) trait PeerMap {
    /// Build empty with the shared hasher; `cap == 0` means the map's default (small) size.
    fn create(cap: usize) -> Self;
}

/// One benchmark operation at a time. Each returns whether the key was there (or new), so
/// callers can count the results and the compiler cannot drop the work.
pub(crate) trait MapOps<K> {
    /// `true` if `key` is present.
    fn contains(&mut self, key: &K) -> bool;
    /// A copy of the value of `key`.
    fn value(&mut self, key: &K) -> Option<u64>;
    /// Insert or replace; `true` if `key` was new.
    fn insert_or_replace(&mut self, key: K, value: u64) -> bool;
    /// Insert a key the caller expects to be absent (bustle's inserts); `true` if it was.
    /// Most maps have one insert, which replaces; scc overrides this with its own insert,
    /// which refuses an existing key.
    fn insert_new(&mut self, key: K, value: u64) -> bool {
        self.insert_or_replace(key, value)
    }
    /// Remove `key`; `true` if it was present.
    fn delete(&mut self, key: &K) -> bool;
    /// Add one to the value of `key`; `true` if it was present.
    fn increment(&mut self, key: &K) -> bool;
    /// The sum of all values, or `None` if this way of reaching the map has no iteration
    /// of its own.
    fn sum_values(&mut self) -> Option<u64>;
}

/// `MapOps` per call for a map whose own `pin()` returns a guard that implements
/// `MapOps`: every operation takes a fresh pin (flurry, papaya).
macro_rules! per_call_through_pin {
    ($map:ty) => {
        /// A pin per operation.
        impl<K: MapKey> MapOps<K> for &$map {
            fn contains(&mut self, key: &K) -> bool {
                self.pin().contains(key)
            }
            fn value(&mut self, key: &K) -> Option<u64> {
                self.pin().value(key)
            }
            fn insert_or_replace(&mut self, key: K, value: u64) -> bool {
                self.pin().insert_or_replace(key, value)
            }
            fn delete(&mut self, key: &K) -> bool {
                self.pin().delete(key)
            }
            fn increment(&mut self, key: &K) -> bool {
                self.pin().increment(key)
            }
            fn sum_values(&mut self) -> Option<u64> {
                self.pin().sum_values()
            }
        }
    };
}
pub(crate) use per_call_through_pin;

/// A map with a guard (an epoch pin) that can be held across many operations, so that they
/// pay for pinning once.
pub(crate) trait WithGuard<K> {
    fn guard(&self) -> impl MapOps<K> + '_;
}
