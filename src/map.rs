//! The public map: a safe shell over [`crate::raw`].

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use crossbeam_epoch::Guard;

use crate::raw::{Decision, Entry, KeyRef, Outcome, RawIter, RawMap};

/// The default hasher: [`ahash::RandomState`], seeded per map, which keeps an attacker
/// from choosing keys that collide (and from forcing the table to grow without bound).
pub type DefaultHashBuilder = ahash::RandomState;

/// A lock-free concurrent hash map.
///
/// Share it with `&` or [`Arc`](std::sync::Arc); every method takes `&self`. Most
/// operations go through a [`Pinned`] handle from [`HashMap::pin`], whose methods
/// return references that live as long as the handle. Methods on the map itself pin
/// internally and return owned values, for code that cannot hold a handle (an epoch
/// guard must not be held across `.await`).
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

/// What a [`Pinned::compute`] closure decides for its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation<V> {
    /// Insert this value, or replace the current one with it.
    Insert(V),
    /// Remove the key if it is present.
    Remove,
    /// Leave the map unchanged.
    Abort,
}

/// What [`Pinned::compute`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compute<'a, V> {
    /// The key was absent and this value was inserted.
    Inserted(&'a V),
    /// The key's value `old` was replaced by `new`.
    Updated {
        /// The value before the update.
        old: &'a V,
        /// The value now in the map.
        new: &'a V,
    },
    /// The key was removed; this was its value.
    Removed(&'a V),
    /// The closure chose [`Operation::Abort`] (or `Remove` on an absent key); this is the
    /// value it was shown.
    Unchanged(Option<&'a V>),
}

/// The error of [`Pinned::try_insert`]: the key was present.
#[derive(Debug, PartialEq, Eq)]
pub struct OccupiedError<'a, V> {
    /// The value already in the map.
    pub current: &'a V,
    /// The value that was not inserted, given back.
    pub not_inserted: V,
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
    pub fn with_capacity_and_hasher(capacity: usize, build_hasher: S) -> Self {
        HashMap {
            raw: RawMap::with_capacity(capacity),
            build_hasher,
        }
    }

    /// The map's hasher.
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
    /// Pin the current thread and return a handle for operations whose results borrow
    /// from the map.
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

    /// The entry for `key`, as a [`Ref`] that holds its own pin: the value stays
    /// readable for as long as the `Ref` lives, whatever other threads do (a value
    /// replaced or removed meanwhile is freed only after the `Ref` is dropped).
    ///
    /// Like a [`Pinned`] handle, a `Ref` delays the freeing of everything removed from
    /// any map while it lives: drop it soon, and never hold it across `.await` (it is
    /// not `Send`, so a multi-threaded executor refuses such a future).
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
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hash(key);
        let raw = &self.raw;
        // SAFETY: the entry comes from `self.raw` (borrowed for the `Ref`'s lifetime),
        // loaded by `find` under the guard `keep` passes in.
        let inner = unsafe {
            crate::raw::Guarded::keep(crate::raw::reclaim::pin(), |guard| {
                raw.find(hash, key, guard)
            })
        }?;
        Some(Ref { inner })
    }

    /// A clone of the value for `key`.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// map.insert("k".to_string(), vec![1, 2]);
    /// assert_eq!(map.get_cloned("k"), Some(vec![1, 2]));
    /// ```
    pub fn get_cloned<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        V: Clone,
    {
        self.pin().get(key).cloned()
    }

    /// `true` if the map holds `key`.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.pin().contains_key(key)
    }

    /// Insert or replace; returns `true` if the key was not present.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert!(map.insert(1, 1));
    /// assert!(!map.insert(1, 2));
    /// assert_eq!(map.get_cloned(&1), Some(2));
    /// ```
    pub fn insert(&self, key: K, value: V) -> bool {
        self.pin().insert(key, value).is_none()
    }

    /// Remove `key`; returns `true` if it was present.
    pub fn remove<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.pin().remove(key).is_some()
    }

    /// Replace the value of `key` with `f(&old)` atomically; returns `true` if the key
    /// was present. `f` may run more than once if other threads race on the key.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// map.insert("hits", 0u64);
    /// assert!(map.update("hits", |n| n + 1));
    /// assert_eq!(map.get_cloned("hits"), Some(1));
    /// ```
    pub fn update<Q, F>(&self, key: &Q, f: F) -> bool
    where
        K: Borrow<Q> + Clone,
        Q: Hash + Eq + ?Sized,
        F: FnMut(&V) -> V,
    {
        self.pin().update(key, f).is_some()
    }

    /// Insert `value` if the key is absent, else replace the value with `f(&old)`,
    /// atomically (an "upsert", e.g. a counter). Returns a clone of the new value.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert_eq!(map.upsert("a", 1, |n| n + 1), 1);
    /// assert_eq!(map.upsert("a", 1, |n| n + 1), 2);
    /// ```
    pub fn upsert<F>(&self, key: K, value: V, mut f: F) -> V
    where
        V: Clone,
        F: FnMut(&V) -> V,
    {
        let hash = self.hash(&key);
        let m = self.pin();
        // `modify` hands back the value of a decision that did not take effect (a lost
        // CAS, or a migration started first). Keep track of whether that value is the
        // caller's `value` (reuse it) or an `f(old)` result (drop it and recompute).
        let mut value = Some(value);
        let mut last_was_value = false;
        let done = self
            .raw
            .modify(hash, KeyRef::Owned(Some(key)), &m.guard, |cur, back| {
                if let Some(back) = back {
                    if last_was_value {
                        value = Some(back);
                    }
                }
                last_was_value = cur.is_none();
                let v = match cur {
                    Some(e) => f(&e.value),
                    None => value
                        .take()
                        .expect("the value is handed back whenever an insert retries"),
                };
                Decision::Insert {
                    key: None,
                    value: v,
                }
            });
        done.new
            .expect("upsert always installs a value")
            .value
            .clone()
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

    /// Remove every entry. See [`Pinned::clear`].
    pub fn clear(&self) {
        self.pin().clear()
    }

    /// Keep only the entries for which `f` returns `true`. See [`Pinned::retain`].
    pub fn retain<F: FnMut(&K, &V) -> bool>(&self, f: F) {
        self.pin().retain(f)
    }
}

