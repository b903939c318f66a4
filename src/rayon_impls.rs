//! Parallel construction, extension and iteration with rayon (the `rayon` feature).
//!
//! A splitmap collection is built for many writers at once, so `par_extend` and
//! `collect` simply let every rayon worker insert: no per-thread maps to merge, no
//! lock. Each worker pins once per piece of work rayon hands it, not per insert.
//! Duplicate keys follow the sequential rule (`HashMap`, `WordMap`: one of the values
//! wins, which one depends on the schedule; `HashSet`: one copy).
//!
//! Parallel *iteration* ([`ParIter`]) hands rayon a snapshot that the calling thread
//! takes with the sequential, weakly consistent `iter` (a vector of references for a
//! `Pinned` handle, of copies for a `WordMap`); the work done per item then runs on
//! every worker. Why the walk is not split across workers: the references it yields
//! must stay valid after the worker that loaded them moves on, and crossbeam-epoch
//! promises that only for loads made by the thread that holds the pin (the caller's
//! `Pinned`). So `par_iter` pays off when the work per item outweighs one sequential
//! pass over the table; a sum over the values does not (measured in
//! `docs/benchmarks.md`, "Parallel iteration").

use std::hash::{BuildHasher, Hash};

use ::rayon::iter::plumbing::{Consumer, ProducerCallback, UnindexedConsumer};
use ::rayon::iter::{
    FromParallelIterator, IndexedParallelIterator, IntoParallelIterator, ParallelExtend,
    ParallelIterator,
};

use crate::{HashMap, HashSet, Pinned, PinnedSet, Word, WordMap};

impl<K, V, S> ParallelExtend<(K, V)> for &HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher + Sync,
{
    fn par_extend<I: IntoParallelIterator<Item = (K, V)>>(&mut self, iter: I) {
        let map: &HashMap<K, V, S> = self;
        iter.into_par_iter().for_each_init(
            || map.pin(),
            |m, (k, v)| {
                m.insert(k, v);
            },
        );
    }
}

impl<K, V, S> ParallelExtend<(K, V)> for HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher + Sync,
{
    fn par_extend<I: IntoParallelIterator<Item = (K, V)>>(&mut self, iter: I) {
        (&*self).par_extend(iter)
    }
}

impl<K, V, S> FromParallelIterator<(K, V)> for HashMap<K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher + Default + Sync,
{
    fn from_par_iter<I: IntoParallelIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = HashMap::with_hasher(S::default());
        map.par_extend(iter);
        map
    }
}

impl<T, S> ParallelExtend<T> for &HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher + Sync,
{
    fn par_extend<I: IntoParallelIterator<Item = T>>(&mut self, iter: I) {
        let set: &HashSet<T, S> = self;
        iter.into_par_iter().for_each_init(
            || set.pin(),
            |s, x| {
                s.insert(x);
            },
        );
    }
}

impl<T, S> ParallelExtend<T> for HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher + Sync,
{
    fn par_extend<I: IntoParallelIterator<Item = T>>(&mut self, iter: I) {
        (&*self).par_extend(iter)
    }
}

impl<T, S> FromParallelIterator<T> for HashSet<T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher + Default + Sync,
{
    fn from_par_iter<I: IntoParallelIterator<Item = T>>(iter: I) -> Self {
        let mut set = HashSet::with_hasher(S::default());
        set.par_extend(iter);
        set
    }
}

impl<K: Word + Send + Sync, V: Word + Send + Sync, S: BuildHasher + Sync> ParallelExtend<(K, V)>
    for &WordMap<K, V, S>
{
    fn par_extend<I: IntoParallelIterator<Item = (K, V)>>(&mut self, iter: I) {
        let map: &WordMap<K, V, S> = self;
        iter.into_par_iter().for_each(|(k, v)| {
            map.insert(k, v);
        });
    }
}

impl<K: Word + Send + Sync, V: Word + Send + Sync, S: BuildHasher + Sync> ParallelExtend<(K, V)>
    for WordMap<K, V, S>
{
    fn par_extend<I: IntoParallelIterator<Item = (K, V)>>(&mut self, iter: I) {
        (&*self).par_extend(iter)
    }
}

impl<K: Word + Send + Sync, V: Word + Send + Sync, S: BuildHasher + Default + Sync>
    FromParallelIterator<(K, V)> for WordMap<K, V, S>
{
    fn from_par_iter<I: IntoParallelIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = WordMap::with_hasher(S::default());
        map.par_extend(iter);
        map
    }
}

