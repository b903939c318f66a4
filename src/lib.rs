//! # splitmap: a lock-free concurrent hash map
//!
//! [`HashMap`] is shared between threads by `&` or `Arc` and never takes a lock:
//! writers update slots with compare-and-swap, readers write no shared memory, and a
//! resize is done cooperatively by the writers that run into it, a block at a time.
//!
//! ```
//! use splitmap::HashMap;
//!
//! let map = HashMap::new();
//! std::thread::scope(|s| {
//!     for t in 0..4 {
//!         let map = &map;
//!         s.spawn(move || {
//!             for i in 0..1000 {
//!                 map.insert(t * 1000 + i, i);
//!             }
//!         });
//!     }
//! });
//! assert_eq!(map.len(), 4000);
//! let m = map.pin(); // a handle: references live as long as it does
//! assert_eq!(m.get(&1234), Some(&234));
//! ```
//!
//! [`WordMap`] is the same design for keys and values that fit in a machine word
//! ([`Word`]): they live in the table itself, so no operation allocates, nothing but
//! whole tables is ever retired, and every method returns copies (no handle to hold;
//! [`WordMap::pin`] gives one that pins once for a batch of operations).
//!
//! ```
//! use splitmap::WordMap;
//!
//! let counts: WordMap<u32, u64> = WordMap::new();
//! counts.fetch_add(7, 1);
//! counts.fetch_add(7, 1);
//! assert_eq!(counts.get(&7), Some(2));
//! ```
//!
//! [`HashSet`] is a `HashMap<T, ()>` with std's `HashSet` meanings (`insert` and
//! `remove` say whether the set changed; inserting a present element keeps the stored
//! one).
//!
//! ```
//! let set = splitmap::HashSet::from(["a", "b"]);
//! assert!(!set.insert("a"));
//! assert!(set.contains("b"));
//! ```
//!
//! # One name, one meaning
//!
//! Every operation has one name and one meaning across the map, its handle and the
//! other collections here, and where `std::collections` has the name it has std's
//! meaning: `insert` gives back the value it replaced, `remove` the value it removed,
//! `get` the value; `HashSet::insert`/`remove` say whether the set changed. What
//! differs is only how a value in a shared map is handed out, since it cannot be moved
//! out while other threads may read it:
//!
//! | where | hands out | lives until |
//! |---|---|---|
//! | [`HashMap`]'s own methods | [`Ref<'_, K, V>`](Ref) (derefs to `V`, has `key()`) | the `Ref` is dropped (it holds its own pin) |
//! | [`Pinned`] (from [`HashMap::pin`]) | `&V` | the handle is dropped |
//! | [`WordMap`] and [`PinnedWordMap`] (from [`WordMap::pin`]) | `V` (a copy of a word) | (owned) |
//!
//! So `map.insert(k, v).is_none()` is "was new", `map.remove(&k).map(|old| old.clone())`
//! is std's owned result, and `map.get_cloned(&k)` is the owned value for code that must
//! not hold a pin (across `.await`). `compute`, `try_insert`, `get_or_insert(_with)`,
//! `update`, `upsert`, `remove_if`, `entry`, `iter`, `retain` and `clear` exist on both
//! the map and the handle; [`Entry`] is the lock-free entry API. The differences from
//! std that a shared map forces: no `&mut V` (so `*map.entry(k).or_insert(0) += 1` is
//! written `map.entry(k).and_modify(|n| *n += 1).or_insert(1)`; `get_mut`, `drain` and
//! `into_iter` take the map by `&mut`/value and are std's), closures that may run more
//! than once, and `insert` over a present key storing the new key object (std keeps the
//! old one; they are equal). `docs/migrating.md` ports common code side by side.
//!
//! # Consistency
//!
//! - Every single-key operation (`get`, `insert`, `try_insert`, `update`, `compute`,
//!   `remove`, `remove_if`, ...) is linearizable: it takes effect at one instant between
//!   its call and its return. A `get` racing an `insert` of the same key sees either the
//!   old or the new value, never a torn one.
//! - Iteration (`iter`, `keys`, `values`, and `retain`, `Clone`, `Debug` built on it) is
//!   weakly consistent: each key is yielded at most once; every key present for the
//!   whole iteration is yielded; keys inserted or removed during it may or may not be.
//! - `len` is exact when no writer is running, and otherwise approximate (never negative).
//! - `clear` removes every entry present for the whole call.
//!
//! # Progress
//!
//! - `get`, `get_key_value`, `contains_key`: wait-free (at most two tables of bounded
//!   size are probed; nothing is written or allocated).
//! - `insert`, `try_insert`, `update`, `compute`, `remove`, `remove_if`: lock-free. An
//!   operation retries only because another thread's CAS succeeded. During a resize each
//!   write copies a 64-slot block of the old table (up to four when they hold few
//!   entries), and once all are claimed redoes one a helper has not finished; an insert
//!   that finds the new table full, iteration, `clear` and `retain` finish the copy
//!   themselves, so no thread ever waits for another.
//! - Closures passed to `update`, `compute` and `upsert` may run more than once: when
//!   their decision lost a race with another writer, or when an insert had to start a
//!   resize first. Only the last run's result is stored.
//!
//! # Guards and memory reclamation
//!
//! Removed entries and old tables are freed with epoch-based reclamation
//! (crossbeam-epoch): only after every thread that could still see them has unpinned.
//! [`HashMap::pin`] returns a [`Pinned`] handle that holds a pin. Keep handles short:
//! while any handle is alive, nothing removed from any map using the global collector
//! can be freed. Never hold a handle (or a [`Ref`]) across `.await`: call the map's own
//! methods and drop their `Ref`s before it, or take owned copies (`get_cloned`). Keys
//! and values must be `Send + 'static` because a value removed on one thread may be
//! dropped later on another (see "Why `'static`" in `docs/migrating.md`). When the map is dropped, every key and value it still holds is dropped
//! exactly once, at once; values removed earlier are dropped when the collector frees them.
//!
//! # Panics
//!
//! A panic in a user `Hash`, `Eq`, `Clone` or closure leaves the map usable and leaks
//! nothing: no user code runs while a slot is half-written, and a migration never calls
//! user code (hashes are stored with the entries).
//!
//! # Design
//!
//! One open-addressing table of atomic slots; the slot index is the *top* bits of the
//! hash (split order), so doubling the table sends old slot `i` to new slots `2i` and
//! `2i + 1`, and a block of the old table moves to one block of the new one. See
//! `docs/design.md` in the repository for the slot state machine, the migration
//! protocol and the memory-ordering arguments.

