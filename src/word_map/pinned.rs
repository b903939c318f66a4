//! [`PinnedWordMap`]: a handle that holds one epoch pin across many operations. Every
//! single-key operation of [`WordMap`] is written here once; the map's own methods
//! take a handle for the one call (`WordMap::pin`), so the two cannot drift apart.

use std::fmt;
use std::hash::BuildHasher;

use crossbeam_epoch::Guard;

use super::WordMap;
use crate::map::DefaultHashBuilder;
use crate::raw::{WordOp, Written};
use crate::word::{IntWord, Word};

/// A handle on a [`WordMap`] that holds an epoch pin, so a run of operations pays for
/// pinning once instead of once per call.
///
/// Its methods have the names, meanings and results of the map's own. What the pin
/// protects is only the map's retired *tables* (a `WordMap` has no per-entry garbage),
/// but while any handle is alive the process-wide epoch cannot advance, so nothing
/// retired by any map using the global collector (a [`HashMap`](crate::HashMap)'s
/// removed entries included) can be freed. Hold a handle for a batch of operations,
/// not for a thread's lifetime, and drop it before taking the next: a pin taken while
/// another is alive on the same thread nests inside it and keeps the older epoch, so
/// `h = map.pin()` in a loop would never unpin. The handle is `!Send`.
///
/// ```
/// let map: splitmap::WordMap<u64, u64> = splitmap::WordMap::new();
/// let m = map.pin();
/// for i in 0..100 {
///     m.insert(i, i * i);
/// }
/// assert_eq!((0..100).filter_map(|i| m.get(&i)).sum::<u64>(), 328_350);
/// ```
pub struct PinnedWordMap<'m, K, V, S = DefaultHashBuilder> {
    pub(super) map: &'m WordMap<K, V, S>,
    pub(super) guard: Guard,
}