/// A reference to one entry of a [`HashMap`] that holds its own epoch pin, from
/// [`HashMap::get`]. Derefs to the value.
///
/// ```
/// let map = splitmap::HashMap::from([(1, "one")]);
/// let r: splitmap::Ref<'_, i32, &str> = map.get(&1).unwrap();
/// assert_eq!((*r.key(), *r.value()), (1, "one"));
/// assert_eq!(*r, "one");
/// ```
pub struct Ref<'m, K, V> {
    inner: crate::raw::Guarded<'m, K, V>,
}

impl<K, V> Ref<'_, K, V> {
    /// The entry's key.
    ///
    /// ```
    /// let map = splitmap::HashMap::from([("a".to_string(), 1)]);
    /// assert_eq!(map.get("a").unwrap().key(), "a");
    /// ```
    pub fn key(&self) -> &K {
        &self.inner.entry().key
    }

    /// The entry's value (also reached through `Deref`).
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, 10)]);
    /// assert_eq!(*map.get(&1).unwrap().value(), 10);
    /// ```
    pub fn value(&self) -> &V {
        &self.inner.entry().value
    }
}

impl<K, V> std::ops::Deref for Ref<'_, K, V> {
    type Target = V;
    fn deref(&self) -> &V {
        self.value()
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Ref<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ref")
            .field("key", self.key())
            .field("value", self.value())
            .finish()
    }
}

/// A handle on a [`HashMap`] that holds an epoch guard.
///
/// References returned by its methods stay valid until the handle is dropped, even if
/// another thread removes the entry meanwhile. Memory the map frees is held back while
/// any handle is alive, so keep handles short-lived. The handle is `!Send`.
pub struct Pinned<'m, K, V, S = DefaultHashBuilder> {
    map: &'m HashMap<K, V, S>,
    guard: Guard,
}

