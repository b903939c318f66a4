//! The public set: a [`HashMap`] from elements to `()`, with std's `HashSet` meanings.

use equivalent::Equivalent;
use std::fmt;
use std::hash::{BuildHasher, Hash};

use crate::map::{DefaultHashBuilder, HashMap, Keys, MapIter, Pinned, Ref};

/// A lock-free concurrent hash set, with the guarantees of [`HashMap`] (it is one, from
/// elements to `()`).
///
/// Every method takes `&self`. The names mean what they mean on
/// [`std::collections::HashSet`]: [`insert`](Self::insert) and [`remove`](Self::remove)
/// return whether the set changed, and `insert` of an element already present leaves
/// the stored element in place. Lookups that return references (and iteration) go
/// through a [`PinnedSet`] handle from [`pin`](Self::pin).
///
/// # Examples
///
/// ```
/// use splitmap::HashSet;
/// use std::sync::Arc;
///
/// let seen = Arc::new(HashSet::new());
/// let handles: Vec<_> = (0..4u64)
///     .map(|t| {
///         let seen = Arc::clone(&seen);
///         std::thread::spawn(move || (0..100u64).filter(|i| seen.insert(i % 50 + t)).count())
///     })
///     .collect();
/// let firsts: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
/// // Exactly one thread saw each element first.
/// assert_eq!(firsts, seen.len());
/// assert_eq!(seen.len(), 53);
/// ```
pub struct HashSet<T, S = DefaultHashBuilder> {
    map: HashMap<T, (), S>,
}

impl<T> HashSet<T, DefaultHashBuilder> {
    /// An empty set.
    ///
    /// ```
    /// let set: splitmap::HashSet<u32> = splitmap::HashSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> Self {
        HashSet {
            map: HashMap::new(),
        }
    }

    /// An empty set with room for `capacity` elements before it grows.
    ///
    /// ```
    /// let set: splitmap::HashSet<u32> = splitmap::HashSet::with_capacity(100);
    /// assert!(set.capacity() >= 100);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        HashSet {
            map: HashMap::with_capacity(capacity),
        }
    }
}

impl<T, S> HashSet<T, S> {
    /// An empty set that hashes with `build_hasher`.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let set: splitmap::HashSet<u32, RandomState> =
    ///     splitmap::HashSet::with_hasher(RandomState::new());
    /// assert!(set.is_empty());
    /// ```
    pub fn with_hasher(build_hasher: S) -> Self {
        HashSet {
            map: HashMap::with_hasher(build_hasher),
        }
    }

    /// An empty set with room for `capacity` elements, hashing with `build_hasher`.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let set: splitmap::HashSet<u32, RandomState> =
    ///     splitmap::HashSet::with_capacity_and_hasher(10, RandomState::new());
    /// assert!(set.is_empty());
    /// ```
    pub fn with_capacity_and_hasher(capacity: usize, build_hasher: S) -> Self {
        HashSet {
            map: HashMap::with_capacity_and_hasher(capacity, build_hasher),
        }
    }

    /// The set's hasher builder.
    ///
    /// ```
    /// let set: splitmap::HashSet<u32> = splitmap::HashSet::new();
    /// let _hasher: &splitmap::DefaultHashBuilder = set.hasher();
    /// ```
    pub fn hasher(&self) -> &S {
        self.map.hasher()
    }

