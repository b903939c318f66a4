//! The maps under test as bustle collections, their names in the tables, and a way to run
//! something once per selected map.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bustle::{Collection, CollectionHandle};

use crate::common::hasher::Hasher;
use crate::common::maps::{Dash, Flurry, MapOps, MutexStd, Papaya, PeerMap, RwLockStd, Scc};
use crate::common::maps::{Split, StdMap, Words};
use crate::config::Config;

/// When false, `Collection::with_capacity` ignores the capacity and builds an empty map of
/// the map's default size (the rapid-grow workload and the memory section grow from empty).
pub(crate) static PRESIZE: AtomicBool = AtomicBool::new(true);

fn cap(requested: usize) -> usize {
    if PRESIZE.load(Ordering::Relaxed) {
        requested
    } else {
        0
    }
}

/// A map shared by all threads, reached per call (`&M`'s `MapOps`): bustle keeps a handle
/// for a whole run, and a guard held that long (splitmap's `Pinned`, papaya's or flurry's
/// pin) would keep every removed entry alive.
struct Shared<M>(Arc<M>);

impl<M> Clone for Shared<M> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<M> Collection for Shared<M>
where
    M: PeerMap + Send + Sync + 'static,
    for<'a> &'a M: MapOps<u64>,
{
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Shared(Arc::new(M::create(cap(capacity))))
    }
    fn pin(&self) -> Self {
        self.clone()
    }
}

impl<M> CollectionHandle for Shared<M>
where
    for<'a> &'a M: MapOps<u64>,
{
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        (&*self.0).contains(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        (&*self.0).insert_new(*key, 0)
    }
    fn remove(&mut self, key: &u64) -> bool {
        (&*self.0).delete(key)
    }
    fn update(&mut self, key: &u64) -> bool {
        (&*self.0).increment(key)
    }
}

/// Operations a `*_REPINNED` handle runs under one pin before it takes the next: what a
/// caller with work in batches does (`map.pin()`, a batch, drop). 64 is the size of a
/// retirement batch (`src/raw/reclaim/batch.rs`), so a handle lets go of its pin about
/// as often as the map seals garbage.
pub(crate) const REPIN_EVERY: u32 = 64;

/// A collection whose handle reaches the map through the map's own pinned handle, taken
/// afresh every [`REPIN_EVERY`] operations (bustle keeps one handle per thread for a
/// whole run, and a pin held that long would keep every removed entry alive).
macro_rules! repinned {
    ($collection:ident, $handle:ident, $map:ty, $pinned:ident) => {
        #[derive(Clone)]
        pub(crate) struct $collection(Arc<$map>);

        impl Collection for $collection {
            type Handle = $handle;
            fn with_capacity(capacity: usize) -> Self {
                $collection(Arc::new(<$map as PeerMap>::create(cap(capacity))))
            }
            fn pin(&self) -> $handle {
                $handle {
                    pinned: None,
                    left: 0,
                    map: Arc::clone(&self.0),
                }
            }
        }

        /// Fields drop in order: the pinned handle before the map it borrows.
        pub(crate) struct $handle {
            /// Borrows `*map`, which `map` keeps alive and in place for as long as this
            /// handle exists; `'static` only because Rust cannot name that borrow.
            pinned: Option<splitmap::$pinned<'static, u64, u64, Hasher>>,
            left: u32,
            map: Arc<$map>,
        }

        impl $handle {
            #[inline]
            fn ops(&mut self) -> &mut splitmap::$pinned<'static, u64, u64, Hasher> {
                if self.left == 0 {
                    self.pinned = None; // unpin before the next pin
                    let pinned = self.map.pin();
                    // SAFETY: only the lifetime changes. The map is behind an `Arc` this
                    // handle owns, so it neither moves nor drops while `pinned` lives:
                    // `pinned` is dropped before `map` (field order) and replaced above
                    // before a new one is taken, and it never leaves this handle.
                    self.pinned = Some(unsafe {
                        std::mem::transmute::<
                            splitmap::$pinned<'_, u64, u64, Hasher>,
                            splitmap::$pinned<'static, u64, u64, Hasher>,
                        >(pinned)
                    });
                    self.left = REPIN_EVERY;
                }
                self.left -= 1;
                self.pinned.as_mut().expect("pinned above")
            }
        }

        impl CollectionHandle for $handle {
            type Key = u64;
            fn get(&mut self, key: &u64) -> bool {
                self.ops().contains(key)
            }
            fn insert(&mut self, key: &u64) -> bool {
                self.ops().insert_new(*key, 0)
            }
            fn remove(&mut self, key: &u64) -> bool {
                self.ops().delete(key)
            }
            fn update(&mut self, key: &u64) -> bool {
                self.ops().increment(key)
            }
        }
    };
}

repinned!(SplitRepinned, SplitRepinnedHandle, Split<u64>, Pinned);
repinned!(WordsRepinned, WordsRepinnedHandle, Words, PinnedWordMap);

