//! What the map's operations hand back: [`Ref`] (an entry with its own pin), and the
//! results of `try_insert` and `compute`, shared by the map and its handle.

use std::fmt;

use crate::raw::{Guarded, Modified, Outcome};

/// A reference to one entry of a [`HashMap`](crate::HashMap) that holds its own epoch
/// pin; derefs to the value. The map's own methods return one wherever std returns a
/// value (the old value of `insert`, the removed value of `remove`, ...).
///
/// Like a [`Pinned`](crate::Pinned) handle, a `Ref` delays the freeing of everything
/// removed from any map while it lives: drop it soon, and never hold it across `.await`
/// (it is not `Send`, so a multi-threaded executor refuses such a future). For an owned
/// copy, clone the value: `map.get(&k).map(|r| r.clone())`, or
/// [`get_cloned`](crate::HashMap::get_cloned).
///
/// ```
/// let map = splitmap::HashMap::from([(1, "one")]);
/// let r: splitmap::Ref<'_, i32, &str> = map.get(&1).unwrap();
/// assert_eq!((*r.key(), *r.value()), (1, "one"));
/// assert_eq!(*r, "one");
/// ```
pub struct Ref<'m, K, V> {
    inner: Guarded<'m, K, V>,
}

impl<'m, K, V> Ref<'m, K, V> {
    pub(super) fn new(inner: Guarded<'m, K, V>) -> Self {
        Ref { inner }
    }

    /// Give up the entry and keep the pin (for the entry API's next step).
    pub(super) fn into_guard(self) -> crossbeam_epoch::Guard {
        self.inner.into_guard()
    }

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

    /// The key and the value.
    ///
    /// ```
    /// let map = splitmap::HashMap::from([(1, 10)]);
    /// let r = map.get(&1).unwrap();
    /// assert_eq!(r.pair(), (&1, &10));
    /// ```
    pub fn pair(&self) -> (&K, &V) {
        let e = self.inner.entry();
        (&e.key, &e.value)
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

/// What a `compute` closure decides for its key.
///
/// ```
/// use splitmap::Operation;
/// let decide = |cur: Option<&u32>| match cur {
///     Some(0) => Operation::Remove,
///     Some(n) => Operation::Insert(n - 1),
///     None => Operation::Abort,
/// };
/// assert_eq!(decide(Some(&2)), Operation::Insert(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation<V> {
    /// Insert this value, or replace the current one with it.
    Insert(V),
    /// Remove the key if it is present.
    Remove,
    /// Leave the map unchanged.
    Abort,
}

/// What `compute` did. `R` is how a value is handed out: `&V` from a
/// [`Pinned`](crate::Pinned) handle, [`Ref`] from the map itself.
///
/// ```
/// use splitmap::{Compute, Operation};
/// let map = splitmap::HashMap::new();
/// let m = map.pin();
/// assert_eq!(m.compute("k", |_| Operation::Insert(1)), Compute::Inserted(&1));
/// match map.compute("k", |_| Operation::Insert(2)) {
///     Compute::Updated { old, new } => assert_eq!((*old, *new), (1, 2)),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compute<R> {
    /// The key was absent and this value was inserted.
    Inserted(R),
    /// The key's value `old` was replaced by `new`.
    Updated {
        /// The value before the update.
        old: R,
        /// The value now in the map.
        new: R,
    },
    /// The key was removed; this was its value.
    Removed(R),
    /// The closure chose [`Operation::Abort`] (or `Remove` on an absent key); this is the
    /// value it was shown.
    Unchanged(Option<R>),
}

impl<R> Compute<R> {
    /// Build the report from what `modify` did, given the previous and the new entry
    /// already turned into `R`.
    pub(super) fn from_parts(outcome: Outcome, prev: Option<R>, new: Option<R>) -> Self {
        match outcome {
            Outcome::Inserted => Compute::Inserted(new.expect("inserted entry")),
            Outcome::Replaced => Compute::Updated {
                old: prev.expect("replaced entry"),
                new: new.expect("new entry"),
            },
            Outcome::Removed => Compute::Removed(prev.expect("removed entry")),
            Outcome::Kept => Compute::Unchanged(prev),
        }
    }
}

/// The error of `try_insert`: the key was present. `R` is how the current value is
/// handed out: `&V` from a [`Pinned`](crate::Pinned) handle, [`Ref`] from the map.
///
/// ```
/// let map = splitmap::HashMap::from([(1, 10)]);
/// let err = map.try_insert(1, 20).unwrap_err();
/// assert_eq!((*err.current, err.not_inserted), (10, 20));
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct OccupiedError<R, V> {
    /// The value already in the map.
    pub current: R,
    /// The value that was not inserted, given back.
    pub not_inserted: V,
}

/// `try_insert`'s result from what `modify` did and the value it gave back.
pub(super) fn tried<R, V>(
    inserted: bool,
    current: Option<R>,
    given_back: Option<V>,
) -> Result<R, OccupiedError<R, V>> {
    let current = current.expect("try_insert reports the entry it inserted or found");
    if inserted {
        Ok(current)
    } else {
        Err(OccupiedError {
            current,
            not_inserted: given_back.expect("value was given back"),
        })
    }
}

/// The entry `try_insert` reports: the one it installed, or the one it found.
pub(super) fn tried_entry<'g, K, V>(
    done: &Modified<'g, K, V>,
) -> (bool, Option<&'g crate::raw::Entry<K, V>>) {
    match done.outcome {
        Outcome::Inserted => (true, done.new),
        _ => (false, done.prev),
    }
}
