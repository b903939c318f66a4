//! `WordMap`: the lock-free map for word-sized keys and values, a safe shell over
//! [`crate::raw`]'s inline kind.
//!
//! - `mod.rs` (this file): the map, its whole-map methods and its traits; each
//!   single-key method takes a handle for its one call.
//! - `pinned.rs`: [`PinnedWordMap`], where every single-key operation is written.

mod pinned;

pub use pinned::PinnedWordMap;

use std::fmt;
use std::hash::BuildHasher;
use std::marker::PhantomData;

use crossbeam_epoch as epoch;

use crate::map::{mix, DefaultHashBuilder};
use crate::raw::{RawWordIter, RawWordMap};
use crate::word::{IntWord, Word};

/// A lock-free concurrent hash map for keys and values that fit in a machine word
/// ([`Word`]: integers, `char`, `bool`, your own `Copy` types).
///
/// Keys and values live in the table itself: a lookup reads one cache line, no
/// operation allocates, and only whole tables are ever retired (through the epoch
/// collector), so there is no per-operation garbage and no guard to hold: every
/// method takes `&self`, pins internally for its own duration, and returns values by
/// copy ([`pin`](Self::pin) gives a handle that pins once for a batch). A removed key keeps its slot and a later insert of the same key revives it,
/// so churn over a recurring key set never forces the table to be rebuilt.
///
/// Same split order, probing, sizing and cooperative resizing as [`HashMap`]; the
/// same consistency and progress guarantees (see the [crate documentation](crate)).
/// Every value of `K` and `V` is storable, `0` and `u64::MAX` included.
///
/// Pick `WordMap` when keys and values are words (ids, counters, handles, indices);
/// pick [`HashMap`] for anything else, or to hand out references.
///
/// [`HashMap`]: crate::HashMap
///
/// # Examples
///
/// ```
/// use splitmap::WordMap;
///
/// let hits: WordMap<u64, u64> = WordMap::new();
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| {
///             for page in 0..100 {
///                 hits.fetch_add(page, 1);
///             }
///         });
///     }
/// });
/// assert_eq!(hits.len(), 100);
/// assert_eq!(hits.get(&42), Some(4));
/// ```
pub struct WordMap<K, V, S = DefaultHashBuilder> {
    raw: RawWordMap,
    build_hasher: S,
    _types: PhantomData<(K, V)>,
}

impl<K, V> WordMap<K, V, DefaultHashBuilder> {
    /// An empty map with a small table.
    ///
    /// ```
    /// let map: splitmap::WordMap<u32, u32> = splitmap::WordMap::new();
    /// assert!(map.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty map with room for `capacity` entries before it grows; it never
    /// shrinks below that.
    ///
    /// Panics with "capacity overflow" if the table for `capacity` entries would not
    /// fit in `usize`, as `std`'s does.
    ///
    /// ```
    /// let map: splitmap::WordMap<u32, u32> = splitmap::WordMap::with_capacity(1000);
    /// assert!(map.capacity() >= 1000);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default())
    }
}

impl<K, V, S> WordMap<K, V, S> {
    /// An empty map that hashes keys with `build_hasher`.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let map: splitmap::WordMap<u8, u8, _> = splitmap::WordMap::with_hasher(RandomState::new());
    /// map.insert(1, 2);
    /// ```
    pub fn with_hasher(build_hasher: S) -> Self {
        Self::with_capacity_and_hasher(0, build_hasher)
    }

    /// An empty map with room for `capacity` entries, hashing with `build_hasher`.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let map: splitmap::WordMap<u8, u8, _> =
    ///     splitmap::WordMap::with_capacity_and_hasher(10, RandomState::new());
    /// assert!(map.capacity() >= 10);
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, build_hasher: S) -> Self {
        WordMap {
            raw: RawWordMap::with_capacity(capacity),
            build_hasher,
            _types: PhantomData,
        }
    }

    /// The map's hasher builder.
    ///
    /// ```
    /// let map: splitmap::WordMap<u8, u8> = splitmap::WordMap::new();
    /// let _h = map.hasher();
    /// ```
    pub fn hasher(&self) -> &S {
        &self.build_hasher
    }

    /// The number of entries. Exact when no writer is running; otherwise an
    /// approximation of the count at some moment during the call (never negative).
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 1u8);
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether the map is empty (see [`len`](Self::len)).
    ///
    /// ```
    /// let map: splitmap::WordMap<u8, u8> = splitmap::WordMap::new();
    /// assert!(map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries the current table holds before it grows (half its slots).
    ///
    /// ```
    /// let map: splitmap::WordMap<u8, u8> = splitmap::WordMap::with_capacity(100);
    /// assert!(map.capacity() >= 100);
    /// ```
    pub fn capacity(&self) -> usize {
        self.raw.capacity(&epoch::pin()) / 2
    }

    /// Make room for at least `additional` entries more, so that inserting them does
    /// not migrate the table (as [`HashMap::reserve`](crate::HashMap::reserve)).
    ///
    /// # Panics
    ///
    /// With "capacity overflow" if the new capacity overflows `usize`.
    ///
    /// ```
    /// let map: splitmap::WordMap<u64, u64> = splitmap::WordMap::new();
    /// map.reserve(1000);
    /// assert!(map.capacity() >= 1000);
    /// ```
    pub fn reserve(&self, additional: usize) {
        let entries = self
            .len()
            .checked_add(additional)
            .unwrap_or_else(|| panic!("splitmap: capacity overflow"));
        self.raw.reserve(entries, &epoch::pin());
    }

    /// Shrink the table to the size the live count calls for, not below the capacity
    /// the map was created with (as [`HashMap::shrink_to_fit`](crate::HashMap::shrink_to_fit)).
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// for i in 0..1000u64 {
    ///     map.insert(i, i);
    /// }
    /// for i in 10..1000 {
    ///     map.remove(&i);
    /// }
    /// map.shrink_to_fit();
    /// assert!(map.capacity() < 1000);
    /// ```
    pub fn shrink_to_fit(&self) {
        self.raw.shrink_to_fit(&epoch::pin());
    }
}

