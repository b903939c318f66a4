//! The public map: a safe shell over [`crate::raw`].
//!
//! - `mod.rs` (here): [`HashMap`], its constructors and its own methods;
//! - [`Pinned`] (`pinned.rs`): the handle, whose methods return `&V`;
//! - `ops.rs`: each write written once for both;
//! - `results.rs`: [`Ref`] and the `try_insert`/`compute` results;
//! - [`Entry`] (`entry.rs`): the entry API without locks;
//! - `iter.rs`: iteration borrowed, owning its pin, and by value;
//! - `traits.rs`: `Debug`, `Clone`, `Eq`, `From`, `Extend`, ... .

mod entry;
mod iter;
mod ops;
mod pinned;
mod results;
mod traits;

use equivalent::Equivalent;
use std::hash::{BuildHasher, Hash};

use crossbeam_epoch::Guard;

use crate::raw::{Entry as RawEntry, KeyRef, RawMap};

pub use entry::{Entry, OccupiedEntry, VacantEntry};
pub use iter::{Drain, IntoIter, Iter, Keys, MapIter, Values};
pub use pinned::Pinned;
pub use results::{Compute, OccupiedError, Operation, Ref};

/// The default hasher: [`ahash::RandomState`], seeded per map, which keeps an attacker
/// from choosing keys that collide (and from forcing the table to grow without bound).
///
/// ```
/// let map: splitmap::HashMap<u8, u8, splitmap::DefaultHashBuilder> =
///     splitmap::HashMap::with_hasher(splitmap::DefaultHashBuilder::new());
/// map.insert(1, 2);
/// assert_eq!(map.get_cloned(&1), Some(2));
/// ```
pub type DefaultHashBuilder = ahash::RandomState;

/// A lock-free concurrent hash map.
///
/// Share it with `&` or [`Arc`](std::sync::Arc); every method but `get_mut` and
/// `drain` takes `&self`. Each operation has std's name and meaning (see the [crate
/// documentation](crate#one-name-one-meaning)): `insert` gives back the old value,
/// `remove` the removed one. The map's own methods hand values out as [`Ref`]s, which
/// hold their own pin; a [`Pinned`] handle from [`HashMap::pin`] has the same methods
/// returning plain references, for a batch of operations under one pin.
///
/// See the [crate documentation](crate) for the consistency and progress guarantees.
///
/// # Examples
///
/// ```
/// use splitmap::HashMap;
/// use std::sync::Arc;
///
/// let map = Arc::new(HashMap::new());
/// let handles: Vec<_> = (0..4u64)
///     .map(|t| {
///         let map = Arc::clone(&map);
///         std::thread::spawn(move || {
///             for i in 0..100 {
///                 map.insert(t * 100 + i, i);
///             }
///         })
///     })
///     .collect();
/// for h in handles {
///     h.join().unwrap();
/// }
/// assert_eq!(map.len(), 400);
/// assert_eq!(map.pin().get(&250), Some(&50));
/// ```
pub struct HashMap<K, V, S = DefaultHashBuilder> {
    raw: RawMap<K, V>,
    build_hasher: S,
}

/// Mix the user's hash once so that a hasher with weak high bits (an identity hash of
/// small integers, say) still spreads over the table, whose index uses the top bits.
/// This is the 64-bit finaliser of MurmurHash3: every input bit affects every output bit.
#[inline]
pub(crate) fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl<K, V> HashMap<K, V, DefaultHashBuilder> {
    /// An empty map with a small table.
    ///
    /// ```
    /// let map: splitmap::HashMap<u32, u32> = splitmap::HashMap::new();
    /// assert!(map.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_capacity_and_hasher(8, DefaultHashBuilder::default())
    }

    /// An empty map with room for `capacity` entries before it grows; the table never
    /// shrinks below that.
    ///
    /// # Panics
    ///
    /// Panics with "capacity overflow" if the table for `capacity` entries would not fit
    /// in the address space, like `std`.
    ///
    /// ```
    /// let map: splitmap::HashMap<u32, u32> = splitmap::HashMap::with_capacity(1000);
    /// assert!(map.capacity() >= 1000);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }
}