    /// The number of elements (approximate while writers run).
    ///
    /// ```
    /// let set = splitmap::HashSet::new();
    /// set.insert(1);
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// `true` if the set holds no elements (approximate while writers run).
    ///
    /// ```
    /// let set: splitmap::HashSet<u8> = splitmap::HashSet::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl<T, S> HashSet<T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    /// Pin the current thread and return a handle for lookups that return references
    /// and for iteration. As with [`HashMap::pin`], keep handles short-lived and never
    /// hold one across an `.await`.
    ///
    /// ```
    /// let set = splitmap::HashSet::new();
    /// set.insert("a".to_string());
    /// let s = set.pin();
    /// assert_eq!(s.get("a").map(String::as_str), Some("a"));
    /// ```
    pub fn pin(&self) -> PinnedSet<'_, T, S> {
        PinnedSet {
            inner: self.map.pin(),
        }
    }

    /// The stored element equal to `value`, as a [`SetRef`] that holds its own pin
    /// (as [`HashMap::get`]; std's `HashSet::get` returns `&T`, which a shared set can
    /// only give through a handle: [`PinnedSet::get`]).
    ///
    /// ```
    /// let set = splitmap::HashSet::from(["a".to_string()]);
    /// let a = set.get("a").unwrap();
    /// assert_eq!(a.len(), 1); // derefs to the String
    /// assert!(set.get("b").is_none());
    /// ```
    pub fn get<Q>(&self, value: &Q) -> Option<SetRef<'_, T>>
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.map.get(value).map(|inner| SetRef { inner })
    }

    /// Iterate over the elements as [`SetRef`]s, with a pin the iterator owns (as
    /// [`HashMap::iter`]): a function can return it, and each element may outlive it.
    /// Weakly consistent, as [`PinnedSet::iter`].
    ///
    /// ```
    /// let set: splitmap::HashSet<u32> = (1..=4).collect();
    /// assert_eq!(set.iter().map(|x| *x).sum::<u32>(), 10);
    /// for x in &set {
    ///     assert!(*x >= 1);
    /// }
    /// ```
    pub fn iter(&self) -> SetRefIter<'_, T> {
        SetRefIter {
            inner: self.map.iter(),
        }
    }

    /// `true` if the set holds `value`.
    ///
    /// ```
    /// let set = splitmap::HashSet::new();
    /// set.insert(3);
    /// assert!(set.contains(&3) && !set.contains(&4));
    /// ```
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.map.contains_key(value)
    }

    /// Add `value`; `true` if it was not present. If it was, the set is unchanged
    /// (the stored element stays, as in std) and `value` is dropped.
    ///
    /// ```
    /// let set = splitmap::HashSet::new();
    /// assert!(set.insert(1));
    /// assert!(!set.insert(1));
    /// ```
    pub fn insert(&self, value: T) -> bool {
        self.pin().insert(value)
    }

    /// Remove `value`; `true` if it was present.
    ///
    /// ```
    /// let set = splitmap::HashSet::new();
    /// set.insert(1);
    /// assert!(set.remove(&1));
    /// assert!(!set.remove(&1));
    /// ```
    pub fn remove<Q>(&self, value: &Q) -> bool
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.map.remove(value).is_some()
    }

    /// Elements the set holds before it grows (as [`HashMap::capacity`]).
    ///
    /// ```
    /// let set: splitmap::HashSet<u8> = splitmap::HashSet::with_capacity(64);
    /// assert!(set.capacity() >= 64);
    /// ```
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    /// Make room for at least `additional` elements more (as [`HashMap::reserve`]).
    ///
    /// ```
    /// let set: splitmap::HashSet<u32> = splitmap::HashSet::new();
    /// set.reserve(100);
    /// assert!(set.capacity() >= 100);
    /// ```
    pub fn reserve(&self, additional: usize) {
        self.map.reserve(additional)
    }

    /// Shrink the table to the element count (as [`HashMap::shrink_to_fit`]).
    ///
    /// ```
    /// let set = splitmap::HashSet::new();
    /// for i in 0..1000 {
    ///     set.insert(i);
    /// }
    /// set.retain(|x| *x < 10);
    /// set.shrink_to_fit();
    /// assert!(set.capacity() < 1000);
    /// ```
    pub fn shrink_to_fit(&self) {
        self.map.shrink_to_fit()
    }

    /// Remove every element present for the whole call (as [`HashMap::clear`]).
    ///
    /// ```
    /// let set: splitmap::HashSet<u8> = (0..10).collect();
    /// set.clear();
    /// assert!(set.is_empty());
    /// ```
    pub fn clear(&self) {
        self.map.clear()
    }

    /// Keep only the elements for which `keep` returns `true` (as [`HashMap::retain`]).
    ///
    /// ```
    /// let set: splitmap::HashSet<u32> = (0..10).collect();
    /// set.retain(|x| x % 2 == 0);
    /// assert_eq!(set.len(), 5);
    /// ```
    pub fn retain<F: FnMut(&T) -> bool>(&self, mut keep: F) {
        self.map.retain(|k, _| keep(k))
    }

    /// Move every element out, leaving the set empty (std's `drain`, eagerly, as
    /// [`HashMap::drain`]).
    ///
    /// ```
    /// let mut set: splitmap::HashSet<u8> = [7].into();
    /// assert_eq!(set.drain().collect::<Vec<_>>(), [7]);
    /// assert!(set.is_empty());
    /// ```
    pub fn drain(&mut self) -> SetIntoIter<T> {
        SetIntoIter {
            inner: self.map.drain(),
        }
    }
}

