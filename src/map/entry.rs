//! The entry API without locks: [`HashMap::entry`] looks the key up once and says what
//! it found; every step after that is its own atomic operation on the map.
//!
//! std's entry holds the map's lock from the lookup to the last step, so
//! `*map.entry(k).or_insert(0) += 1` is one atomic update. Here nothing is held: a
//! step re-checks the key and acts on what it finds then. `or_insert` inserts only if
//! the key is still absent (else it returns what another thread inserted);
//! `and_modify` replaces the value with a modified clone, atomically, retrying (and
//! calling its closure again, on a fresh clone) if another thread wrote the key
//! meanwhile, and turns the entry vacant if the key was removed. So
//! `map.entry(k).and_modify(|n| *n += 1).or_insert(1)` counts exactly under any
//! concurrency; `*entry.or_insert(0) += 1` does not compile (there is no `&mut V` in
//! a shared map).

use std::fmt;
use std::hash::{BuildHasher, Hash};

use super::{ops, HashMap, Ref};
use crate::raw::{Decision, KeyRef};

/// A key of a [`HashMap`] and what its lookup found, from [`HashMap::entry`] (or
/// [`Pinned::entry`](crate::Pinned::entry)).
///
/// std's entry holds the map's lock from the lookup to the last step. Here nothing is
/// held: each step is its own atomic operation and acts on what it finds then.
/// [`or_insert`](Self::or_insert) inserts only if the key is still absent (else it
/// returns what another thread inserted); [`and_modify`](Self::and_modify) replaces the
/// value with a modified clone atomically, calling its closure again on a fresh clone if
/// another thread wrote the key first, and turns the entry vacant if the key was
/// removed. So `entry(k).and_modify(|n| *n += 1).or_insert(1)` counts exactly under any
/// concurrency. Values are handed out as [`Ref`]s (there is no `&mut V` in a shared
/// map, so std's `*entry(k).or_insert(0) += 1` is written as above).
///
/// ```
/// use splitmap::Entry;
/// let map = splitmap::HashMap::new();
/// // A counter: exact under any number of threads.
/// map.entry("hits").and_modify(|n| *n += 1).or_insert(1);
/// map.entry("hits").and_modify(|n| *n += 1).or_insert(1);
/// assert_eq!(*map.get("hits").unwrap(), 2);
/// match map.entry("misses") {
///     Entry::Occupied(_) => unreachable!(),
///     Entry::Vacant(v) => assert_eq!(*v.insert(0), 0),
/// };
/// ```
pub enum Entry<'m, K, V, S = super::DefaultHashBuilder> {
    /// The key was present when looked up.
    Occupied(OccupiedEntry<'m, K, V, S>),
    /// The key was absent when looked up.
    Vacant(VacantEntry<'m, K, V, S>),
}

/// An [`Entry`] whose key was present; it holds the entry it found (with a pin).
///
/// ```
/// use splitmap::Entry;
/// let map = splitmap::HashMap::from([("a", 1)]);
/// if let Entry::Occupied(o) = map.entry("a") {
///     assert_eq!((o.key(), o.get()), (&"a", &1));
///     assert_eq!(o.remove().map(|r| *r), Some(1));
/// }
/// assert!(map.is_empty());
/// ```
pub struct OccupiedEntry<'m, K, V, S = super::DefaultHashBuilder> {
    map: &'m HashMap<K, V, S>,
    hash: u64,
    /// The caller's key, until a write moves it into the map.
    key: Option<K>,
    current: Ref<'m, K, V>,
}

/// An [`Entry`] whose key was absent.
///
/// ```
/// use splitmap::Entry;
/// let map: splitmap::HashMap<&str, i32> = splitmap::HashMap::new();
/// if let Entry::Vacant(v) = map.entry("a") {
///     assert_eq!(v.key(), &"a");
///     v.insert(1);
/// }
/// assert_eq!(map.get_cloned("a"), Some(1));
/// ```
pub struct VacantEntry<'m, K, V, S = super::DefaultHashBuilder> {
    map: &'m HashMap<K, V, S>,
    hash: u64,
    key: K,
    /// An `and_modify` closure that found no value to modify: if another thread
    /// inserts the key before `or_insert`, that insert's value is modified instead of
    /// kept, as if the whole chain had run at once (what std's lock gives).
    pending: Option<Modifier<'m, V>>,
}

