//! Standard traits for the map and its handle.

use std::fmt;
use std::hash::{BuildHasher, Hash};

use super::{DefaultHashBuilder, HashMap, Pinned};

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