/// A handle on a [`HashSet`] that holds an epoch guard, from [`HashSet::pin`]: its
/// lookups return references that live as long as the handle. As with
/// [`Pinned`], keep it short-lived and drop it before taking the next.
///
/// ```
/// let set: splitmap::HashSet<u32> = (1..=3).collect();
/// let s = set.pin();
/// assert_eq!(s.iter().copied().sum::<u32>(), 6);
/// ```
pub struct PinnedSet<'s, T, S = DefaultHashBuilder> {
    inner: Pinned<'s, T, (), S>,
}

impl<T, S> PinnedSet<'_, T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    /// `true` if the set holds `value`.
    ///
    /// ```
    /// let set: splitmap::HashSet<u8> = [1, 2].into();
    /// assert!(set.pin().contains(&2));
    /// ```
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.inner.contains_key(value)
    }

    /// The stored element equal to `value`.
    ///
    /// ```
    /// let set = splitmap::HashSet::new();
    /// set.insert("x".to_string());
    /// assert_eq!(set.pin().get("x"), Some(&"x".to_string()));
    /// ```
    pub fn get<Q>(&self, value: &Q) -> Option<&T>
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.inner.get_key_value(value).map(|(k, _)| k)
    }

    /// Add `value`; `true` if it was not present (see [`HashSet::insert`]).
    ///
    /// ```
    /// let set = splitmap::HashSet::new();
    /// let s = set.pin();
    /// assert!(s.insert(7));
    /// assert!(!s.insert(7));
    /// ```
    pub fn insert(&self, value: T) -> bool {
        self.inner.try_insert(value, ()).is_ok()
    }

    /// Remove `value`; `true` if it was present.
    ///
    /// ```
    /// let set: splitmap::HashSet<u8> = [1].into();
    /// assert!(set.pin().remove(&1));
    /// ```
    pub fn remove<Q>(&self, value: &Q) -> bool
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.inner.remove(value).is_some()
    }

    /// Iterate over the elements: weakly consistent, like [`Pinned::iter`] (each
    /// element present for the whole iteration is yielded once; elements inserted or
    /// removed meanwhile may or may not be).
    ///
    /// ```
    /// let set: splitmap::HashSet<u8> = [1, 2, 3].into();
    /// let mut v: Vec<u8> = set.pin().iter().copied().collect();
    /// v.sort();
    /// assert_eq!(v, [1, 2, 3]);
    /// ```
    pub fn iter(&self) -> SetIter<'_, T> {
        SetIter {
            inner: self.inner.keys(),
        }
    }

    /// The number of elements (approximate while writers run).
    ///
    /// ```
    /// let set: splitmap::HashSet<u8> = [1, 2].into();
    /// assert_eq!(set.pin().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// `true` if the set holds no elements.
    ///
    /// ```
    /// let set: splitmap::HashSet<u8> = splitmap::HashSet::new();
    /// assert!(set.pin().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

/// The iterator of [`PinnedSet::iter`].
///
/// ```
/// let set: splitmap::HashSet<u8> = [5].into();
/// let s = set.pin();
/// let mut it: splitmap::SetIter<'_, u8> = s.iter();
/// assert_eq!(it.next(), Some(&5));
/// assert_eq!(it.next(), None);
/// ```
pub struct SetIter<'a, T> {
    inner: Keys<'a, T, ()>,
}

impl<'a, T: Eq> Iterator for SetIter<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        self.inner.next()
    }
}

impl<T> fmt::Debug for SetIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetIter").finish_non_exhaustive()
    }
}

impl<'a, T, S> IntoIterator for &'a PinnedSet<'_, T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    type Item = &'a T;
    type IntoIter = SetIter<'a, T>;
    fn into_iter(self) -> SetIter<'a, T> {
        self.iter()
    }
}

/// An element of a [`HashSet`] that holds its own pin, from [`HashSet::get`] and
/// [`HashSet::iter`]: it derefs to the element and keeps it alive (as a [`Ref`] does
/// for a map entry) even if the element is removed meanwhile.
///
/// ```
/// let set = splitmap::HashSet::from([5u8]);
/// let five: splitmap::SetRef<'_, u8> = set.get(&5).unwrap();
/// set.remove(&5);
/// assert_eq!(*five, 5); // still readable
/// ```
pub struct SetRef<'s, T> {
    inner: Ref<'s, T, ()>,
}

impl<T> std::ops::Deref for SetRef<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.key()
    }
}