/// A boxed `and_modify` closure (with the clone it modifies), kept only when an entry
/// turns out vacant.
type Modifier<'m, V> = Box<dyn FnMut(&V) -> V + 'm>;

/// An `and_modify` closure as a function from the old value to the new.
fn modifier<'m, V: Clone>(mut f: impl FnMut(&mut V) + 'm) -> Modifier<'m, V> {
    Box::new(move |old: &V| {
        let mut new = old.clone();
        f(&mut new);
        new
    })
}

impl<K, V, S> HashMap<K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    /// Look `key` up and return its [`Entry`]: occupied (with the value found) or
    /// vacant. What each later step does without a lock is in the [`Entry`] notes.
    ///
    /// ```
    /// let words = ["a", "b", "a"];
    /// let counts = splitmap::HashMap::new();
    /// for w in words {
    ///     counts.entry(w.to_string()).and_modify(|n| *n += 1).or_insert(1);
    /// }
    /// assert_eq!(counts.get_cloned("a"), Some(2));
    /// ```
    pub fn entry(&self, key: K) -> Entry<'_, K, V, S> {
        let hash = self.hash(&key);
        match self.keep_one(|raw, g| raw.find(hash, &key, g)) {
            Some(current) => Entry::Occupied(OccupiedEntry {
                map: self,
                hash,
                key: Some(key),
                current,
            }),
            None => Entry::Vacant(VacantEntry {
                map: self,
                hash,
                key,
                pending: None,
            }),
        }
    }
}

impl<'m, K, V, S> Entry<'m, K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    /// The entry's key.
    ///
    /// ```
    /// let map: splitmap::HashMap<&str, u8> = splitmap::HashMap::new();
    /// assert_eq!(map.entry("k").key(), &"k");
    /// ```
    pub fn key(&self) -> &K {
        match self {
            Entry::Occupied(o) => o.key(),
            Entry::Vacant(v) => v.key(),
        }
    }

    /// The value, inserting `default` first if the key is absent (still absent: if
    /// another thread inserted it since the lookup, theirs is returned).
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert_eq!(*map.entry("a").or_insert(1), 1);
    /// assert_eq!(*map.entry("a").or_insert(2), 1);
    /// ```
    pub fn or_insert(self, default: V) -> Ref<'m, K, V> {
        match self {
            Entry::Occupied(o) => o.into_ref(),
            Entry::Vacant(v) => v.insert_if_absent(default),
        }
    }

    /// [`or_insert`](Self::or_insert) with the value made by `f`, only if the key was
    /// absent at the lookup.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert_eq!(*map.entry("a").or_insert_with(|| 1), 1);
    /// assert_eq!(*map.entry("a").or_insert_with(|| unreachable!()), 1);
    /// ```
    pub fn or_insert_with<F: FnOnce() -> V>(self, f: F) -> Ref<'m, K, V> {
        match self {
            Entry::Occupied(o) => o.into_ref(),
            Entry::Vacant(v) => v.insert_if_absent(f()),
        }
    }

    /// [`or_insert_with`](Self::or_insert_with), with `f` shown the key.
    ///
    /// ```
    /// let map = splitmap::HashMap::new();
    /// assert_eq!(*map.entry("abc").or_insert_with_key(|k| k.len()), 3);
    /// ```
    pub fn or_insert_with_key<F: FnOnce(&K) -> V>(self, f: F) -> Ref<'m, K, V> {
        match self {
            Entry::Occupied(o) => o.into_ref(),
            Entry::Vacant(v) => {
                let value = f(&v.key);
                v.insert_if_absent(value)
            }
        }
    }

    /// [`or_insert`](Self::or_insert) with `V::default()`.
    ///
    /// ```
    /// let map: splitmap::HashMap<&str, Vec<u8>> = splitmap::HashMap::new();
    /// assert!(map.entry("a").or_default().is_empty());
    /// ```
    pub fn or_default(self) -> Ref<'m, K, V>
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }

    /// If the key is present, replace its value with a clone that `f` modified,
    /// atomically; `f` runs again on a fresh clone if another thread wrote the key
    /// first. If the key is absent (or has been removed meanwhile), the entry is
    /// vacant and keeps `f`: should another thread insert the key before a following
    /// `or_insert*`, that call modifies their value with `f` instead of returning it
    /// unchanged, so `and_modify(f).or_insert(v)` acts as one atomic step.
    ///
    /// ```
    /// let map = splitmap::HashMap::from([("n", vec![1])]);
    /// map.entry("n").and_modify(|v| v.push(2)).or_default();
    /// assert_eq!(map.get_cloned("n"), Some(vec![1, 2]));
    /// ```
    pub fn and_modify<F: FnMut(&mut V) + 'm>(self, f: F) -> Self
    where
        K: Clone,
        V: Clone,
    {
        match self {
            Entry::Occupied(o) => o.modify(f),
            Entry::Vacant(mut v) => {
                v.pending = Some(modifier(f));
                Entry::Vacant(v)
            }
        }
    }
}