impl<K: Word, V: Word, S: BuildHasher> WordMap<K, V, S> {
    #[inline]
    fn hash(&self, key: K) -> u64 {
        mix(self.build_hasher.hash_one(key))
    }

    /// A handle that holds one epoch pin for a run of operations, which then pay for
    /// pinning once instead of once each. Every single-key method of the map is a
    /// handle's method on a handle taken for that one call. Keep handles short-lived:
    /// while one is alive, nothing retired by any map using crossbeam-epoch's global
    /// collector can be freed ([`PinnedWordMap`] says more).
    ///
    /// ```
    /// let hits: splitmap::WordMap<u32, u64> = splitmap::WordMap::new();
    /// let batch = [3, 1, 3, 3, 2];
    /// let h = hits.pin();
    /// for page in batch {
    ///     h.fetch_add(page, 1);
    /// }
    /// drop(h);
    /// assert_eq!(hits.get(&3), Some(3));
    /// ```
    #[inline]
    pub fn pin(&self) -> PinnedWordMap<'_, K, V, S> {
        PinnedWordMap {
            map: self,
            guard: epoch::pin(),
        }
    }

    /// The value for `key`, by copy.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(0u64, u64::MAX);
    /// assert_eq!(map.get(&0), Some(u64::MAX));
    /// assert_eq!(map.get(&1), None);
    /// ```
    #[inline]
    pub fn get(&self, key: &K) -> Option<V> {
        self.pin().get(key)
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert('a', true);
    /// assert!(map.contains_key(&'a'));
    /// ```
    pub fn contains_key(&self, key: &K) -> bool {
        self.pin().contains_key(key)
    }

    /// Insert or replace the value for `key`; returns the value it replaced, as
    /// `std`'s `insert` does. (An existing key's word is kept; keys equal as words are
    /// the same key.)
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// assert_eq!(map.insert(1i32, -1i64), None);
    /// assert_eq!(map.insert(1, -2), Some(-1));
    /// ```
    #[inline]
    pub fn insert(&self, key: K, value: V) -> Option<V> {
        self.pin().insert(key, value)
    }

    /// Insert `value` only if `key` is absent. `Ok` with the inserted value, or `Err`
    /// with the value already there (the map is unchanged).
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// assert_eq!(map.try_insert(1u8, 10u8), Ok(10));
    /// assert_eq!(map.try_insert(1, 20), Err(10));
    /// ```
    pub fn try_insert(&self, key: K, value: V) -> Result<V, V> {
        self.pin().try_insert(key, value)
    }

    /// The value for `key`, inserting `value` first if it is absent.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// assert_eq!(map.get_or_insert(1u8, 10u8), 10);
    /// assert_eq!(map.get_or_insert(1, 20), 10);
    /// ```
    pub fn get_or_insert(&self, key: K, value: V) -> V {
        self.pin().get_or_insert(key, value)
    }

    /// The value for `key`, inserting `f()` first if it is absent. `f` runs at most
    /// once, and only if the key was absent when looked at (it may then lose to a
    /// concurrent insert, whose value is returned).
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// assert_eq!(map.get_or_insert_with(1u8, || 10u8), 10);
    /// assert_eq!(map.get_or_insert_with(1, || unreachable!()), 10);
    /// ```
    pub fn get_or_insert_with<F: FnOnce() -> V>(&self, key: K, f: F) -> V {
        self.pin().get_or_insert_with(key, f)
    }

    /// Replace the value of `key` by `f(value)` if present; returns the new value.
    /// `f` may run more than once (when another writer changed the value first).
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 10u32);
    /// assert_eq!(map.update(&1, |v| v * 2), Some(20));
    /// assert_eq!(map.update(&2, |v| v * 2), None);
    /// ```
    pub fn update<F: FnMut(V) -> V>(&self, key: &K, f: F) -> Option<V> {
        self.pin().update(key, f)
    }

    /// Decide what `key` holds from what it holds now: `f(current)` returns the new
    /// value, or `None` to remove it. Returns what the key holds afterwards. `f` may
    /// run more than once.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// assert_eq!(map.compute(1u8, |v| Some(v.unwrap_or(0) + 1u16)), Some(1));
    /// assert_eq!(map.compute(1, |v| v.filter(|&v| v > 5)), None);
    /// assert!(map.is_empty());
    /// ```
    pub fn compute<F: FnMut(Option<V>) -> Option<V>>(&self, key: K, f: F) -> Option<V> {
        self.pin().compute(key, f)
    }

    /// Set `key` to `new` if it holds `current`, as the atomics' `compare_exchange`:
    /// `Ok(current)` if it did, else `Err` with what the key holds (`None` if absent).
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 5u8);
    /// assert_eq!(map.compare_exchange(&1, 5, 6), Ok(5));
    /// assert_eq!(map.compare_exchange(&1, 5, 7), Err(Some(6)));
    /// assert_eq!(map.compare_exchange(&2, 5, 7), Err(None));
    /// ```
    pub fn compare_exchange(&self, key: &K, current: V, new: V) -> Result<V, Option<V>> {
        self.pin().compare_exchange(key, current, new)
    }

    /// Remove `key`; returns its value.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 2u8);
    /// assert_eq!(map.remove(&1), Some(2));
    /// assert_eq!(map.remove(&1), None);
    /// ```
    #[inline]
    pub fn remove(&self, key: &K) -> Option<V> {
        self.pin().remove(key)
    }

    /// Remove `key` if `f(value)` is true; returns the removed value. `f` may run more
    /// than once.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 2u8);
    /// assert_eq!(map.remove_if(&1, |v| v > 5), None);
    /// assert_eq!(map.remove_if(&1, |v| v == 2), Some(2));
    /// ```
    pub fn remove_if<F: FnMut(V) -> bool>(&self, key: &K, f: F) -> Option<V> {
        self.pin().remove_if(key, f)
    }

    /// Keep only the entries for which `f(key, value)` is true. Weakly consistent, as
    /// [`iter`](Self::iter); an entry whose value changed after `f` saw it is kept.
    ///
    /// ```
    /// let map: splitmap::WordMap<u32, u32> = (0..10).map(|i| (i, i)).collect();
    /// map.retain(|_, v| v % 2 == 0);
    /// assert_eq!(map.len(), 5);
    /// ```
    pub fn retain<F: FnMut(K, V) -> bool>(&self, mut f: F) {
        for (k, v) in self.iter() {
            if !f(k, v) {
                self.remove_if(&k, |now| now.to_word() == v.to_word());
            }
        }
        self.raw.shrink_to_fit(&epoch::pin());
    }

    /// Remove every entry present for the whole call.
    ///
    /// ```
    /// let map: splitmap::WordMap<u32, u32> = (0..10).map(|i| (i, i)).collect();
    /// map.clear();
    /// assert!(map.is_empty());
    /// ```
    pub fn clear(&self) {
        self.raw.clear(&epoch::pin());
    }

    /// A weakly consistent iterator over copies of the entries: each key at most
    /// once, every key present for the whole walk, others maybe. It holds an epoch
    /// pin while it lives (which delays freeing old tables only), so it is not `Send`.
    ///
    /// ```
    /// let map: splitmap::WordMap<u32, u32> = (1..=3).map(|i| (i, i * 10)).collect();
    /// let mut all: Vec<_> = map.iter().collect();
    /// all.sort();
    /// assert_eq!(all, [(1, 10), (2, 20), (3, 30)]);
    /// ```
    pub fn iter(&self) -> WordIter<K, V> {
        WordIter {
            raw: self.raw.iter(),
            _types: PhantomData,
        }
    }

    /// The keys, as [`iter`](Self::iter).
    ///
    /// ```
    /// let map: splitmap::WordMap<u32, u32> = [(1, 10)].into_iter().collect();
    /// assert_eq!(map.keys().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = K> {
        self.iter().map(|(k, _)| k)
    }

    /// The values, as [`iter`](Self::iter).
    ///
    /// ```
    /// let map: splitmap::WordMap<u32, u32> = [(1, 10)].into_iter().collect();
    /// assert_eq!(map.values().sum::<u32>(), 10);
    /// ```
    pub fn values(&self) -> impl Iterator<Item = V> {
        self.iter().map(|(_, v)| v)
    }
}