impl<T: fmt::Debug> fmt::Debug for SetRef<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Iterator over [`SetRef`]s that owns its pin, from [`HashSet::iter`].
///
/// ```
/// let set = splitmap::HashSet::from([1, 2]);
/// let it: splitmap::SetRefIter<'_, i32> = set.iter();
/// assert_eq!(it.count(), 2);
/// ```
pub struct SetRefIter<'s, T> {
    inner: MapIter<'s, T, ()>,
}

impl<'s, T: Eq> Iterator for SetRefIter<'s, T> {
    type Item = SetRef<'s, T>;
    fn next(&mut self) -> Option<SetRef<'s, T>> {
        self.inner.next().map(|inner| SetRef { inner })
    }
}

impl<T> fmt::Debug for SetRefIter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetRefIter").finish_non_exhaustive()
    }
}

/// `for x in &set`: [`SetRef`]s, as [`HashSet::iter`].
impl<'s, T, S> IntoIterator for &'s HashSet<T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    type Item = SetRef<'s, T>;
    type IntoIter = SetRefIter<'s, T>;

    /// ```
    /// let set = splitmap::HashSet::from([1, 2, 3]);
    /// let mut n = 0;
    /// for x in &set {
    ///     n += *x;
    /// }
    /// assert_eq!(n, 6);
    /// ```
    fn into_iter(self) -> SetRefIter<'s, T> {
        self.iter()
    }
}

/// The elements of a [`HashSet`] by value: from its `into_iter` and
/// [`drain`](HashSet::drain).
///
/// ```
/// let set: splitmap::HashSet<String> = ["a".to_string()].into();
/// let it: splitmap::SetIntoIter<String> = set.into_iter();
/// assert_eq!(it.collect::<Vec<_>>(), ["a".to_string()]);
/// ```
pub struct SetIntoIter<T> {
    inner: crate::IntoIter<T, ()>,
}

impl<T> Iterator for SetIntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|(t, ())| t)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> ExactSizeIterator for SetIntoIter<T> {}

impl<T> fmt::Debug for SetIntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetIntoIter")
            .field("remaining", &self.inner.len())
            .finish_non_exhaustive()
    }
}

/// The elements by value (std's `IntoIterator for HashSet`).
impl<T, S> IntoIterator for HashSet<T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    type Item = T;
    type IntoIter = SetIntoIter<T>;

    /// ```
    /// let set: splitmap::HashSet<u32> = (1..=3).collect();
    /// let mut all: Vec<u32> = set.into_iter().collect();
    /// all.sort();
    /// assert_eq!(all, [1, 2, 3]);
    /// ```
    fn into_iter(self) -> SetIntoIter<T> {
        SetIntoIter {
            inner: self.map.into_iter(),
        }
    }
}

impl<T, S> fmt::Debug for PinnedSet<'_, T, S>
where
    T: Hash + Eq + Send + 'static + fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T, S> fmt::Debug for HashSet<T, S>
where
    T: Hash + Eq + Send + 'static + fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pin().fmt(f)
    }
}

impl<T, S: Default> Default for HashSet<T, S> {
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<T, S> Clone for HashSet<T, S>
where
    T: Hash + Eq + Send + 'static + Clone,
    S: BuildHasher + Clone,
{
    /// A snapshot copy: weakly consistent with writers running, like [`PinnedSet::iter`].
    fn clone(&self) -> Self {
        HashSet {
            map: self.map.clone(),
        }
    }
}

impl<T, S> PartialEq for HashSet<T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    /// Equal lengths and every element of `self` in `other`. With writers running the
    /// two sides are read at different moments, so the answer is only meaningful for
    /// sets nobody is changing.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.pin(), other.pin());
        a.len() == b.len() && a.iter().all(|x| b.contains(x))
    }
}

impl<T, S> Eq for HashSet<T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
}

impl<T, S> FromIterator<T> for HashSet<T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut set = Self::with_capacity_and_hasher(iter.size_hint().0, S::default());
        set.extend(iter);
        set
    }
}

impl<T, S> Extend<T> for HashSet<T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        (&*self).extend(iter)
    }
}

impl<T, S> Extend<T> for &HashSet<T, S>
where
    T: Hash + Eq + Send + 'static,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        let s = self.pin();
        for x in iter {
            s.insert(x);
        }
    }
}

impl<T, const N: usize> From<[T; N]> for HashSet<T, DefaultHashBuilder>
where
    T: Hash + Eq + Send + 'static,
{
    /// ```
    /// let set = splitmap::HashSet::from([1, 2, 2]);
    /// assert_eq!(set.len(), 2);
    /// ```
    fn from(values: [T; N]) -> Self {
        values.into_iter().collect()
    }
}