impl<'m, K, V, S> OccupiedEntry<'m, K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    /// The key, as stored in the map.
    ///
    /// ```
    /// use splitmap::Entry;
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// let Entry::Occupied(o) = map.entry(1) else { unreachable!() };
    /// assert_eq!(o.key(), &1);
    /// ```
    pub fn key(&self) -> &K {
        self.current.key()
    }

    /// The value found (it stays readable even if another thread replaces it).
    ///
    /// ```
    /// use splitmap::Entry;
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// let Entry::Occupied(o) = map.entry(1) else { unreachable!() };
    /// assert_eq!(o.get(), &'a');
    /// ```
    pub fn get(&self) -> &V {
        self.current.value()
    }

    /// The value found, as a [`Ref`] (std's `into_mut`, without the `mut`).
    ///
    /// ```
    /// use splitmap::Entry;
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// let Entry::Occupied(o) = map.entry(1) else { unreachable!() };
    /// assert_eq!(*o.into_ref(), 'a');
    /// ```
    pub fn into_ref(self) -> Ref<'m, K, V> {
        self.current
    }

    /// Set the key's value (whatever it is now, present or not); returns the value it
    /// replaced, if the key was still present.
    ///
    /// ```
    /// use splitmap::Entry;
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// let Entry::Occupied(o) = map.entry(1) else { unreachable!() };
    /// assert_eq!(o.insert('b').map(|old| *old), Some('a'));
    /// assert_eq!(map.get_cloned(&1), Some('b'));
    /// ```
    pub fn insert(self, value: V) -> Option<Ref<'m, K, V>>
    where
        K: Clone,
    {
        let (map, hash) = (self.map, self.hash);
        let key = self.key.unwrap_or_else(|| self.current.key().clone());
        map.keep_one(|raw, g| ops::insert(raw, hash, key, value, g).prev)
    }

    /// Remove the key (whatever its value is now); returns the value removed, or `None`
    /// if another thread removed it first.
    ///
    /// ```
    /// use splitmap::Entry;
    /// let map = splitmap::HashMap::from([(1, 'a')]);
    /// let Entry::Occupied(o) = map.entry(1) else { unreachable!() };
    /// assert_eq!(o.remove().map(|old| *old), Some('a'));
    /// ```
    pub fn remove(self) -> Option<Ref<'m, K, V>> {
        let (map, hash) = (self.map, self.hash);
        let key = self.current.key();
        map.keep_one(|raw, g| ops::remove_if(raw, hash, key, |_, _| true, g))
    }

    fn modify<F: FnMut(&mut V) + 'm>(self, mut f: F) -> Entry<'m, K, V, S>
    where
        K: Clone,
        V: Clone,
    {
        let (map, hash) = (self.map, self.hash);
        let key = self.key.unwrap_or_else(|| self.current.key().clone());
        // The lookup's pin serves the write too.
        let guard = self.current.into_guard();
        let (unused, [new]) = map.raw.keep_under(guard, |raw, g| {
            let (done, unused) =
                raw.modify_giving_back(hash, KeyRef::owned(key), g, |cur, _| match cur {
                    Some(e) => {
                        let mut value = e.value.clone();
                        f(&mut value);
                        Decision::Insert { key: None, value }
                    }
                    None => Decision::Keep,
                });
            (unused, [done.new])
        });
        match new {
            Some(current) => Entry::Occupied(OccupiedEntry {
                map,
                hash,
                key: unused,
                current: Ref::new(current),
            }),
            None => Entry::Vacant(VacantEntry {
                map,
                hash,
                key: unused.expect("a write that kept the map unchanged gives its key back"),
                pending: Some(modifier(f)),
            }),
        }
    }
}

