//! [`Pinned`]: a handle that holds a pin, whose methods return `&V` for as long as it
//! lives.

use equivalent::Equivalent;
use std::hash::{BuildHasher, Hash};

use crossbeam_epoch::Guard;

use super::iter::{Iter, Keys, Values};
use super::results::{tried, tried_entry, Compute, OccupiedError, Operation};
use super::{ops, Entry, HashMap};
use crate::raw::{Decision, Entry as RawEntry, KeyRef};

/// A handle on a [`HashMap`] that holds an epoch guard.
///
/// Its methods have the names and meanings of the map's own (see the [crate
/// documentation](crate#one-name-one-meaning)) and return plain references where the
/// map returns [`Ref`](crate::Ref)s; those references stay valid until the handle is
/// dropped, even if another thread removes the entry meanwhile. Memory the map frees is
/// held back while any handle is alive, so keep handles short-lived, and drop one
/// before taking the next: a pin taken while another is alive on the same thread nests
/// inside it and keeps the older epoch, so `h = map.pin()` in a loop would never
/// unpin. The handle is `!Send`.
///
/// ```
/// let map = splitmap::HashMap::new();
/// let m = map.pin();
/// m.insert("a", 1);
/// let a: &i32 = m.get("a").unwrap();
/// map.insert("a", 2); // `a` still reads the value it was given
/// assert_eq!((*a, m.get("a")), (1, Some(&2)));
/// ```
pub struct Pinned<'m, K, V, S = super::DefaultHashBuilder> {
    pub(super) map: &'m HashMap<K, V, S>,
    pub(super) guard: Guard,
}