#![deny(missing_docs)]

/// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod map;
mod raw;
#[cfg(feature = "rayon")]
mod rayon_impls;
#[cfg(feature = "serde")]
mod serde_impls;
mod set;
mod sync;
mod word;
mod word_map;

#[cfg(splitmap_loom)]
#[doc(hidden)]
pub use sync::loom_stats as __loom_stats;

pub use map::{
    Compute, DefaultHashBuilder, Drain, Entry, HashMap, IntoIter, Iter, Keys, MapIter,
    OccupiedEntry, OccupiedError, Operation, Pinned, Ref, VacantEntry, Values,
};
pub use set::{HashSet, PinnedSet, SetIntoIter, SetIter, SetRef, SetRefIter};
pub use word::{IntWord, Word};
pub use word_map::{PinnedWordMap, WordIter, WordMap};

#[cfg(feature = "rayon")]
pub use rayon_impls::ParIter;

/// Lookups by a type that compares equal to the key (re-exported from the
/// [`equivalent`](https://docs.rs/equivalent) crate, as hashbrown and indexmap do).
///
/// Every method that finds a key (`get`, `contains_key`, `remove`, `update`, ...)
/// takes `&Q` where `Q: Hash + Equivalent<K>`. Every `Q` that `K` borrows as is
/// covered (`&str` for `String`), and a key made of parts can be looked up by borrowed
/// parts, which `Borrow` cannot express. `Q`'s `Hash` must agree with `K`'s.
///
/// # Examples
///
/// ```
/// use splitmap::{Equivalent, HashMap};
///
/// #[derive(Hash, PartialEq, Eq)]
/// struct Key { user: String, item: u32 }
///
/// // Hashes exactly as `Key` does (a derived `Hash` hashes the fields in order).
/// #[derive(Hash)]
/// struct KeyRef<'a> { user: &'a str, item: u32 }
///
/// impl Equivalent<Key> for KeyRef<'_> {
///     fn equivalent(&self, key: &Key) -> bool {
///         self.user == key.user && self.item == key.item
///     }
/// }
///
/// let map = HashMap::new();
/// map.insert(Key { user: "ana".to_string(), item: 7 }, 1.5);
/// // No `String` allocated for the lookup.
/// assert_eq!(map.get_cloned(&KeyRef { user: "ana", item: 7 }), Some(1.5));
/// assert!(!map.contains_key(&KeyRef { user: "ana", item: 8 }));
/// ```
pub use equivalent::Equivalent;