impl<K: Word, V: Word, S: BuildHasher> PinnedWordMap<'_, K, V, S> {
    #[inline]
    fn write(&self, key: K, decide: impl FnMut(Option<u64>) -> WordOp) -> Written {
        let map = self.map;
        map.raw
            .modify(map.hash(key), key.to_word(), &self.guard, decide)
    }

    /// The value for `key`, by copy. Wait-free; writes no shared memory.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(0u64, u64::MAX);
    /// assert_eq!(map.pin().get(&0), Some(u64::MAX));
    /// ```
    #[inline]
    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.map;
        map.raw
            .find(map.hash(*key), key.to_word(), &self.guard)
            .map(V::from_word)
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert('a', true);
    /// assert!(map.pin().contains_key(&'a'));
    /// ```
    #[inline]
    pub fn contains_key(&self, key: &K) -> bool {
        self.get(key).is_some()
    }

    /// Insert or replace the value for `key`; returns the value it replaced, as
    /// [`WordMap::insert`].
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.insert(1i32, -1i64), None);
    /// assert_eq!(m.insert(1, -2), Some(-1));
    /// ```
    #[inline]
    pub fn insert(&self, key: K, value: V) -> Option<V> {
        let word = value.to_word();
        self.write(key, |_| WordOp::Set(word))
            .prev
            .map(V::from_word)
    }

    /// Insert `value` only if `key` is absent, as [`WordMap::try_insert`].
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.try_insert(1u8, 10u8), Ok(10));
    /// assert_eq!(m.try_insert(1, 20), Err(10));
    /// ```
    pub fn try_insert(&self, key: K, value: V) -> Result<V, V> {
        let word = value.to_word();
        let w = self.write(key, |cur| match cur {
            Some(_) => WordOp::Keep,
            None => WordOp::Set(word),
        });
        match w.prev {
            Some(cur) => Err(V::from_word(cur)),
            None => Ok(value),
        }
    }

    /// The value for `key`, inserting `value` first if it is absent.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.get_or_insert(1u8, 10u8), 10);
    /// assert_eq!(m.get_or_insert(1, 20), 10);
    /// ```
    pub fn get_or_insert(&self, key: K, value: V) -> V {
        match self.try_insert(key, value) {
            Ok(v) | Err(v) => v,
        }
    }

    /// The value for `key`, inserting `f()` first if it is absent, as
    /// [`WordMap::get_or_insert_with`]: `f` runs at most once.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.get_or_insert_with(1u8, || 10u8), 10);
    /// assert_eq!(m.get_or_insert_with(1, || unreachable!()), 10);
    /// ```
    pub fn get_or_insert_with<F: FnOnce() -> V>(&self, key: K, f: F) -> V {
        // A hit stays a read (wait-free, and no help for a migration in flight); only a
        // miss pays the write path, which hashes and probes again.
        if let Some(v) = self.get(&key) {
            return v;
        }
        let mut f = Some(f);
        let mut made = None;
        let w = self.write(key, |cur| match cur {
            Some(_) => WordOp::Keep,
            None => {
                let v = *made.get_or_insert_with(|| f.take().map(|f| f().to_word()).unwrap_or(0));
                WordOp::Set(v)
            }
        });
        V::from_word(w.prev.or(made).unwrap_or(0))
    }

    /// Replace the value of `key` by `f(value)` if present; returns the new value, as
    /// [`WordMap::update`]. `f` may run more than once.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 10u32);
    /// assert_eq!(map.pin().update(&1, |v| v * 2), Some(20));
    /// ```
    pub fn update<F: FnMut(V) -> V>(&self, key: &K, mut f: F) -> Option<V> {
        let mut new = 0;
        let w = self.write(*key, |cur| match cur {
            Some(v) => {
                new = f(V::from_word(v)).to_word();
                WordOp::Set(new)
            }
            None => WordOp::Keep,
        });
        w.prev.map(|_| V::from_word(new))
    }

    /// Decide what `key` holds from what it holds now, as [`WordMap::compute`]: `f`
    /// returns the new value, or `None` to remove it. `f` may run more than once.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// let m = map.pin();
    /// assert_eq!(m.compute(1u8, |v| Some(v.unwrap_or(0) + 1u16)), Some(1));
    /// assert_eq!(m.compute(1, |v| v.filter(|&v| v > 5)), None);
    /// ```
    pub fn compute<F: FnMut(Option<V>) -> Option<V>>(&self, key: K, mut f: F) -> Option<V> {
        let w = self.write(key, |cur| match f(cur.map(V::from_word)) {
            Some(v) => WordOp::Set(v.to_word()),
            None if cur.is_some() => WordOp::Remove,
            None => WordOp::Keep,
        });
        match w.op {
            WordOp::Set(v) => Some(V::from_word(v)),
            WordOp::Remove => None,
            WordOp::Keep => w.prev.map(V::from_word),
        }
    }

    /// Set `key` to `new` if it holds `current`, as [`WordMap::compare_exchange`].
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 5u8);
    /// let m = map.pin();
    /// assert_eq!(m.compare_exchange(&1, 5, 6), Ok(5));
    /// assert_eq!(m.compare_exchange(&1, 5, 7), Err(Some(6)));
    /// ```
    pub fn compare_exchange(&self, key: &K, current: V, new: V) -> Result<V, Option<V>> {
        let (want, new) = (current.to_word(), new.to_word());
        let w = self.write(*key, |cur| match cur {
            Some(v) if v == want => WordOp::Set(new),
            _ => WordOp::Keep,
        });
        match w.op {
            WordOp::Set(_) => Ok(current),
            _ => Err(w.prev.map(V::from_word)),
        }
    }

    /// Remove `key`; returns its value.
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 2u8);
    /// assert_eq!(map.pin().remove(&1), Some(2));
    /// ```
    #[inline]
    pub fn remove(&self, key: &K) -> Option<V> {
        self.write(*key, |_| WordOp::Remove).prev.map(V::from_word)
    }

    /// Remove `key` if `f(value)` is true; returns the removed value, as
    /// [`WordMap::remove_if`].
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 2u8);
    /// let m = map.pin();
    /// assert_eq!(m.remove_if(&1, |v| v > 5), None);
    /// assert_eq!(m.remove_if(&1, |v| v == 2), Some(2));
    /// ```
    pub fn remove_if<F: FnMut(V) -> bool>(&self, key: &K, mut f: F) -> Option<V> {
        let w = self.write(*key, |cur| match cur {
            Some(v) if f(V::from_word(v)) => WordOp::Remove,
            _ => WordOp::Keep,
        });
        match w.op {
            WordOp::Remove => w.prev.map(V::from_word),
            _ => None,
        }
    }

    /// Number of entries, as [`WordMap::len`].
    ///
    /// ```
    /// let map = splitmap::WordMap::new();
    /// map.insert(1u8, 2u8);
    /// assert_eq!(map.pin().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// `true` if the map has no entries.
    ///
    /// ```
    /// let map: splitmap::WordMap<u8, u8> = splitmap::WordMap::new();
    /// assert!(map.pin().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl<K: Word, V: IntWord, S: BuildHasher> PinnedWordMap<'_, K, V, S> {
    /// Add `delta` to the value of `key` in place, as [`WordMap::fetch_add`]; returns
    /// the value before.
    ///
    /// ```
    /// let words: splitmap::WordMap<char, u32> = splitmap::WordMap::new();
    /// let w = words.pin();
    /// for c in "hello".chars() {
    ///     w.fetch_add(c, 1);
    /// }
    /// assert_eq!(w.get(&'l'), Some(2));
    /// ```
    #[inline]
    pub fn fetch_add(&self, key: K, delta: V) -> V {
        let w = self.write(key, |cur| {
            let cur = cur.map_or(V::ZERO, V::from_word);
            WordOp::Set(cur.wrapping_add(delta).to_word())
        });
        w.prev.map_or(V::ZERO, V::from_word)
    }

    /// Subtract `delta` from the value of `key` in place, as [`WordMap::fetch_sub`];
    /// returns the value before.
    ///
    /// ```
    /// let stock: splitmap::WordMap<u32, i64> = splitmap::WordMap::new();
    /// let s = stock.pin();
    /// s.insert(7, 3);
    /// assert_eq!(s.fetch_sub(7, 5), 3);
    /// ```
    #[inline]
    pub fn fetch_sub(&self, key: K, delta: V) -> V {
        let w = self.write(key, |cur| {
            let cur = cur.map_or(V::ZERO, V::from_word);
            WordOp::Set(cur.wrapping_sub(delta).to_word())
        });
        w.prev.map_or(V::ZERO, V::from_word)
    }
}

/// The handle's map, as the map prints (a weakly consistent walk).
impl<K, V, S> fmt::Debug for PinnedWordMap<'_, K, V, S>
where
    K: Word + fmt::Debug,
    V: Word + fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.map, f)
    }
}