impl<'m, K, V, S> VacantEntry<'m, K, V, S>
where
    K: Hash + Eq + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    /// The key that was looked up.
    ///
    /// ```
    /// use splitmap::Entry;
    /// let map: splitmap::HashMap<u8, u8> = splitmap::HashMap::new();
    /// let Entry::Vacant(v) = map.entry(1) else { unreachable!() };
    /// assert_eq!(v.key(), &1);
    /// ```
    pub fn key(&self) -> &K {
        &self.key
    }

    /// Give the key back.
    ///
    /// ```
    /// use splitmap::Entry;
    /// let map: splitmap::HashMap<String, u8> = splitmap::HashMap::new();
    /// let Entry::Vacant(v) = map.entry("k".to_string()) else { unreachable!() };
    /// assert_eq!(v.into_key(), "k");
    /// ```
    pub fn into_key(self) -> K {
        self.key
    }

    /// Set the key's value; returns it. If another thread inserted the key since the
    /// lookup, its value is replaced (std's `insert` sets the value either way);
    /// [`Entry::or_insert`] keeps theirs instead.
    ///
    /// ```
    /// use splitmap::Entry;
    /// let map = splitmap::HashMap::new();
    /// let Entry::Vacant(v) = map.entry(1) else { unreachable!() };
    /// assert_eq!(*v.insert('a'), 'a');
    /// ```
    pub fn insert(self, value: V) -> Ref<'m, K, V> {
        let VacantEntry { map, hash, key, .. } = self;
        map.keep_one(|raw, g| ops::insert(raw, hash, key, value, g).new)
            .expect("an insert installs an entry")
    }

    /// Insert `value` if the key is still absent; else return the current value, or,
    /// with a pending `and_modify` closure, replace it with a modified clone.
    fn insert_if_absent(self, value: V) -> Ref<'m, K, V> {
        let VacantEntry {
            map,
            hash,
            key,
            pending,
        } = self;
        match pending {
            None => map.keep_one(|raw, g| {
                let (done, _) = ops::try_insert(raw, hash, key, value, g);
                super::results::tried_entry(&done).1
            }),
            Some(mut f) => {
                map.keep_one(|raw, g| Some(ops::upsert(raw, hash, key, value, &mut *f, g)))
            }
        }
        .expect("an insert-if-absent reports the entry it inserted or found")
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for Entry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(o) => f.debug_tuple("Occupied").field(o).finish(),
            Entry::Vacant(v) => f.debug_tuple("Vacant").field(v).finish(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S> fmt::Debug for OccupiedEntry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OccupiedEntry")
            .field("key", self.current.key())
            .field("value", self.current.value())
            .finish()
    }
}

impl<K: fmt::Debug, V, S> fmt::Debug for VacantEntry<'_, K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VacantEntry")
            .field("key", &self.key)
            .finish()
    }
}