impl<K, V, S> Pinned<'_, K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    /// The value for `key`. Wait-free; writes no shared memory.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// map.insert("one".to_string(), 1);
    /// assert_eq!(map.pin().get("one"), Some(&1));
    /// assert_eq!(map.pin().get("two"), None);
    /// ```
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// The key and value stored for `key`. Wait-free.
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.map.hash(key);
        self.map
            .raw
            .find(hash, key, &self.guard)
            .map(|e| (&e.key, &e.value))
    }

    /// `true` if the map holds `key`. Wait-free.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get_key_value(key).is_some()
    }

    /// Insert or replace; returns the previous value. Lock-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.insert(1, 'a'), None);
    /// assert_eq!(m.insert(1, 'b'), Some(&'a'));
    /// ```
    pub fn insert(&self, key: K, value: V) -> Option<&V> {
        let hash = self.map.hash(&key);
        let mut value = Some(value);
        let done = self
            .map
            .raw
            .modify(hash, KeyRef::Owned(Some(key)), &self.guard, |_, back| {
                Decision::Insert {
                    key: None,
                    value: back
                        .or_else(|| value.take())
                        .expect("value is handed back on every retry"),
                }
            });
        done.prev.map(|e| &e.value)
    }

    /// Insert only if the key is absent. Returns the inserted value, or the current one
    /// and the value given back. Lock-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.try_insert(1, 10), Ok(&10));
    /// let err = m.try_insert(1, 20).unwrap_err();
    /// assert_eq!((err.current, err.not_inserted), (&10, 20));
    /// ```
    pub fn try_insert(&self, key: K, value: V) -> Result<&V, OccupiedError<'_, V>> {
        let hash = self.map.hash(&key);
        let mut value = Some(value);
        let done = self
            .map
            .raw
            .modify(hash, KeyRef::Owned(Some(key)), &self.guard, |cur, back| {
                let v = back
                    .or_else(|| value.take())
                    .expect("value is handed back on every retry");
                if cur.is_some() {
                    value = Some(v);
                    Decision::Keep
                } else {
                    Decision::Insert {
                        key: None,
                        value: v,
                    }
                }
            });
        match done.outcome {
            Outcome::Inserted => Ok(&done.new.expect("inserted entry").value),
            _ => Err(OccupiedError {
                current: &done.prev.expect("a kept key is present").value,
                not_inserted: value.expect("value was given back"),
            }),
        }
    }

    /// The value for `key`, inserting `value` first if the key is absent.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.get_or_insert("a", 1), &1);
    /// assert_eq!(m.get_or_insert("a", 2), &1);
    /// ```
    pub fn get_or_insert(&self, key: K, value: V) -> &V {
        match self.try_insert(key, value) {
            Ok(v) => v,
            Err(e) => e.current,
        }
    }

    /// The value for `key`, inserting `f()` first if the key is absent. `f` runs at
    /// most once, and only if the key was absent when looked up; if another thread
    /// inserts the key first, the value `f` made is dropped and theirs is returned.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.get_or_insert_with("a", || 1), &1);
    /// assert_eq!(m.get_or_insert_with("a", || unreachable!()), &1);
    /// ```
    pub fn get_or_insert_with<F: FnOnce() -> V>(&self, key: K, f: F) -> &V {
        if let Some(v) = self.get(&key) {
            return v;
        }
        self.get_or_insert(key, f())
    }

    /// Replace the value of `key` with `f(&old)` atomically; returns the new value, or
    /// `None` if the key is absent. `f` may run more than once under contention; only
    /// the value of its last run is stored. Lock-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// m.insert("n", 1);
    /// assert_eq!(m.update("n", |n| n * 10), Some(&10));
    /// assert_eq!(m.update("missing", |n| n * 10), None);
    /// ```
    pub fn update<Q, F>(&self, key: &Q, mut f: F) -> Option<&V>
    where
        K: Borrow<Q> + Clone,
        Q: Hash + Eq + ?Sized,
        F: FnMut(&V) -> V,
    {
        let hash = self.map.hash(key);
        let done = self.map.raw.modify(
            hash,
            KeyRef::Borrowed(key),
            &self.guard,
            |cur, _| match cur {
                Some(e) => Decision::Insert {
                    key: Some(e.key.clone()),
                    value: f(&e.value),
                },
                None => Decision::Keep,
            },
        );
        done.new.map(|e| &e.value)
    }

    /// Decide in one closure whether to insert, update, remove or leave `key`, and apply
    /// the decision atomically. The closure sees the current value and may run more
    /// than once: again whenever its decision lost a race with another writer, or an
    /// insert had to wait for a resize to start (then it is called again, usually with
    /// the same `None`). So it must be able to produce its value more than once (do not
    /// `Option::take` a captured value unconditionally). Lock-free.
    ///
    /// ```
    /// use splitmap::{Compute, Operation};
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// // Count down, removing the key when it reaches zero.
    /// m.insert("n", 2);
    /// let step = |cur: Option<&i32>| match cur {
    ///     Some(1) => Operation::Remove,
    ///     Some(n) => Operation::Insert(n - 1),
    ///     None => Operation::Abort,
    /// };
    /// assert_eq!(m.compute("n", step), Compute::Updated { old: &2, new: &1 });
    /// assert_eq!(m.compute("n", step), Compute::Removed(&1));
    /// assert_eq!(m.compute("n", step), Compute::Unchanged(None));
    /// ```
    pub fn compute<F>(&self, key: K, mut f: F) -> Compute<'_, V>
    where
        F: FnMut(Option<&V>) -> Operation<V>,
    {
        let hash = self.map.hash(&key);
        let done = self.map.raw.modify(
            hash,
            KeyRef::Owned(Some(key)),
            &self.guard,
            |cur, _| match f(cur.map(|e| &e.value)) {
                Operation::Insert(value) => Decision::Insert { key: None, value },
                Operation::Remove => Decision::Remove,
                Operation::Abort => Decision::Keep,
            },
        );
        let prev = done.prev.map(|e| &e.value);
        match done.outcome {
            Outcome::Inserted => Compute::Inserted(&done.new.expect("inserted entry").value),
            Outcome::Replaced => Compute::Updated {
                old: prev.expect("replaced entry"),
                new: &done.new.expect("new entry").value,
            },
            Outcome::Removed => Compute::Removed(prev.expect("removed entry")),
            Outcome::Kept => Compute::Unchanged(prev),
        }
    }

    /// Remove `key`; returns the value it had. Lock-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// m.insert(1, "x");
    /// assert_eq!(m.remove(&1), Some(&"x"));
    /// assert_eq!(m.remove(&1), None);
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.remove_if(key, |_, _| true)
    }

    /// Remove `key` if `f(key, value)` returns `true` for its current value, atomically.
    /// Returns the removed value.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// m.insert(1, 5);
    /// assert_eq!(m.remove_if(&1, |_, v| *v > 9), None);
    /// assert_eq!(m.remove_if(&1, |_, v| *v == 5), Some(&5));
    /// ```
    pub fn remove_if<Q, F>(&self, key: &Q, mut f: F) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        F: FnMut(&K, &V) -> bool,
    {
        let hash = self.map.hash(key);
        let done = self.map.raw.modify(
            hash,
            KeyRef::Borrowed(key),
            &self.guard,
            |cur, _| match cur {
                Some(e) if f(&e.key, &e.value) => Decision::Remove,
                _ => Decision::Keep,
            },
        );
        match done.outcome {
            Outcome::Removed => done.prev.map(|e| &e.value),
            _ => None,
        }
    }

    /// Keep only the entries for which `f` returns `true`. Each entry seen is removed
    /// only if it is still the current one for its key. Shrinks the table if it ends up
    /// sparse.
    ///
    /// ```
    /// let map: splitmap::HashMap<i32, i32> = (0..10).map(|i| (i, i)).collect();
    /// map.pin().retain(|_, v| v % 2 == 0);
    /// assert_eq!(map.len(), 5);
    /// ```
    pub fn retain<F: FnMut(&K, &V) -> bool>(&self, mut f: F) {
        for e in self.map.raw.iter(&self.guard) {
            if !f(&e.key, &e.value) {
                let target: *const Entry<K, V> = e;
                self.map.raw.modify(
                    e.hash,
                    KeyRef::<K, K>::Borrowed(&e.key),
                    &self.guard,
                    |cur, _| match cur {
                        Some(c) if std::ptr::eq(c, target) => Decision::Remove,
                        _ => Decision::Keep,
                    },
                );
            }
        }
        self.map.raw.shrink_to_fit(&self.guard);
    }

    /// Remove every entry that is present for the whole call (entries inserted
    /// concurrently may remain), then shrink the table to its minimum size.
    ///
    /// ```
    /// let map: splitmap::HashMap<i32, i32> = (0..100).map(|i| (i, i)).collect();
    /// map.pin().clear();
    /// assert!(map.is_empty());
    /// ```
    pub fn clear(&self) {
        self.map.raw.clear(&self.guard);
    }

    /// Iterate over the entries. Weakly consistent: every key present for the whole
    /// iteration is yielded, each key at most once, with a value it had at some point
    /// during the iteration; keys inserted or removed meanwhile may or may not appear.
    ///
    /// ```
    /// let map: splitmap::HashMap<i32, i32> = (0..5).map(|i| (i, i * i)).collect();
    /// let mut pairs: Vec<_> = map.pin().iter().map(|(k, v)| (*k, *v)).collect();
    /// pairs.sort();
    /// assert_eq!(pairs, vec![(0, 0), (1, 1), (2, 4), (3, 9), (4, 16)]);
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter {
            raw: self.map.raw.iter(&self.guard),
        }
    }

    /// Iterate over the keys (weakly consistent, like [`iter`](Self::iter)).
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys { inner: self.iter() }
    }

    /// Iterate over the values (weakly consistent, like [`iter`](Self::iter)).
    pub fn values(&self) -> Values<'_, K, V> {
        Values { inner: self.iter() }
    }

    /// The number of entries; see [`HashMap::len`].
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// `true` if [`len`](Self::len) is zero.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Iterator over `(&K, &V)`, from [`Pinned::iter`].
pub struct Iter<'a, K, V> {
    raw: RawIter<'a, K, V>,
}