impl<K: Word, V: IntWord, S: BuildHasher> WordMap<K, V, S> {
    /// Add `delta` to the value of `key` in place (a missing key counts from zero and
    /// is inserted), wrapping on overflow; returns the value before, as the atomics'
    /// `fetch_add`. One CAS on the slot, no allocation: the counter idiom.
    ///
    /// ```
    /// let words: splitmap::WordMap<char, u32> = splitmap::WordMap::new();
    /// for c in "hello".chars() {
    ///     words.fetch_add(c, 1);
    /// }
    /// assert_eq!(words.get(&'l'), Some(2));
    /// assert_eq!(words.fetch_add('h', 5), 1);
    /// ```
    #[inline]
    pub fn fetch_add(&self, key: K, delta: V) -> V {
        self.pin().fetch_add(key, delta)
    }

    /// Subtract `delta` from the value of `key` in place (a missing key counts from
    /// zero), wrapping; returns the value before. The key stays, at zero or below.
    ///
    /// ```
    /// let stock: splitmap::WordMap<u32, i64> = splitmap::WordMap::new();
    /// stock.insert(7, 3);
    /// assert_eq!(stock.fetch_sub(7, 5), 3);
    /// assert_eq!(stock.get(&7), Some(-2));
    /// ```
    #[inline]
    pub fn fetch_sub(&self, key: K, delta: V) -> V {
        self.pin().fetch_sub(key, delta)
    }
}