/// A parallel iterator (the `rayon` feature) over a snapshot of a collection: from
/// [`Pinned`] (`(&K, &V)`), [`PinnedSet`] (`&T`), a [`WordMap`] (`(K, V)` copies), and
/// a [`HashMap`] (`(K, V)`) or [`HashSet`] (`T`) by value. Weakly consistent as `iter` is: every entry
/// present for the whole walk appears once.
///
/// The calling thread takes the snapshot with one sequential pass of `iter`; the work
/// per item then runs on every rayon worker. The walk is not split across workers
/// because the references it yields must stay valid after the worker that loaded them
/// moves on, and crossbeam-epoch promises that only for loads made by the thread that
/// holds the pin (the caller's `Pinned`). So `par_iter` pays off when the work per
/// item outweighs one pass over the table.
///
/// ```
/// use rayon::prelude::*;
///
/// let map: splitmap::HashMap<u64, String> = (0..100).map(|i| (i, i.to_string())).collect();
/// let m = map.pin();
/// let digits: usize = m.par_iter().map(|(_, s)| s.len()).sum();
/// assert_eq!(digits, 10 + 90 * 2);
/// ```
pub struct ParIter<T> {
    snapshot: ::rayon::vec::IntoIter<T>,
}

impl<T: Send> ParIter<T> {
    fn new(snapshot: Vec<T>) -> Self {
        ParIter {
            snapshot: snapshot.into_par_iter(),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for ParIter<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParIter")
            .field("snapshot", &self.snapshot)
            .finish()
    }
}

impl<T: Send> ParallelIterator for ParIter<T> {
    type Item = T;

    fn drive_unindexed<C: UnindexedConsumer<T>>(self, consumer: C) -> C::Result {
        self.snapshot.drive_unindexed(consumer)
    }

    fn opt_len(&self) -> Option<usize> {
        Some(self.snapshot.len())
    }
}

impl<T: Send> IndexedParallelIterator for ParIter<T> {
    fn drive<C: Consumer<T>>(self, consumer: C) -> C::Result {
        self.snapshot.drive(consumer)
    }

    fn len(&self) -> usize {
        self.snapshot.len()
    }

    fn with_producer<CB: ProducerCallback<T>>(self, callback: CB) -> CB::Output {
        self.snapshot.with_producer(callback)
    }
}

/// `pinned.par_iter()` (through rayon's `IntoParallelRefIterator`).
impl<'p, K, V, S> IntoParallelIterator for &'p Pinned<'_, K, V, S>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
    S: BuildHasher,
{
    type Item = (&'p K, &'p V);
    type Iter = ParIter<(&'p K, &'p V)>;

    /// ```
    /// use rayon::prelude::*;
    ///
    /// let map: splitmap::HashMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
    /// let m = map.pin();
    /// let evens: Vec<u32> = m.par_iter().filter(|(k, _)| *k % 2 == 0).map(|(_, v)| *v).collect();
    /// assert_eq!(evens.len(), 500);
    /// ```
    fn into_par_iter(self) -> Self::Iter {
        ParIter::new(self.iter().collect())
    }
}

/// The entries by value: the map is drained by the calling thread first.
impl<K, V, S> IntoParallelIterator for HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    type Item = (K, V);
    type Iter = ParIter<(K, V)>;

    /// ```
    /// use rayon::prelude::*;
    ///
    /// let map: splitmap::HashMap<u32, Vec<u8>> = (0..10).map(|i| (i, vec![0; i as usize])).collect();
    /// let bytes: usize = map.into_par_iter().map(|(_, v)| v.len()).sum();
    /// assert_eq!(bytes, 45);
    /// ```
    fn into_par_iter(self) -> Self::Iter {
        ParIter::new(self.into_iter().collect())
    }
}

/// `set.pin().par_iter()`.
impl<'p, T, S> IntoParallelIterator for &'p PinnedSet<'_, T, S>
where
    T: Hash + Eq + Send + Sync + 'static,
    S: BuildHasher,
{
    type Item = &'p T;
    type Iter = ParIter<&'p T>;

    /// ```
    /// use rayon::prelude::*;
    ///
    /// let set: splitmap::HashSet<u64> = (1..=100).collect();
    /// let s = set.pin();
    /// assert_eq!(s.par_iter().sum::<u64>(), 5050);
    /// ```
    fn into_par_iter(self) -> Self::Iter {
        ParIter::new(self.iter().collect())
    }
}

/// The elements by value: the set is drained by the calling thread first.
impl<T, S> IntoParallelIterator for HashSet<T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    type Item = T;
    type Iter = ParIter<T>;

    /// ```
    /// use rayon::prelude::*;
    ///
    /// let set: splitmap::HashSet<String> = ["a", "bb"].map(String::from).into();
    /// assert_eq!(set.into_par_iter().map(|s| s.len()).sum::<usize>(), 3);
    /// ```
    fn into_par_iter(self) -> Self::Iter {
        ParIter::new(self.into_iter().collect())
    }
}

/// `word_map.par_iter()`: copies, as `WordMap::iter` yields.
impl<K, V, S> IntoParallelIterator for &WordMap<K, V, S>
where
    K: Word + Send,
    V: Word + Send,
    S: BuildHasher,
{
    type Item = (K, V);
    type Iter = ParIter<(K, V)>;

    /// ```
    /// use rayon::prelude::*;
    ///
    /// let map: splitmap::WordMap<u32, u64> = (0..100).map(|i| (i, u64::from(i))).collect();
    /// assert_eq!(map.par_iter().map(|(_, v)| v).sum::<u64>(), 4950);
    /// ```
    fn into_par_iter(self) -> Self::Iter {
        ParIter::new(self.iter().collect())
    }
}