impl<'a, K: Eq, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        self.raw.next().map(|e| (&e.key, &e.value))
    }
}

/// Iterator over keys, from [`Pinned::keys`].
pub struct Keys<'a, K, V> {
    inner: Iter<'a, K, V>,
}

impl<'a, K: Eq, V> Iterator for Keys<'a, K, V> {
    type Item = &'a K;
    fn next(&mut self) -> Option<&'a K> {
        self.inner.next().map(|(k, _)| k)
    }
}

/// Iterator over values, from [`Pinned::values`].
pub struct Values<'a, K, V> {
    inner: Iter<'a, K, V>,
}

impl<'a, K: Eq, V> Iterator for Values<'a, K, V> {
    type Item = &'a V;
    fn next(&mut self) -> Option<&'a V> {
        self.inner.next().map(|(_, v)| v)
    }
}

macro_rules! opaque_debug {
    ($($name:ident),*) => {$(
        impl<K, V> fmt::Debug for $name<'_, K, V> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    )*};
}
opaque_debug!(Iter, Keys, Values);

impl<K, V, S> fmt::Debug for Pinned<'_, K, V, S>
where
    K: Hash + Eq + Send + 'static + fmt::Debug,
    V: Send + 'static + fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S> fmt::Debug for HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static + fmt::Debug,
    V: Send + 'static + fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pin().fmt(f)
    }
}