/// `for (k, v) in &map`: copies, as [`WordMap::iter`].
impl<K: Word, V: Word, S: BuildHasher> IntoIterator for &WordMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = WordIter<K, V>;

    /// ```
    /// let map: splitmap::WordMap<u8, u32> = [(1, 10), (2, 20)].into_iter().collect();
    /// let mut sum = 0;
    /// for (_, v) in &map {
    ///     sum += v;
    /// }
    /// assert_eq!(sum, 30);
    /// ```
    fn into_iter(self) -> WordIter<K, V> {
        self.iter()
    }
}

/// The entries by value (a snapshot taken before the map is dropped).
impl<K: Word, V: Word, S: BuildHasher> IntoIterator for WordMap<K, V, S> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    /// ```
    /// let map: splitmap::WordMap<u8, u32> = [(1, 10)].into_iter().collect();
    /// assert_eq!(map.into_iter().collect::<Vec<_>>(), [(1, 10)]);
    /// ```
    fn into_iter(self) -> Self::IntoIter {
        self.iter().collect::<Vec<_>>().into_iter()
    }
}

/// A weakly consistent iterator over a [`WordMap`]'s entries, by copy (see
/// [`WordMap::iter`]).
///
/// ```
/// let map: splitmap::WordMap<u8, u8> = [(1, 2)].into_iter().collect();
/// let it: splitmap::WordIter<u8, u8> = map.iter();
/// assert_eq!(it.count(), 1);
/// ```
pub struct WordIter<K, V> {
    raw: RawWordIter,
    _types: PhantomData<(K, V)>,
}

impl<K: Word, V: Word> Iterator for WordIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        self.raw
            .next()
            .map(|(k, v)| (K::from_word(k), V::from_word(v)))
    }
}

impl<K, V> fmt::Debug for WordIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WordIter").finish_non_exhaustive()
    }
}

impl<K: Word + fmt::Debug, V: Word + fmt::Debug, S: BuildHasher> fmt::Debug for WordMap<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S: Default> Default for WordMap<K, V, S> {
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K: Word, V: Word, S: BuildHasher + Clone> Clone for WordMap<K, V, S> {
    /// A snapshot copy: weakly consistent with writers running, like [`WordMap::iter`].
    fn clone(&self) -> Self {
        let copy =
            Self::with_capacity_and_hasher(self.raw.min_capacity() / 2, self.build_hasher.clone());
        for (k, v) in self.iter() {
            copy.insert(k, v);
        }
        copy
    }
}

impl<K: Word, V: Word, S: BuildHasher> PartialEq for WordMap<K, V, S> {
    /// Same keys with the same values (exact only when neither map is being written).
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(&k) == Some(v))
    }
}

impl<K: Word, V: Word, S: BuildHasher> Eq for WordMap<K, V, S> {}

impl<K: Word, V: Word, S: BuildHasher + Default> FromIterator<(K, V)> for WordMap<K, V, S> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let map = Self::with_capacity_and_hasher(iter.size_hint().0, S::default());
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl<K: Word, V: Word, S: BuildHasher> Extend<(K, V)> for WordMap<K, V, S> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        (&*self).extend(iter)
    }
}

impl<K: Word, V: Word, S: BuildHasher> Extend<(K, V)> for &WordMap<K, V, S> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}