impl<'m, K, V, S> Pinned<'m, K, V, S>
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
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// The key and value stored for `key`. Wait-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::from([("a".to_string(), 1)]);
    /// assert_eq!(map.pin().get_key_value("a"), Some((&"a".to_string(), &1)));
    /// ```
    pub fn get_key_value<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.map.hash(key);
        self.map
            .raw
            .find(hash, key, &self.guard)
            .map(|e| (&e.key, &e.value))
    }

    /// `true` if the map holds `key`. Wait-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// assert!(map.pin().contains_key(&1));
    /// ```
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.get_key_value(key).is_some()
    }

    /// Insert or replace; returns the previous value. Lock-free. Like every write here,
    /// a replaced entry's key is replaced too (std keeps the old key object; the two are
    /// equal, so this matters only for keys with identity beyond `Eq`).
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.insert(1, 'a'), None);
    /// assert_eq!(m.insert(1, 'b'), Some(&'a'));
    /// ```
    pub fn insert(&self, key: K, value: V) -> Option<&V> {
        let hash = self.map.hash(&key);
        let done = ops::insert(&self.map.raw, hash, key, value, &self.guard);
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
    pub fn try_insert(&self, key: K, value: V) -> Result<&V, OccupiedError<&V, V>> {
        let hash = self.map.hash(&key);
        let (done, back) = ops::try_insert(&self.map.raw, hash, key, value, &self.guard);
        let (inserted, entry) = tried_entry(&done);
        tried(inserted, entry.map(|e| &e.value), back)
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
    pub fn update<Q, F>(&self, key: &Q, f: F) -> Option<&V>
    where
        K: Clone,
        Q: Hash + Equivalent<K> + ?Sized,
        F: FnMut(&V) -> V,
    {
        let hash = self.map.hash(key);
        ops::update(&self.map.raw, hash, key, f, &self.guard).map(|e| &e.value)
    }

    /// Insert `value` if the key is absent, else replace the value with `f(&old)`,
    /// atomically; returns the new value. `f` may run more than once under contention.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.upsert("a", 1, |n| n + 1), &1);
    /// assert_eq!(m.upsert("a", 1, |n| n + 1), &2);
    /// ```
    pub fn upsert<F: FnMut(&V) -> V>(&self, key: K, value: V, f: F) -> &V {
        let hash = self.map.hash(&key);
        &ops::upsert(&self.map.raw, hash, key, value, f, &self.guard).value
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
    pub fn compute<F>(&self, key: K, mut f: F) -> Compute<&V>
    where
        F: FnMut(Option<&V>) -> Operation<V>,
    {
        let hash = self.map.hash(&key);
        let done = self
            .map
            .raw
            .modify(hash, KeyRef::owned(key), &self.guard, |cur, _| {
                compute_decision(&mut f, cur)
            });
        Compute::from_parts(
            done.outcome,
            done.prev.map(|e| &e.value),
            done.new.map(|e| &e.value),
        )
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
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Remove `key`; returns the key and value it had. Lock-free.
    ///
    /// ```
    /// let map = splitmap::HashMap::from([("a".to_string(), 1)]);
    /// let m = map.pin();
    /// assert_eq!(m.remove_entry("a"), Some((&"a".to_string(), &1)));
    /// ```
    pub fn remove_entry<Q>(&self, key: &Q) -> Option<(&K, &V)>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.map.hash(key);
        ops::remove_if(&self.map.raw, hash, key, |_, _| true, &self.guard)
            .map(|e| (&e.key, &e.value))
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
    pub fn remove_if<Q, F>(&self, key: &Q, f: F) -> Option<&V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
        F: FnMut(&K, &V) -> bool,
    {
        let hash = self.map.hash(key);
        ops::remove_if(&self.map.raw, hash, key, f, &self.guard).map(|e| &e.value)
    }

    /// The entry for `key`, for in-place style updates (see [`Entry`]); the same as
    /// [`HashMap::entry`].
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// let m = map.pin();
    /// m.entry("a").and_modify(|n| *n += 1).or_insert(1);
    /// m.entry("a").and_modify(|n| *n += 1).or_insert(1);
    /// assert_eq!(m.get("a"), Some(&2));
    /// ```
    pub fn entry(&self, key: K) -> Entry<'m, K, V, S> {
        self.map.entry(key)
    }

    /// Keep only the entries for which `f` returns `true`. Each entry seen is removed
    /// only if it is still the current one for its key. Shrinks the table if it ends up
    /// sparse. (std's `retain` hands out `&mut V`; a shared map cannot.)
    ///
    /// ```
    /// let map: splitmap::HashMap<i32, i32> = (0..10).map(|i| (i, i)).collect();
    /// map.pin().retain(|_, v| v % 2 == 0);
    /// assert_eq!(map.len(), 5);
    /// ```
    pub fn retain<F: FnMut(&K, &V) -> bool>(&self, mut f: F) {
        for e in self.map.raw.iter(&self.guard) {
            if !f(&e.key, &e.value) {
                let target: *const RawEntry<K, V> = e;
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
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// assert_eq!(map.pin().keys().collect::<Vec<_>>(), [&1]);
    /// ```
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys { inner: self.iter() }
    }

    /// Iterate over the values (weakly consistent, like [`iter`](Self::iter)).
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// assert_eq!(map.pin().values().collect::<Vec<_>>(), [&'a']);
    /// ```
    pub fn values(&self) -> Values<'_, K, V> {
        Values { inner: self.iter() }
    }

    /// The number of entries; see [`HashMap::len`].
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// assert_eq!(map.pin().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// `true` if [`len`](Self::len) is zero.
    ///
    /// ```
    /// let map: splitmap::HashMap<u8, u8> = splitmap::HashMap::new();
    /// assert!(map.pin().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A `compute` closure's operation as a raw decision.
pub(super) fn compute_decision<K, V>(
    f: &mut impl FnMut(Option<&V>) -> Operation<V>,
    cur: Option<&RawEntry<K, V>>,
) -> Decision<K, V> {
    match f(cur.map(|e| &e.value)) {
        Operation::Insert(value) => Decision::Insert { key: None, value },
        Operation::Remove => Decision::Remove,
        Operation::Abort => Decision::Keep,
    }
}