impl<K, V, S: Default> Default for HashMap<K, V, S> {
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K, V, S> Clone for HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static + Clone,
    V: Send + 'static + Clone,
    S: BuildHasher + Clone,
{
    /// A snapshot copy: weakly consistent with writers running, like [`Pinned::iter`].
    fn clone(&self) -> Self {
        let copy =
            Self::with_capacity_and_hasher(self.raw.min_capacity() / 2, self.build_hasher.clone());
        {
            let src = self.pin();
            let dst = copy.pin();
            for (k, v) in src.iter() {
                dst.insert(k.clone(), v.clone());
            }
        }
        copy
    }
}

impl<K, V, S> FromIterator<(K, V)> for HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut map = Self::with_capacity_and_hasher(iter.size_hint().0, S::default());
        map.extend(iter);
        map
    }
}

impl<K, V, S> Extend<(K, V)> for HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        (&*self).extend(iter)
    }
}

impl<K, V, S> Extend<(K, V)> for &HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        let m = self.pin();
        for (k, v) in iter {
            m.insert(k, v);
        }
    }
}

impl<K, V, S> PartialEq for HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static + PartialEq,
    S: BuildHasher,
{
    /// Equal lengths and every entry of `self` in `other` with an equal value. With
    /// writers running the two maps are read at different moments, so the answer is
    /// only meaningful for maps nobody is changing.
    ///
    /// ```
    /// let a: splitmap::HashMap<u8, u8> = [(1, 10), (2, 20)].into();
    /// let b: splitmap::HashMap<u8, u8> = [(2, 20), (1, 10)].into();
    /// assert_eq!(a, b);
    /// b.insert(2, 21);
    /// assert_ne!(a, b);
    /// ```
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.pin(), other.pin());
        a.len() == b.len() && a.iter().all(|(k, v)| b.get(k) == Some(v))
    }
}

impl<K, V, S> Eq for HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static + Eq,
    S: BuildHasher,
{
}

impl<K, V, const N: usize> From<[(K, V); N]> for HashMap<K, V, DefaultHashBuilder>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
{
    /// ```
    /// let map = splitmap::HashMap::from([("a", 1), ("b", 2)]);
    /// assert_eq!(map.get_cloned("b"), Some(2));
    /// ```
    fn from(entries: [(K, V); N]) -> Self {
        entries.into_iter().collect()
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