/// `std::collections::HashMap` with no lock at all, for the single-thread baseline. A flag
/// makes sure at most one handle exists at a time, so it is only usable at one thread.
#[derive(Clone)]
struct StdNoLock(Arc<StdCell>);

struct StdCell {
    map: UnsafeCell<StdMap<u64>>,
    in_use: AtomicBool,
}

// SAFETY: the map inside is reached only through a `StdNoLockHandle`, and `in_use` (set
// with Acquire when a handle is made, cleared with Release when it drops) guarantees at
// most one handle exists at a time, so accesses never overlap and each thread's accesses
// happen-before the next handle's. u64 keys and values are Send + Sync.
unsafe impl Sync for StdCell {}

struct StdNoLockHandle(Arc<StdCell>);

impl Drop for StdNoLockHandle {
    fn drop(&mut self) {
        self.0.in_use.store(false, Ordering::Release);
    }
}

impl StdNoLockHandle {
    fn map(&mut self) -> &mut StdMap<u64> {
        // SAFETY: this handle is the only one (see the `Sync` impl), and `&mut self` means
        // no other borrow through it is alive.
        unsafe { &mut *self.0.map.get() }
    }
}

impl Collection for StdNoLock {
    type Handle = StdNoLockHandle;
    fn with_capacity(capacity: usize) -> Self {
        StdNoLock(Arc::new(StdCell {
            map: UnsafeCell::new(StdMap::create(cap(capacity))),
            in_use: AtomicBool::new(false),
        }))
    }
    fn pin(&self) -> StdNoLockHandle {
        assert!(
            !self.0.in_use.swap(true, Ordering::Acquire),
            "std HashMap without a lock is single-threaded only"
        );
        StdNoLockHandle(self.0.clone())
    }
}

impl CollectionHandle for StdNoLockHandle {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.map().contains(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.map().insert_new(*key, 0)
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.map().delete(key)
    }
    fn update(&mut self, key: &u64) -> bool {
        self.map().increment(key)
    }
}

/// Names as they appear in the tables, in display order.
pub(crate) const SPLITMAP: &str = "splitmap";
pub(crate) const WORDMAP: &str = "WordMap";
/// The same maps through their pinned handles, re-taken every [`REPIN_EVERY`] operations.
pub(crate) const SPLITMAP_REPINNED: &str = "splitmap (handle/64)";
pub(crate) const WORDMAP_REPINNED: &str = "WordMap (handle/64)";
pub(crate) const STD: &str = "std (no lock)";
pub(crate) const MUTEX: &str = "Mutex<HashMap>";
pub(crate) const RWLOCK: &str = "RwLock<HashMap>";
pub(crate) const DASHMAP: &str = "dashmap";
pub(crate) const PAPAYA: &str = "papaya";
pub(crate) const SCC: &str = "scc";
pub(crate) const FLURRY: &str = "flurry";
pub(crate) const ALL_MAPS: [&str; 11] = [
    SPLITMAP,
    SPLITMAP_REPINNED,
    WORDMAP,
    WORDMAP_REPINNED,
    STD,
    MUTEX,
    RWLOCK,
    DASHMAP,
    PAPAYA,
    SCC,
    FLURRY,
];
/// The concurrent maps splitmap's targets compare against.
pub(crate) const RIVALS: [&str; 3] = [DASHMAP, PAPAYA, SCC];

/// Something to do once per map type.
pub(crate) trait Visitor {
    fn visit<T: Collection>(&mut self, name: &'static str)
    where
        <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug;
}

/// Call `v` for every selected map; `std (no lock)` only when `threads == 1`.
pub(crate) fn each_map(cfg: &Config, threads: usize, v: &mut impl Visitor) {
    let on = |name: &str| cfg.maps.iter().any(|m| m == name) && (name != STD || threads == 1);
    if on(SPLITMAP) {
        v.visit::<Shared<Split<u64>>>(SPLITMAP);
    }
    if on(SPLITMAP_REPINNED) {
        v.visit::<SplitRepinned>(SPLITMAP_REPINNED);
    }
    if on(WORDMAP) {
        v.visit::<Shared<Words>>(WORDMAP);
    }
    if on(WORDMAP_REPINNED) {
        v.visit::<WordsRepinned>(WORDMAP_REPINNED);
    }
    if on(STD) {
        v.visit::<StdNoLock>(STD);
    }
    if on(MUTEX) {
        v.visit::<Shared<MutexStd<u64>>>(MUTEX);
    }
    if on(RWLOCK) {
        v.visit::<Shared<RwLockStd<u64>>>(RWLOCK);
    }
    if on(DASHMAP) {
        v.visit::<Shared<Dash<u64>>>(DASHMAP);
    }
    if on(PAPAYA) {
        v.visit::<Shared<Papaya<u64>>>(PAPAYA);
    }
    if on(SCC) {
        v.visit::<Shared<Scc<u64>>>(SCC);
    }
    if on(FLURRY) {
        v.visit::<Shared<Flurry<u64>>>(FLURRY);
    }
}
