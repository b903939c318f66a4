//! Iteration: borrowed from a handle ([`Iter`], [`Keys`], [`Values`]), holding its own
//! pin ([`MapIter`], which a function can return), and by value ([`IntoIter`],
//! [`Drain`]).

use std::fmt;
use std::hash::{BuildHasher, Hash};

use super::{HashMap, Pinned, Ref};
use crate::raw::{KeptIter, RawIter};

/// Iterator over `(&K, &V)`, from [`Pinned::iter`].
///
/// ```
/// let map = splitmap::HashMap::from([(1, 'a')]);
/// let m = map.pin();
/// let it: splitmap::Iter<'_, i32, char> = m.iter();
/// assert_eq!(it.count(), 1);
/// ```
pub struct Iter<'a, K, V> {
    pub(super) raw: RawIter<'a, K, V>,
}

impl<'a, K: Eq, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        self.raw.next().map(|e| (&e.key, &e.value))
    }
}

/// Iterator over keys, from [`Pinned::keys`].
///
/// ```
/// let map = splitmap::HashMap::from([(1, 'a')]);
/// let m = map.pin();
/// let keys: splitmap::Keys<'_, i32, char> = m.keys();
/// assert_eq!(keys.copied().collect::<Vec<_>>(), [1]);
/// ```
pub struct Keys<'a, K, V> {
    pub(super) inner: Iter<'a, K, V>,
}

impl<'a, K: Eq, V> Iterator for Keys<'a, K, V> {
    type Item = &'a K;
    fn next(&mut self) -> Option<&'a K> {
        self.inner.next().map(|(k, _)| k)
    }
}

/// Iterator over values, from [`Pinned::values`].
///
/// ```
/// let map = splitmap::HashMap::from([(1, 'a')]);
/// let m = map.pin();
/// let values: splitmap::Values<'_, i32, char> = m.values();
/// assert_eq!(values.copied().collect::<Vec<_>>(), ['a']);
/// ```
pub struct Values<'a, K, V> {
    pub(super) inner: Iter<'a, K, V>,
}

impl<'a, K: Eq, V> Iterator for Values<'a, K, V> {
    type Item = &'a V;
    fn next(&mut self) -> Option<&'a V> {
        self.inner.next().map(|(_, v)| v)
    }
}

/// Iterator over [`Ref`]s that holds its own pin, from [`HashMap::iter`]: a function
/// can return it, and each `Ref` it yields may outlive it. Weakly consistent, like
/// [`Pinned::iter`]. Like a handle, it delays the freeing of removed entries while it
/// lives; it is not `Send`.
///
/// ```
/// struct Registry {
///     users: splitmap::HashMap<u32, String>,
/// }
/// impl Registry {
///     fn all(&self) -> splitmap::MapIter<'_, u32, String> {
///         self.users.iter()
///     }
/// }
/// let r = Registry { users: [(1, "ann".to_string())].into() };
/// assert_eq!(r.all().map(|e| e.value().len()).sum::<usize>(), 3);
/// ```
pub struct MapIter<'m, K, V> {
    pub(super) raw: KeptIter<'m, K, V>,
}

impl<'m, K: Eq, V> Iterator for MapIter<'m, K, V> {
    type Item = Ref<'m, K, V>;
    fn next(&mut self) -> Option<Ref<'m, K, V>> {
        self.raw.next().map(Ref::new)
    }
}

/// The entries of a map, moved out of it: from `HashMap::into_iter` and
/// [`HashMap::drain`]. Not in any particular order.
///
/// ```
/// let map = splitmap::HashMap::from([(1, 'a')]);
/// let it: splitmap::IntoIter<i32, char> = map.into_iter();
/// assert_eq!(it.collect::<Vec<_>>(), [(1, 'a')]);
/// ```
pub struct IntoIter<K, V> {
    pub(super) inner: std::vec::IntoIter<(K, V)>,
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);
    fn next(&mut self) -> Option<(K, V)> {
        self.inner.next()
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<K, V> ExactSizeIterator for IntoIter<K, V> {}

/// What [`HashMap::drain`] returns: the entries it took, by value.
///
/// ```
/// let mut map = splitmap::HashMap::from([(1, "a".to_string())]);
/// let drained: splitmap::Drain<i32, String> = map.drain();
/// assert_eq!(drained.collect::<Vec<_>>(), [(1, "a".to_string())]);
/// assert!(map.is_empty());
/// ```
pub type Drain<K, V> = IntoIter<K, V>;

impl<'a, 'm, K, V, S> IntoIterator for &'a Pinned<'m, K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    /// ```
    /// let map = splitmap::HashMap::from([(1, 10), (2, 20)]);
    /// let mut sum = 0;
    /// for (_, v) in &map.pin() {
    ///     sum += v;
    /// }
    /// assert_eq!(sum, 30);
    /// ```
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'m, K, V, S> IntoIterator for &'m HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    type Item = Ref<'m, K, V>;
    type IntoIter = MapIter<'m, K, V>;

    /// ```
    /// let map = splitmap::HashMap::from([(1, 10), (2, 20)]);
    /// let mut sum = 0;
    /// for entry in &map {
    ///     sum += *entry;
    /// }
    /// assert_eq!(sum, 30);
    /// ```
    fn into_iter(self) -> MapIter<'m, K, V> {
        self.iter()
    }
}

impl<K, V, S> IntoIterator for HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;

    /// ```
    /// let map = splitmap::HashMap::from([("a".to_string(), vec![1])]);
    /// let owned: Vec<(String, Vec<i32>)> = map.into_iter().collect();
    /// assert_eq!(owned, [("a".to_string(), vec![1])]);
    /// ```
    fn into_iter(mut self) -> IntoIter<K, V> {
        self.drain()
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
opaque_debug!(Iter, Keys, Values, MapIter);

impl<K, V> fmt::Debug for IntoIter<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("remaining", &self.inner.len())
            .finish()
    }
}