impl<K, V, S> HashMap<K, V, S> {
    /// An empty map that hashes keys with `build_hasher`.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let map: splitmap::HashMap<u32, u32, RandomState> =
    ///     splitmap::HashMap::with_hasher(RandomState::new());
    /// map.insert(1, 2);
    /// assert_eq!(map.get_cloned(&1), Some(2));
    /// ```
    pub fn with_hasher(build_hasher: S) -> Self {
        Self::with_capacity_and_hasher(8, build_hasher)
    }

    /// An empty map with room for `capacity` entries, hashing with `build_hasher`.
    ///
    /// # Panics
    ///
    /// Panics with "capacity overflow" if the table would not fit in the address space.
    ///
    /// ```
    /// use std::hash::BuildHasherDefault;
    /// use std::collections::hash_map::DefaultHasher;
    ///
    /// let map: splitmap::HashMap<u64, u64, BuildHasherDefault<DefaultHasher>> =
    ///     splitmap::HashMap::with_capacity_and_hasher(1000, Default::default());
    /// assert!(map.capacity() >= 1000);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, build_hasher: S) -> Self {
        HashMap {
            raw: RawMap::with_capacity(capacity),
            build_hasher,
        }
    }

    /// The map's hasher.
    ///
    /// ```
    /// use std::hash::BuildHasher;
    ///
    /// let map: splitmap::HashMap<&str, u8> = splitmap::HashMap::new();
    /// // The same hash the map computes for a key (before its own mixing).
    /// let h = map.hasher().hash_one("key");
    /// assert_eq!(h, map.hasher().hash_one("key"));
    /// ```
    pub fn hasher(&self) -> &S {
        &self.build_hasher
    }

    /// The number of entries. Exact when no writer is running; otherwise an
    /// approximation of the count at some moment during the call (never negative).
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// map.insert("a", 1);
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// `true` if [`len`](Self::len) is zero.
    ///
    /// ```
    /// let map: splitmap::HashMap<u8, u8> = splitmap::HashMap::new();
    /// assert!(map.is_empty());
    /// map.insert(1, 1);
    /// assert!(!map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    /// Pin the current thread and return a handle whose methods return plain
    /// references, valid while the handle lives.
    ///
    /// While a handle lives, memory removed from the map by any thread cannot be freed:
    /// keep handles short-lived (one batch of operations), and never hold one across an
    /// `.await` or a blocking call.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// m.insert(1, "one");
    /// assert_eq!(m.get(&1), Some(&"one"));
    /// ```
    pub fn pin(&self) -> Pinned<'_, K, V, S> {
        Pinned {
            map: self,
            guard: crate::raw::reclaim::pin(),
        }
    }

    fn hash<Q: Hash + ?Sized>(&self, key: &Q) -> u64 {
        mix(self.build_hasher.hash_one(key))
    }

    /// Run `op` under a pin of its own and hand its entry out as a [`Ref`].
    fn keep_one(
        &self,
        op: impl for<'g> FnOnce(&'g RawMap<K, V>, &'g Guard) -> Option<&'g RawEntry<K, V>>,
    ) -> Option<Ref<'_, K, V>> {
        let ((), [entry]) = self.raw.keep(|raw, g| ((), [op(raw, g)]));
        entry.map(Ref::new)
    }

    /// The value for `key`, as a [`Ref`] that holds its own pin: it stays readable for
    /// as long as the `Ref` lives, whatever other threads do (a value replaced or
    /// removed meanwhile is freed only after the `Ref` is dropped). Wait-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// map.insert("k".to_string(), vec![1, 2]);
    /// if let Some(v) = map.get("k") {
    ///     assert_eq!(v.len(), 2); // `Ref<K, V>` derefs to `V`
    ///     assert_eq!(v.key(), "k");
    /// }
    /// assert!(map.get("missing").is_none());
    /// ```
    pub fn get<Q>(&self, key: &Q) -> Option<Ref<'_, K, V>>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.hash(key);
        self.keep_one(|raw, g| raw.find(hash, key, g))
    }

    /// The entry for `key`; the same as [`get`](Self::get), since a [`Ref`] carries the
    /// key too (std returns `(&K, &V)`; so does [`Pinned::get_key_value`]).
    ///
    /// ```
    /// let map = splitmap::HashMap::from([("a".to_string(), 1)]);
    /// let r = map.get_key_value("a").unwrap();
    /// assert_eq!(r.pair(), (&"a".to_string(), &1));
    /// ```
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<Ref<'_, K, V>>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.get(key)
    }

    /// A clone of the value for `key`: what to use where no pin may be held (across an
    /// `.await`, say).
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// map.insert("k".to_string(), vec![1, 2]);
    /// assert_eq!(map.get_cloned("k"), Some(vec![1, 2]));
    /// ```
    pub fn get_cloned<Q>(&self, key: &Q) -> Option<V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
        V: Clone,
    {
        self.pin().get(key).cloned()
    }

    /// `true` if the map holds `key`. Wait-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// assert!(map.contains_key(&1) && !map.contains_key(&2));
    /// ```
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.pin().contains_key(key)
    }

    /// Insert or replace; returns the previous value (std's meaning), as a [`Ref`].
    /// Lock-free. A replaced entry's key is replaced too (std keeps the old key object;
    /// the two are equal, so this matters only for keys with identity beyond `Eq`).
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert!(map.insert(1, 'a').is_none());
    /// assert_eq!(map.insert(1, 'b').map(|old| *old), Some('a'));
    /// assert_eq!(map.get_cloned(&1), Some('b'));
    /// ```
    pub fn insert(&self, key: K, value: V) -> Option<Ref<'_, K, V>> {
        let hash = self.hash(&key);
        self.keep_one(|raw, g| ops::insert(raw, hash, key, value, g).prev)
    }

    /// Insert only if the key is absent. Returns the inserted value, or the current one
    /// and the value given back. Lock-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert_eq!(map.try_insert(1, 10).map(|v| *v).ok(), Some(10));
    /// let err = map.try_insert(1, 20).unwrap_err();
    /// assert_eq!((*err.current, err.not_inserted), (10, 20));
    /// ```
    pub fn try_insert(
        &self,
        key: K,
        value: V,
    ) -> Result<Ref<'_, K, V>, OccupiedError<Ref<'_, K, V>, V>> {
        let hash = self.hash(&key);
        let ((inserted, back), [entry]) = self.raw.keep(|raw, g| {
            let (done, back) = ops::try_insert(raw, hash, key, value, g);
            let (inserted, entry) = results::tried_entry(&done);
            ((inserted, back), [entry])
        });
        results::tried(inserted, entry.map(Ref::new), back)
    }

    /// The value for `key`, inserting `value` first if the key is absent.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert_eq!(*map.get_or_insert("a", 1), 1);
    /// assert_eq!(*map.get_or_insert("a", 2), 1);
    /// ```
    pub fn get_or_insert(&self, key: K, value: V) -> Ref<'_, K, V> {
        match self.try_insert(key, value) {
            Ok(v) => v,
            Err(e) => e.current,
        }
    }

    /// The value for `key`, inserting `f()` first if the key is absent; `f` runs at
    /// most once, only if the key was absent when looked up.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert_eq!(*map.get_or_insert_with("a", || 1), 1);
    /// assert_eq!(*map.get_or_insert_with("a", || unreachable!()), 1);
    /// ```
    pub fn get_or_insert_with<F: FnOnce() -> V>(&self, key: K, f: F) -> Ref<'_, K, V> {
        if let Some(v) = self.get(&key) {
            return v;
        }
        self.get_or_insert(key, f())
    }

    /// Replace the value of `key` with `f(&old)` atomically; returns the new value, or
    /// `None` if the key is absent. `f` may run more than once if other threads race on
    /// the key; only its last result is stored. Lock-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// map.insert("hits", 0u64);
    /// assert_eq!(map.update("hits", |n| n + 1).map(|n| *n), Some(1));
    /// assert!(map.update("misses", |n| n + 1).is_none());
    /// ```
    pub fn update<Q, F>(&self, key: &Q, f: F) -> Option<Ref<'_, K, V>>
    where
        K: Clone,
        Q: Hash + Equivalent<K> + ?Sized,
        F: FnMut(&V) -> V,
    {
        let hash = self.hash(key);
        self.keep_one(|raw, g| ops::update(raw, hash, key, f, g))
    }

    /// Insert `value` if the key is absent, else replace the value with `f(&old)`,
    /// atomically (an "upsert"); returns the new value. `f` may run more than once.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert_eq!(*map.upsert("a", 1, |n| n + 1), 1);
    /// assert_eq!(*map.upsert("a", 1, |n| n + 1), 2);
    /// ```
    pub fn upsert<F: FnMut(&V) -> V>(&self, key: K, value: V, f: F) -> Ref<'_, K, V> {
        let hash = self.hash(&key);
        self.keep_one(|raw, g| Some(ops::upsert(raw, hash, key, value, f, g)))
            .expect("upsert always installs a value")
    }

    /// Decide in one closure whether to insert, update, remove or leave `key`, and
    /// apply the decision atomically; see [`Pinned::compute`] for when the closure runs
    /// again. Lock-free.
    ///
    /// ```
    /// use splitmap::{Compute, Operation};
    /// let map = splitmap::HashMap::from([("n", 1)]);
    /// let out = map.compute("n", |cur| match cur {
    ///     Some(&n) => Operation::Insert(n + 1),
    ///     None => Operation::Abort,
    /// });
    /// assert!(matches!(out, Compute::Updated { old, new } if (*old, *new) == (1, 2)));
    /// ```
    pub fn compute<F>(&self, key: K, mut f: F) -> Compute<Ref<'_, K, V>>
    where
        F: FnMut(Option<&V>) -> Operation<V>,
    {
        let hash = self.hash(&key);
        let (outcome, [prev, new]) = self.raw.keep(|raw, g| {
            let done = raw.modify(hash, KeyRef::owned(key), g, |cur, _| {
                pinned::compute_decision(&mut f, cur)
            });
            (done.outcome, [done.prev, done.new])
        });
        Compute::from_parts(outcome, prev.map(Ref::new), new.map(Ref::new))
    }

    /// Remove `key`; returns the value it had (std's meaning), as a [`Ref`] (which
    /// carries the key too: std's `remove_entry`). Lock-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, "x".to_string())]);
    /// let old: Option<String> = map.remove(&1).map(|r| r.clone());
    /// assert_eq!(old.as_deref(), Some("x"));
    /// assert!(map.remove(&1).is_none());
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Option<Ref<'_, K, V>>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.remove_if(key, |_, _| true)
    }

    /// Remove `key` if `f(key, value)` returns `true` for its current value,
    /// atomically; returns the removed value.
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, 5)]);
    /// assert!(map.remove_if(&1, |_, v| *v > 9).is_none());
    /// assert_eq!(map.remove_if(&1, |_, v| *v == 5).map(|v| *v), Some(5));
    /// ```
    pub fn remove_if<Q, F>(&self, key: &Q, f: F) -> Option<Ref<'_, K, V>>
    where
        Q: Hash + Equivalent<K> + ?Sized,
        F: FnMut(&K, &V) -> bool,
    {
        let hash = self.hash(key);
        self.keep_one(|raw, g| ops::remove_if(raw, hash, key, f, g))
    }

    /// Iterate over the entries as [`Ref`]s, under a pin the iterator holds, so a
    /// function can return it. Weakly consistent, like [`Pinned::iter`].
    ///
    /// ```
    /// let map: splitmap::HashMap<u32, u32> = (1..=4).map(|i| (i, i * 10)).collect();
    /// assert_eq!(map.iter().map(|e| *e).sum::<u32>(), 100);
    /// ```
    pub fn iter(&self) -> MapIter<'_, K, V> {
        MapIter {
            raw: self.raw.iter_kept(),
        }
    }

    /// How many entries the current table holds before it grows (std's meaning: half
    /// its home slots, see [`slots`](Self::slots)). With writers running, a snapshot.
    ///
    /// ```
    /// let map: splitmap::HashMap<u8, u8> = splitmap::HashMap::with_capacity(100);
    /// assert!(map.capacity() >= 100);
    /// assert_eq!(map.capacity(), map.slots() / 2);
    /// ```
    pub fn capacity(&self) -> usize {
        self.slots() / 2
    }

    /// The size of the current table in home slots: a power of two, twice
    /// [`capacity`](Self::capacity). For tests and tuning; a snapshot while writers run.
    ///
    /// ```
    /// let map: splitmap::HashMap<u8, u8> = splitmap::HashMap::with_capacity(100);
    /// assert!(map.slots().is_power_of_two());
    /// ```
    pub fn slots(&self) -> usize {
        self.raw.capacity(&self.pin().guard)
    }

    /// Make room for at least `additional` entries more than the map holds now, so that
    /// inserting them does not migrate the table (std's `reserve`). If the table is too
    /// small, this call migrates it to the size needed, copying every entry itself
    /// (concurrent writers help, none waits). Unlike `with_capacity`, the room is not
    /// kept forever: removes that leave the table an eighth full shrink it, as they
    /// would any table, and a concurrent shrink can undo a reserve that raced it.
    ///
    /// # Panics
    ///
    /// With "capacity overflow" if the new capacity overflows `usize`, as std does.
    ///
    /// ```
    /// let map: splitmap::HashMap<u32, u32> = splitmap::HashMap::new();
    /// map.reserve(1000);
    /// assert!(map.capacity() >= 1000);
    /// let slots = map.slots();
    /// for i in 0..1000 {
    ///     map.insert(i, i);
    /// }
    /// assert_eq!(map.slots(), slots); // no migration on the way
    /// ```
    pub fn reserve(&self, additional: usize) {
        let entries = self
            .len()
            .checked_add(additional)
            .unwrap_or_else(|| panic!("splitmap: capacity overflow"));
        self.raw.reserve(entries, &self.pin().guard);
    }

    /// Shrink the table to the size the live count calls for, but not below the
    /// capacity the map was created with (std's `shrink_to_fit`; a table shrinks by
    /// itself when removes leave it an eighth full, so this is rarely needed).
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// for i in 0..1000 {
    ///     map.insert(i, i);
    /// }
    /// map.retain(|k, _| *k < 10);
    /// map.shrink_to_fit();
    /// assert!(map.capacity() < 1000);
    /// assert_eq!(map.len(), 10);
    /// ```
    pub fn shrink_to_fit(&self) {
        self.raw.shrink_to_fit(&self.pin().guard);
    }

    /// Remove every entry. See [`Pinned::clear`].
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// map.clear();
    /// assert!(map.is_empty());
    /// ```
    pub fn clear(&self) {
        self.pin().clear()
    }

    /// Keep only the entries for which `f` returns `true`. See [`Pinned::retain`].
    ///
    /// ```
    /// let map: splitmap::HashMap<i32, i32> = (0..10).map(|i| (i, i)).collect();
    /// map.retain(|_, v| v % 2 == 0);
    /// assert_eq!(map.len(), 5);
    /// ```
    pub fn retain<F: FnMut(&K, &V) -> bool>(&self, f: F) {
        self.pin().retain(f)
    }

    /// The value for `key`, mutably: with `&mut self` no other thread can reach the
    /// map, so this is std's `get_mut` (for setup and teardown, or a map behind
    /// `&mut`).
    ///
    /// ```
    /// let mut map = splitmap::HashMap::from([("a", vec![1])]);
    /// map.get_mut("a").unwrap().push(2);
    /// assert_eq!(map.get_cloned("a"), Some(vec![1, 2]));
    /// ```
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.hash(key);
        self.raw.find_mut(hash, key)
    }

    /// Move every entry out, leaving the map empty (std's `drain`, eagerly: the
    /// entries are taken when it is called).
    ///
    /// ```
    /// let mut map = splitmap::HashMap::from([(1, "a".to_string())]);
    /// let taken: Vec<(i32, String)> = map.drain().collect();
    /// assert_eq!(taken, [(1, "a".to_string())]);
    /// assert!(map.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<K, V> {
        IntoIter {
            inner: self.raw.take_all().into_iter(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mix;

    #[test]
    fn mix_spreads_small_integers_over_top_bits() {
        // An identity hash of 0..1024 has all-zero top bits; after mixing, the top 4
        // bits must take every one of their 16 values.
        let mut seen = [false; 16];
        for i in 0..1024u64 {
            seen[(mix(i) >> 60) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}
