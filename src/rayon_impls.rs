//! Parallel construction and extension with rayon (the `rayon` feature).
//!
//! A splitmap collection is built for many writers at once, so `par_extend` and
//! `collect` simply let every rayon worker insert: no per-thread maps to merge, no
//! lock. Each worker pins once per piece of work rayon hands it, not per insert.
//! Duplicate keys follow the sequential rule (`HashMap`, `WordMap`: one of the values
//! wins, which one depends on the schedule; `HashSet`: one copy).
//!
//! Parallel *iteration* (`par_iter`) is not offered yet: it needs a table scan split
//! into ranges that each deduplicate across their boundary, in `src/raw/`.

use std::hash::{BuildHasher, Hash};

use ::rayon::iter::{FromParallelIterator, IntoParallelIterator, ParallelExtend, ParallelIterator};

use crate::{HashMap, HashSet, Word, WordMap};

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
