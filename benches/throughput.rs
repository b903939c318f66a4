//! Multi-threaded throughput, latency and memory of `splitmap::HashMap` against other maps.
//!
//! Three sections, each writing CSV files under `BENCH_OUT` (default `target/bench-out/`):
//!
//! 1. **memory**: bytes per entry at `MEM_ENTRIES` (1M) `u64 -> u64` entries, and peak bytes
//!    while growing from empty to that size, from a counting global allocator. Runs first,
//!    single-threaded, before anything else has allocated garbage.
//! 2. **throughput**: the `bustle` harness (mixes of get/insert/remove/update over `u64`
//!    keys) at each thread count, median of `REPEATS` runs. The maps are interleaved inside
//!    each repeat so that a slow or fast phase of a noisy host hits every map alike.
//! 3. **latency**: a small driver with the same mixes that times one operation in
//!    `SAMPLE_EVERY` with `Instant` into an HDR histogram per thread, then merges them.
//!
//! Every map hashes with the same `ahash::RandomState` with fixed seeds.
//!
//! Environment:
//! - `QUICK=1`: tiny sizes and one repeat (a smoke test, well under a minute).
//! - `THREADS=1,2,4,8` (default), `REPEATS=5` (default), `MAPS=splitmap,mutex,...` (filter by
//!   name), `SECTIONS=memory,throughput,latency` (default all), `BENCH_OUT=dir`.
//! - `ALLOC=mimalloc`: run on mimalloc instead of glibc's malloc (the memory section is
//!   skipped then; it measures glibc only). splitmap allocates on every write, so the
//!   allocator matters; write such a run to another `BENCH_OUT`.
//! - `LOG2_CAP` (default 20; quick 12): bustle's initial capacity `2^LOG2_CAP`, which also
//!   sets the key space and the number of operations.
//!
//! Run it as `cargo bench --bench throughput`; it prints markdown tables to stdout and
//! progress to stderr.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::collections::HashMap as StdHashMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU8, Ordering};
use std::sync::{Arc, Barrier, Mutex, RwLock};
use std::time::Instant;

use bustle::{Collection, CollectionHandle, Mix, Workload};
use hdrhistogram::Histogram;

// ---------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------

/// The allocator under the counting layer: glibc's malloc (`System`, the default) or
/// mimalloc (`ALLOC=mimalloc`). Chosen on the first allocation, before `main` runs any
/// other code, with `getenv` (which does not allocate), and never changed after.
const BACKEND_UNSET: u8 = 0;
const BACKEND_SYSTEM: u8 = 1;
const BACKEND_MIMALLOC: u8 = 2;
static BACKEND: AtomicU8 = AtomicU8::new(BACKEND_UNSET);

extern "C" {
    /// libc: the value of an environment variable, or null.
    fn getenv(name: *const std::ffi::c_char) -> *const std::ffi::c_char;
}

fn backend() -> u8 {
    // Relaxed: the first allocation happens on the main thread before any other thread
    // exists, so every later load (ordered after thread spawns) sees the stored value.
    let b = BACKEND.load(Ordering::Relaxed);
    if b != BACKEND_UNSET {
        return b;
    }
    // SAFETY: a NUL-terminated name; `getenv` returns null or a NUL-terminated string that
    // lives as long as the environment is not modified, and we read it at once.
    let v = unsafe { getenv(c"ALLOC".as_ptr()) };
    // SAFETY: non-null results of `getenv` are NUL-terminated strings.
    let mi = !v.is_null() && unsafe { std::ffi::CStr::from_ptr(v) }.to_bytes() == b"mimalloc";
    let b = if mi { BACKEND_MIMALLOC } else { BACKEND_SYSTEM };
    BACKEND.store(b, Ordering::Relaxed);
    b
}

/// Passes every call to the backend allocator. While `COUNTING` is set (only with the
/// system allocator) it also tracks the bytes requested and the bytes glibc really hands out
/// (usable size plus its 8-byte chunk header), and the peak of both. Outside the memory
/// section it costs two relaxed loads.
struct CountingAlloc;
static COUNTING: AtomicBool = AtomicBool::new(false);
static REQ_NOW: AtomicIsize = AtomicIsize::new(0);
static REQ_PEAK: AtomicIsize = AtomicIsize::new(0);
static REAL_NOW: AtomicIsize = AtomicIsize::new(0);
static REAL_PEAK: AtomicIsize = AtomicIsize::new(0);

extern "C" {
    /// glibc: the usable size of a block returned by `malloc` and friends.
    fn malloc_usable_size(ptr: *mut u8) -> usize;
}

/// The bytes glibc reserves for a block: its usable size plus one 8-byte size header.
///
/// # Safety
///
/// - `ptr` is a live block from the system allocator.
unsafe fn real_size(ptr: *mut u8) -> isize {
    // SAFETY: `ptr` is live and came from glibc's malloc family (caller's contract), which
    // is what `System` uses on Linux.
    (unsafe { malloc_usable_size(ptr) } + 8) as isize
}

fn count(req: isize, real: isize) {
    let r = REQ_NOW.fetch_add(req, Ordering::Relaxed) + req;
    REQ_PEAK.fetch_max(r, Ordering::Relaxed);
    let r = REAL_NOW.fetch_add(real, Ordering::Relaxed) + real;
    REAL_PEAK.fetch_max(r, Ordering::Relaxed);
}

// SAFETY: every method forwards to the backend (which never changes after the first
// allocation, so a block is always freed by the allocator that made it) with the caller's
// arguments unchanged, so the `GlobalAlloc` contract holds exactly as it does for `System`
// and `MiMalloc`; the counting only reads the returned blocks' sizes, and only with glibc.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if backend() == BACKEND_MIMALLOC {
            // SAFETY: forwarded with the caller's layout (same contract).
            return unsafe { mimalloc::MiMalloc.alloc(layout) };
        }
        // SAFETY: forwarded with the caller's layout (same contract).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            // SAFETY: `p` was just returned by the system allocator.
            count(layout.size() as isize, unsafe { real_size(p) });
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if backend() == BACKEND_MIMALLOC {
            // SAFETY: forwarded with the caller's layout (same contract).
            return unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        }
        // SAFETY: forwarded with the caller's layout (same contract).
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            // SAFETY: `p` was just returned by the system allocator.
            count(layout.size() as isize, unsafe { real_size(p) });
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if backend() == BACKEND_MIMALLOC {
            // SAFETY: forwarded unchanged; `ptr` came from mimalloc (same backend throughout).
            return unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) };
        }
        if COUNTING.load(Ordering::Relaxed) {
            // SAFETY: `ptr` is live until the `dealloc` below (caller's contract).
            count(-(layout.size() as isize), -unsafe { real_size(ptr) });
        }
        // SAFETY: forwarded unchanged (same contract).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if backend() == BACKEND_MIMALLOC {
            // SAFETY: forwarded unchanged; `ptr` came from mimalloc (same backend throughout).
            return unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        }
        let counting = COUNTING.load(Ordering::Relaxed);
        let old_real = if counting {
            // SAFETY: `ptr` is live until the `realloc` below (caller's contract).
            unsafe { real_size(ptr) }
        } else {
            0
        };
        // SAFETY: forwarded unchanged (same contract).
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && counting {
            // SAFETY: `p` was just returned by the system allocator.
            let new_real = unsafe { real_size(p) };
            count(
                new_size as isize - layout.size() as isize,
                new_real - old_real,
            );
        }
        p
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

// ---------------------------------------------------------------------------------------
// The maps under test, as bustle collections
// ---------------------------------------------------------------------------------------

type Hasher = ahash::RandomState;

/// The one hasher every map uses: ahash with fixed seeds.
fn hasher() -> Hasher {
    ahash::RandomState::with_seeds(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344)
}

/// When false, `Collection::with_capacity` ignores the capacity and builds an empty map of
/// the map's default size (the rapid-grow workload and the memory section grow from empty).
static PRESIZE: AtomicBool = AtomicBool::new(true);

fn cap(requested: usize) -> usize {
    if PRESIZE.load(Ordering::Relaxed) {
        requested
    } else {
        0
    }
}

/// `splitmap::HashMap`, through the methods that pin per call (bustle keeps a handle for
/// a whole run, and a `Pinned` held that long would keep every removed entry alive).
#[derive(Clone)]
struct Split(Arc<splitmap::HashMap<u64, u64, Hasher>>);

impl Collection for Split {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Split(Arc::new(splitmap::HashMap::with_capacity_and_hasher(
            cap(capacity),
            hasher(),
        )))
    }
    fn pin(&self) -> Self {
        self.clone()
    }
}

impl CollectionHandle for Split {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.contains_key(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.insert(*key, 0)
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.remove(key)
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0.update(key, |v| v + 1)
    }
}

/// `std::collections::HashMap` with no lock at all, for the single-thread baseline. A flag
/// makes sure at most one handle exists at a time, so it is only usable at one thread.
#[derive(Clone)]
struct StdNoLock(Arc<StdCell>);

struct StdCell {
    map: UnsafeCell<StdHashMap<u64, u64, Hasher>>,
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
    fn map(&mut self) -> &mut StdHashMap<u64, u64, Hasher> {
        // SAFETY: this handle is the only one (see the `Sync` impl), and `&mut self` means
        // no other borrow through it is alive.
        unsafe { &mut *self.0.map.get() }
    }
}

impl Collection for StdNoLock {
    type Handle = StdNoLockHandle;
    fn with_capacity(capacity: usize) -> Self {
        StdNoLock(Arc::new(StdCell {
            map: UnsafeCell::new(StdHashMap::with_capacity_and_hasher(
                cap(capacity),
                hasher(),
            )),
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
        self.map().contains_key(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.map().insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.map().remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.map().get_mut(key).map(|v| *v += 1).is_some()
    }
}

#[derive(Clone)]
struct MutexStd(Arc<Mutex<StdHashMap<u64, u64, Hasher>>>);

impl Collection for MutexStd {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        MutexStd(Arc::new(Mutex::new(StdHashMap::with_capacity_and_hasher(
            cap(capacity),
            hasher(),
        ))))
    }
    fn pin(&self) -> Self {
        self.clone()
    }
}

impl CollectionHandle for MutexStd {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.lock().unwrap().contains_key(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.lock().unwrap().insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.lock().unwrap().remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0
            .lock()
            .unwrap()
            .get_mut(key)
            .map(|v| *v += 1)
            .is_some()
    }
}

#[derive(Clone)]
struct RwLockStd(Arc<RwLock<StdHashMap<u64, u64, Hasher>>>);

impl Collection for RwLockStd {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        RwLockStd(Arc::new(RwLock::new(StdHashMap::with_capacity_and_hasher(
            cap(capacity),
            hasher(),
        ))))
    }
    fn pin(&self) -> Self {
        self.clone()
    }
}

impl CollectionHandle for RwLockStd {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.read().unwrap().contains_key(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.write().unwrap().insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.write().unwrap().remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0
            .write()
            .unwrap()
            .get_mut(key)
            .map(|v| *v += 1)
            .is_some()
    }
}

#[derive(Clone)]
struct Dash(Arc<dashmap::DashMap<u64, u64, Hasher>>);

impl Collection for Dash {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Dash(Arc::new(dashmap::DashMap::with_capacity_and_hasher(
            cap(capacity),
            hasher(),
        )))
    }
    fn pin(&self) -> Self {
        self.clone()
    }
}

impl CollectionHandle for Dash {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.contains_key(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0.get_mut(key).map(|mut v| *v += 1).is_some()
    }
}

/// papaya, pinned per operation like splitmap (its own guidance for long-lived threads).
#[derive(Clone)]
struct Papaya(Arc<papaya::HashMap<u64, u64, Hasher>>);

impl Collection for Papaya {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Papaya(Arc::new(papaya::HashMap::with_capacity_and_hasher(
            cap(capacity),
            hasher(),
        )))
    }
    fn pin(&self) -> Self {
        self.clone()
    }
}

impl CollectionHandle for Papaya {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.pin().contains_key(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.pin().insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.pin().remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0.pin().update(*key, |v| v + 1).is_some()
    }
}

#[derive(Clone)]
struct Scc(Arc<scc::HashMap<u64, u64, Hasher>>);

impl Collection for Scc {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Scc(Arc::new(scc::HashMap::with_capacity_and_hasher(
            cap(capacity),
            hasher(),
        )))
    }
    fn pin(&self) -> Self {
        self.clone()
    }
}

impl CollectionHandle for Scc {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.contains_sync(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.insert_sync(*key, 0).is_ok()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.remove_sync(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0.update_sync(key, |_, v| *v += 1).is_some()
    }
}

#[derive(Clone)]
struct Flurry(Arc<flurry::HashMap<u64, u64, Hasher>>);

impl Collection for Flurry {
    type Handle = Self;
    fn with_capacity(capacity: usize) -> Self {
        Flurry(Arc::new(flurry::HashMap::with_capacity_and_hasher(
            cap(capacity),
            hasher(),
        )))
    }
    fn pin(&self) -> Self {
        self.clone()
    }
}

impl CollectionHandle for Flurry {
    type Key = u64;
    fn get(&mut self, key: &u64) -> bool {
        self.0.pin().contains_key(key)
    }
    fn insert(&mut self, key: &u64) -> bool {
        self.0.pin().insert(*key, 0).is_none()
    }
    fn remove(&mut self, key: &u64) -> bool {
        self.0.pin().remove(key).is_some()
    }
    fn update(&mut self, key: &u64) -> bool {
        self.0
            .pin()
            .compute_if_present(key, |_, v| Some(v + 1))
            .is_some()
    }
}

/// Names as they appear in the tables, in display order.
const SPLITMAP: &str = "splitmap";
const STD: &str = "std (no lock)";
const MUTEX: &str = "Mutex<HashMap>";
const RWLOCK: &str = "RwLock<HashMap>";
const DASHMAP: &str = "dashmap";
const PAPAYA: &str = "papaya";
const SCC: &str = "scc";
const FLURRY: &str = "flurry";
const ALL_MAPS: [&str; 8] = [SPLITMAP, STD, MUTEX, RWLOCK, DASHMAP, PAPAYA, SCC, FLURRY];
/// The concurrent maps splitmap's targets compare against.
const RIVALS: [&str; 3] = [DASHMAP, PAPAYA, SCC];

/// Something to do once per map type.
trait Visitor {
    fn visit<T: Collection>(&mut self, name: &'static str)
    where
        <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug;
}

/// Call `v` for every selected map; `std (no lock)` only when `threads == 1`.
fn each_map(cfg: &Config, threads: usize, v: &mut impl Visitor) {
    let on = |name: &str| cfg.maps.iter().any(|m| m == name) && (name != STD || threads == 1);
    if on(SPLITMAP) {
        v.visit::<Split>(SPLITMAP);
    }
    if on(STD) {
        v.visit::<StdNoLock>(STD);
    }
    if on(MUTEX) {
        v.visit::<MutexStd>(MUTEX);
    }
    if on(RWLOCK) {
        v.visit::<RwLockStd>(RWLOCK);
    }
    if on(DASHMAP) {
        v.visit::<Dash>(DASHMAP);
    }
    if on(PAPAYA) {
        v.visit::<Papaya>(PAPAYA);
    }
    if on(SCC) {
        v.visit::<Scc>(SCC);
    }
    if on(FLURRY) {
        v.visit::<Flurry>(FLURRY);
    }
}

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

struct Config {
    quick: bool,
    threads: Vec<usize>,
    repeats: usize,
    maps: Vec<String>,
    sections: Vec<String>,
    workloads: Option<Vec<String>>,
    out: PathBuf,
    log2_cap: u8,
    mem_entries: u64,
    latency_ops: u64,
}

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect())
}

fn env_num<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|s| s.trim().parse().ok())
}

impl Config {
    fn from_env() -> Config {
        let quick = std::env::var("QUICK").is_ok_and(|v| v != "0" && !v.is_empty());
        let threads = env_list("THREADS")
            .map(|v| {
                v.iter()
                    .map(|t| t.parse().expect("THREADS: comma-separated numbers"))
                    .collect()
            })
            .unwrap_or_else(|| vec![1, 2, 4, 8]);
        let maps = match env_list("MAPS") {
            Some(sel) => ALL_MAPS
                .iter()
                .filter(|m| {
                    sel.iter().any(|s| {
                        let s = s.to_lowercase();
                        m.to_lowercase().starts_with(&s) || (s == "std" && **m == STD)
                    })
                })
                .map(|m| m.to_string())
                .collect(),
            None => ALL_MAPS.iter().map(|m| m.to_string()).collect(),
        };
        Config {
            quick,
            threads,
            repeats: env_num("REPEATS").unwrap_or(if quick { 1 } else { 5 }),
            maps,
            workloads: env_list("WORKLOADS"),
            sections: env_list("SECTIONS")
                .unwrap_or_else(|| vec!["memory".into(), "throughput".into(), "latency".into()]),
            out: std::env::var_os("BENCH_OUT")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-out")
                }),
            log2_cap: env_num("LOG2_CAP").unwrap_or(if quick { 12 } else { 20 }),
            mem_entries: env_num("MEM_ENTRIES").unwrap_or(if quick { 1 << 14 } else { 1 << 20 }),
            latency_ops: env_num("LATENCY_OPS").unwrap_or(if quick { 20_000 } else { 4_000_000 }),
        }
    }
    fn section(&self, s: &str) -> bool {
        self.sections.iter().any(|x| x == s)
    }
    /// The workloads selected by `WORKLOADS` (all by default).
    fn workloads(&self) -> Vec<Wl> {
        workloads(self.quick)
            .into_iter()
            .filter(|w| {
                self.workloads
                    .as_ref()
                    .is_none_or(|l| l.iter().any(|x| x == w.name))
            })
            .collect()
    }
}

/// A workload: bustle's mix plus how the table starts.
#[derive(Clone, Copy)]
struct Wl {
    name: &'static str,
    mix: Mix,
    /// Fraction of the initial capacity inserted before the run.
    prefill: f64,
    /// Operations as a multiple of the initial capacity.
    ops: f64,
    /// Build the map with the initial capacity (true) or empty at its default size (false).
    presize: bool,
}

fn workloads(quick: bool) -> [Wl; 3] {
    let scale = if quick { 1.0 } else { 4.0 };
    [
        Wl {
            name: "read-heavy",
            // 94% read, 2% insert, 1% remove, 3% update.
            mix: Mix::read_heavy(),
            prefill: 0.75,
            ops: scale,
            presize: true,
        },
        Wl {
            name: "exchange",
            mix: Mix {
                read: 10,
                insert: 40,
                remove: 40,
                update: 10,
                upsert: 0,
            },
            prefill: 0.75,
            ops: scale,
            presize: true,
        },
        Wl {
            name: "rapid-grow",
            mix: Mix {
                read: 5,
                insert: 80,
                remove: 5,
                update: 10,
                upsert: 0,
            },
            prefill: 0.0,
            ops: scale / 4.0,
            presize: false,
        },
    ]
}

fn mix_str(m: &Mix) -> String {
    format!(
        "{}/{}/{}/{}/{}",
        m.read, m.insert, m.remove, m.update, m.upsert
    )
}

// ---------------------------------------------------------------------------------------
// Section 1: memory
// ---------------------------------------------------------------------------------------

struct MemRow {
    map: &'static str,
    entries: u64,
    req_bytes: isize,
    real_bytes: isize,
    req_peak: isize,
    real_peak: isize,
}

struct MemVisitor<'a> {
    entries: u64,
    rows: &'a mut Vec<MemRow>,
}

/// A bijection on u64 (splitmix64's finaliser): distinct inputs give distinct keys.
fn scramble(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Give epoch collectors a chance to free what they hold: crossbeam-epoch (splitmap's)
/// through explicit flushes, the others through ordinary pinned operations.
fn settle<H: CollectionHandle>(h: &mut H, n: u64) {
    for i in 0..4096u64 {
        std::hint::black_box(h.get(&H::Key::from(scramble(i % n))));
        crossbeam_epoch::pin().flush();
    }
}

impl Visitor for MemVisitor<'_> {
    fn visit<T: Collection>(&mut self, name: &'static str)
    where
        <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug,
    {
        PRESIZE.store(false, Ordering::Relaxed);
        let keys: Vec<<T::Handle as CollectionHandle>::Key> =
            (0..self.entries).map(|i| scramble(i).into()).collect();
        let (base_req, base_real) = (
            REQ_NOW.load(Ordering::Relaxed),
            REAL_NOW.load(Ordering::Relaxed),
        );
        REQ_PEAK.store(base_req, Ordering::Relaxed);
        REAL_PEAK.store(base_real, Ordering::Relaxed);
        COUNTING.store(true, Ordering::Relaxed);
        let map = T::with_capacity(0);
        {
            let mut h = map.pin();
            for k in &keys {
                assert!(h.insert(k));
            }
            settle(&mut h, self.entries);
        }
        let row = MemRow {
            map: name,
            entries: self.entries,
            req_bytes: REQ_NOW.load(Ordering::Relaxed) - base_req,
            real_bytes: REAL_NOW.load(Ordering::Relaxed) - base_real,
            req_peak: REQ_PEAK.load(Ordering::Relaxed) - base_req,
            real_peak: REAL_PEAK.load(Ordering::Relaxed) - base_real,
        };
        drop(map);
        COUNTING.store(false, Ordering::Relaxed);
        PRESIZE.store(true, Ordering::Relaxed);
        eprintln!(
            "  memory {name:<16} {:6.1} B/entry (glibc {:6.1}), peak {:7.1} MiB",
            row.req_bytes as f64 / row.entries as f64,
            row.real_bytes as f64 / row.entries as f64,
            row.real_peak as f64 / (1 << 20) as f64
        );
        self.rows.push(row);
    }
}

fn memory(cfg: &Config, md: &mut String) {
    if backend() == BACKEND_MIMALLOC {
        eprintln!("memory: skipped (the counting allocator only measures glibc's malloc)");
        return;
    }
    eprintln!(
        "memory: {} u64 -> u64 entries inserted into an empty map",
        cfg.mem_entries
    );
    let mut rows = Vec::new();
    each_map(
        cfg,
        1,
        &mut MemVisitor {
            entries: cfg.mem_entries,
            rows: &mut rows,
        },
    );
    let mut csv =
        String::from("map,entries,bytes_requested,bytes_glibc,peak_requested,peak_glibc\n");
    for r in &rows {
        writeln!(
            csv,
            "{},{},{},{},{},{}",
            r.map, r.entries, r.req_bytes, r.real_bytes, r.req_peak, r.real_peak
        )
        .unwrap();
    }
    write_out(cfg, "memory.csv", &csv);
    writeln!(
        md,
        "\n### Memory: {} `u64 -> u64` entries, grown from an empty map\n",
        cfg.mem_entries
    )
    .unwrap();
    md.push_str(
        "| map | bytes/entry (requested) | bytes/entry (glibc chunks) | peak during growth (MiB, glibc) | peak bytes/entry |\n|---|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        let n = r.entries as f64;
        writeln!(
            md,
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            r.map,
            r.req_bytes as f64 / n,
            r.real_bytes as f64 / n,
            r.real_peak as f64 / (1 << 20) as f64,
            r.real_peak as f64 / n
        )
        .unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// Section 2: throughput (bustle)
// ---------------------------------------------------------------------------------------

struct TputVisitor<'a> {
    wl: Wl,
    threads: usize,
    log2_cap: u8,
    seed: [u8; 32],
    results: &'a mut Vec<(String, &'static str, usize, f64)>,
}

impl Visitor for TputVisitor<'_> {
    fn visit<T: Collection>(&mut self, name: &'static str)
    where
        <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug,
    {
        PRESIZE.store(self.wl.presize, Ordering::Relaxed);
        let m = Workload::new(self.threads, self.wl.mix)
            .initial_capacity_log2(self.log2_cap)
            .prefill_fraction(self.wl.prefill)
            .operations(self.wl.ops)
            .seed(self.seed)
            .run_silently::<T>();
        PRESIZE.store(true, Ordering::Relaxed);
        let mops = m.throughput / 1e6;
        eprint!(" {name}={mops:.2}");
        self.results
            .push((self.wl.name.to_string(), name, self.threads, mops));
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median Mops/s per (workload, map, threads).
type Medians = Vec<(String, &'static str, usize, f64)>;

fn throughput(cfg: &Config, md: &mut String) -> Medians {
    let wls = cfg.workloads();
    let mut raw = Vec::new();
    for wl in &wls {
        for &t in &cfg.threads {
            for rep in 0..cfg.repeats {
                eprint!(
                    "throughput {} threads={t} rep={}/{}:",
                    wl.name,
                    rep + 1,
                    cfg.repeats
                );
                let mut seed = [0u8; 32];
                seed[0] = rep as u8;
                seed[1] = t as u8;
                each_map(
                    cfg,
                    t,
                    &mut TputVisitor {
                        wl: *wl,
                        threads: t,
                        log2_cap: cfg.log2_cap,
                        seed,
                        results: &mut raw,
                    },
                );
                eprintln!();
            }
        }
    }
    let mut csv = String::from("workload,map,threads,mops\n");
    for (w, m, t, v) in &raw {
        writeln!(csv, "{w},{m},{t},{v:.4}").unwrap();
    }
    write_out(cfg, "throughput_raw.csv", &csv);

    let mut med: Medians = Vec::new();
    for wl in &wls {
        for &t in &cfg.threads {
            for m in ALL_MAPS {
                let mut v: Vec<f64> = raw
                    .iter()
                    .filter(|r| r.0 == wl.name && r.1 == m && r.2 == t)
                    .map(|r| r.3)
                    .collect();
                if !v.is_empty() {
                    med.push((wl.name.to_string(), m, t, median(&mut v)));
                }
            }
        }
    }
    let get = |w: &str, m: &str, t: usize| {
        med.iter()
            .find(|r| r.0 == w && r.1 == m && r.2 == t)
            .map(|r| r.3)
    };
    let mut csv = String::from("workload,map,threads,median_mops,ratio_vs_mutex\n");
    for (w, m, t, v) in &med {
        let ratio = get(w, MUTEX, *t).map(|b| v / b).unwrap_or(f64::NAN);
        writeln!(csv, "{w},{m},{t},{v:.4},{ratio:.4}").unwrap();
    }
    write_out(cfg, "throughput.csv", &csv);

    for wl in &wls {
        writeln!(
            md,
            "\n### Throughput, {} (mix read/insert/remove/update/upsert = {}; prefill {:.0}%, {} start)\n\nMops/s, median of {} runs; in brackets: ratio to `Mutex<HashMap>` in the same run.\n",
            wl.name,
            mix_str(&wl.mix),
            wl.prefill * 100.0,
            if wl.presize { "presized" } else { "empty" },
            cfg.repeats
        )
        .unwrap();
        md.push_str("| map |");
        for t in &cfg.threads {
            write!(md, " {t} thr |").unwrap();
        }
        md.push_str("\n|---|");
        for _ in &cfg.threads {
            md.push_str("---:|");
        }
        md.push('\n');
        for m in ALL_MAPS {
            if !med.iter().any(|r| r.0 == wl.name && r.1 == m) {
                continue;
            }
            write!(md, "| {m} |").unwrap();
            for &t in &cfg.threads {
                match (get(wl.name, m, t), get(wl.name, MUTEX, t)) {
                    (Some(v), Some(b)) => write!(md, " {v:.2} ({:.2}x) |", v / b).unwrap(),
                    (Some(v), None) => write!(md, " {v:.2} |").unwrap(),
                    _ => md.push_str(" - |"),
                }
            }
            md.push('\n');
        }
    }
    med
}

// ---------------------------------------------------------------------------------------
// Section 3: latency
// ---------------------------------------------------------------------------------------

/// One operation in this many is timed.
const SAMPLE_EVERY: u64 = 32;

#[derive(Clone, Copy)]
enum Op {
    Read,
    Insert,
    Remove,
    Update,
}

fn op_table(mix: &Mix, seed: u64) -> Vec<Op> {
    let mut ops = Vec::with_capacity(100);
    for (op, n) in [
        (Op::Read, mix.read),
        (Op::Insert, mix.insert + mix.upsert),
        (Op::Remove, mix.remove),
        (Op::Update, mix.update),
    ] {
        ops.extend(std::iter::repeat_n(op, n as usize));
    }
    // Fisher-Yates with a fixed generator, so every map sees the same order.
    let mut rng = seed | 1;
    for i in (1..ops.len()).rev() {
        rng = scramble(rng);
        ops.swap(i, (rng % (i as u64 + 1)) as usize);
    }
    ops
}

/// The key of thread `t`'s `i`-th insert: distinct across threads and indices.
fn lat_key(t: usize, i: u64) -> u64 {
    scramble(((t as u64) << 40) | i)
}

struct LatVisitor<'a> {
    wl: Wl,
    threads: usize,
    cap: usize,
    total_ops: u64,
    rows: &'a mut Vec<(String, &'static str, usize, Histogram<u64>, f64)>,
}

impl Visitor for LatVisitor<'_> {
    fn visit<T: Collection>(&mut self, name: &'static str)
    where
        <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug,
    {
        PRESIZE.store(self.wl.presize, Ordering::Relaxed);
        let table = T::with_capacity(self.cap);
        PRESIZE.store(true, Ordering::Relaxed);
        let threads = self.threads;
        let prefill_per_thread = (self.cap as f64 * self.wl.prefill) as u64 / threads as u64;
        {
            let mut h = table.pin();
            for t in 0..threads {
                for i in 0..prefill_per_thread {
                    assert!(h.insert(&lat_key(t, i).into()));
                }
            }
        }
        let ops = op_table(&self.wl.mix, 7);
        let per_thread = self.total_ops / threads as u64;
        let barrier = Barrier::new(threads + 1);
        let (hist, secs) = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let (table, ops, barrier) = (&table, &ops, &barrier);
                    s.spawn(move || {
                        let mut hist =
                            Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
                        let mut h = table.pin();
                        let (mut erase_seq, mut insert_seq) = (0u64, prefill_per_thread);
                        let mut rng = scramble(t as u64 + 1);
                        barrier.wait();
                        for i in 0..per_thread {
                            rng = scramble(rng);
                            let op = ops[(i % 100) as usize];
                            // Reads and updates pick any key this thread ever inserted or will
                            // soon insert, so some miss (removed, or not yet inserted).
                            let any = lat_key(t, rng % (insert_seq + insert_seq / 8 + 1));
                            let key = match op {
                                Op::Read | Op::Update => any,
                                Op::Insert => {
                                    insert_seq += 1;
                                    lat_key(t, insert_seq - 1)
                                }
                                Op::Remove if erase_seq < insert_seq => {
                                    erase_seq += 1;
                                    lat_key(t, erase_seq - 1)
                                }
                                Op::Remove => any,
                            };
                            let key = key.into();
                            let timed = i % SAMPLE_EVERY == 0;
                            let t0 = timed.then(Instant::now);
                            let r = match op {
                                Op::Read => h.get(&key),
                                Op::Insert => h.insert(&key),
                                Op::Remove => h.remove(&key),
                                Op::Update => h.update(&key),
                            };
                            if let Some(t0) = t0 {
                                hist.saturating_record(t0.elapsed().as_nanos() as u64);
                            }
                            std::hint::black_box(r);
                        }
                        barrier.wait();
                        hist
                    })
                })
                .collect();
            barrier.wait();
            let start = Instant::now();
            barrier.wait();
            let secs = start.elapsed().as_secs_f64();
            let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
            for w in workers {
                all.add(w.join().unwrap()).unwrap();
            }
            (all, secs)
        });
        drop(table);
        eprint!(
            " {name}=p50 {}ns/p99 {}ns/p99.9 {}ns",
            hist.value_at_quantile(0.5),
            hist.value_at_quantile(0.99),
            hist.value_at_quantile(0.999)
        );
        let mops = (per_thread * threads as u64) as f64 / secs / 1e6;
        self.rows
            .push((self.wl.name.to_string(), name, threads, hist, mops));
    }
}

/// p99.9 per (workload, map, threads).
type Tails = Vec<(String, &'static str, usize, u64)>;

fn latency(cfg: &Config, md: &mut String) -> Tails {
    let mut rows = Vec::new();
    for wl in &cfg.workloads() {
        for &t in &cfg.threads {
            eprint!("latency {} threads={t}:", wl.name);
            each_map(
                cfg,
                t,
                &mut LatVisitor {
                    wl: *wl,
                    threads: t,
                    cap: 1 << cfg.log2_cap,
                    total_ops: cfg.latency_ops,
                    rows: &mut rows,
                },
            );
            eprintln!();
        }
    }
    let mut csv =
        String::from("workload,map,threads,samples,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mops\n");
    for (w, m, t, h, mops) in &rows {
        writeln!(
            csv,
            "{w},{m},{t},{},{},{},{},{},{},{mops:.4}",
            h.len(),
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.9),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            h.max()
        )
        .unwrap();
    }
    write_out(cfg, "latency.csv", &csv);
    for wl in cfg.workloads() {
        writeln!(
            md,
            "\n### Latency, {} (ns, one op in {SAMPLE_EVERY} timed; p50 / p99 / p99.9)\n",
            wl.name
        )
        .unwrap();
        md.push_str("| map |");
        for t in &cfg.threads {
            write!(md, " {t} thr |").unwrap();
        }
        md.push_str("\n|---|");
        for _ in &cfg.threads {
            md.push_str("---:|");
        }
        md.push('\n');
        for m in ALL_MAPS {
            if !rows.iter().any(|r| r.0 == wl.name && r.1 == m) {
                continue;
            }
            write!(md, "| {m} |").unwrap();
            for &t in &cfg.threads {
                match rows.iter().find(|r| r.0 == wl.name && r.1 == m && r.2 == t) {
                    Some((_, _, _, h, _)) => write!(
                        md,
                        " {} / {} / {} |",
                        h.value_at_quantile(0.5),
                        h.value_at_quantile(0.99),
                        h.value_at_quantile(0.999)
                    )
                    .unwrap(),
                    None => md.push_str(" - |"),
                }
            }
            md.push('\n');
        }
    }
    rows.into_iter()
        .map(|(w, m, t, h, _)| (w, m, t, h.value_at_quantile(0.999)))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Targets
// ---------------------------------------------------------------------------------------

fn targets(cfg: &Config, med: &Medians, tails: &Tails, md: &mut String) {
    let get = |w: &str, m: &str, t: usize| {
        med.iter()
            .find(|r| r.0 == w && r.1 == m && r.2 == t)
            .map(|r| r.3)
    };
    let best_rival = |w: &str, t: usize| {
        RIVALS
            .iter()
            .filter_map(|m| get(w, m, t).map(|v| (v, *m)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    };
    let mut csv = String::from(
        "target,workload,threads,splitmap,reference,reference_value,ratio,required,pass\n",
    );
    md.push_str("\n### Targets (splitmap against the same run's numbers)\n\n| target | workload | threads | splitmap | reference | ratio | required | pass |\n|---|---|---:|---:|---|---:|---:|---|\n");
    let mut row = |target: &str,
                   w: &str,
                   t: usize,
                   s: f64,
                   refname: &str,
                   r: f64,
                   ratio: f64,
                   req: f64,
                   pass: bool| {
        writeln!(
            csv,
            "{target},{w},{t},{s:.3},{refname},{r:.3},{ratio:.3},{req},{}",
            if pass { "yes" } else { "no" }
        )
        .unwrap();
        writeln!(
            md,
            "| {target} | {w} | {t} | {s:.2} | {refname} {r:.2} | {ratio:.2}x | {req} | {} |",
            if pass { "yes" } else { "**no**" }
        )
        .unwrap();
    };
    let multi: Vec<usize> = cfg.threads.iter().copied().filter(|&t| t >= 2).collect();
    for &t in &multi {
        if let (Some(s), Some((r, name))) =
            (get("read-heavy", SPLITMAP, t), best_rival("read-heavy", t))
        {
            row(
                "T1 read-heavy >= 1.25x best rival",
                "read-heavy",
                t,
                s,
                name,
                r,
                s / r,
                1.25,
                s / r >= 1.25,
            );
        }
    }
    for w in ["exchange", "rapid-grow"] {
        for &t in &multi {
            if let (Some(s), Some((r, name))) = (get(w, SPLITMAP, t), best_rival(w, t)) {
                row(
                    "T2 >= best rival",
                    w,
                    t,
                    s,
                    name,
                    r,
                    s / r,
                    1.0,
                    s / r >= 1.0,
                );
            }
        }
    }
    for w in ["read-heavy", "exchange", "rapid-grow"] {
        for &t in &multi {
            if let (Some(s), Some(r)) = (get(w, SPLITMAP, t), get(w, MUTEX, t)) {
                row(
                    "T3 >= 3x Mutex<HashMap>",
                    w,
                    t,
                    s,
                    MUTEX,
                    r,
                    s / r,
                    3.0,
                    s / r >= 3.0,
                );
            }
        }
    }
    if let (Some(s), Some(r)) = (get("read-heavy", SPLITMAP, 1), get("read-heavy", STD, 1)) {
        row(
            "T4 1 thread >= 0.8x std no lock",
            "read-heavy",
            1,
            s,
            STD,
            r,
            s / r,
            0.8,
            s / r >= 0.8,
        );
    }
    // Latency targets: lower is better, so the ratio is reference / splitmap.
    let tail = |w: &str, m: &str, t: usize| {
        tails
            .iter()
            .find(|r| r.0 == w && r.1 == m && r.2 == t)
            .map(|r| r.3 as f64)
    };
    for w in ["read-heavy", "exchange", "rapid-grow"] {
        for t in cfg.threads.iter().copied().filter(|&t| t >= 4) {
            let Some(s) = tail(w, SPLITMAP, t) else {
                continue;
            };
            let best = RIVALS
                .iter()
                .filter_map(|m| tail(w, m, t).map(|v| (v, *m)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((r, name)) = best {
                row(
                    "T5 p99.9 <= best rival (ratio = rival/splitmap)",
                    w,
                    t,
                    s,
                    name,
                    r,
                    r / s,
                    1.0,
                    s <= r,
                );
            }
            if let Some(r) = tail(w, MUTEX, t) {
                row(
                    "T6 p99.9 >= 20x below Mutex (ratio = Mutex/splitmap)",
                    w,
                    t,
                    s,
                    MUTEX,
                    r,
                    r / s,
                    20.0,
                    r / s >= 20.0,
                );
            }
        }
    }
    write_out(cfg, "targets.csv", &csv);
}

// ---------------------------------------------------------------------------------------

fn write_out(cfg: &Config, file: &str, contents: &str) {
    std::fs::create_dir_all(&cfg.out).expect("create BENCH_OUT");
    let path = cfg.out.join(file);
    std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing special. Ignore
    // the arguments, but do nothing when cargo only lists benchmarks.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let cfg = Config::from_env();
    let start = Instant::now();
    eprintln!(
        "throughput bench: threads {:?}, repeats {}, maps {:?}, sections {:?}, 2^{} initial capacity{}",
        cfg.threads,
        cfg.repeats,
        cfg.maps,
        cfg.sections,
        cfg.log2_cap,
        if cfg.quick { ", QUICK" } else { "" }
    );
    let mut md = String::new();
    writeln!(
        md,
        "## splitmap throughput bench\n\n{} hardware threads; allocator {}; threads {:?}; {} repeat(s); initial capacity 2^{}{}.",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if backend() == BACKEND_MIMALLOC { "mimalloc" } else { "glibc malloc" },
        cfg.threads,
        cfg.repeats,
        cfg.log2_cap,
        if cfg.quick { "; QUICK mode (numbers are not meaningful)" } else { "" }
    )
    .unwrap();
    if cfg.section("memory") {
        memory(&cfg, &mut md);
    }
    let med = if cfg.section("throughput") {
        throughput(&cfg, &mut md)
    } else {
        Vec::new()
    };
    let tails = if cfg.section("latency") {
        latency(&cfg, &mut md)
    } else {
        Vec::new()
    };
    targets(&cfg, &med, &tails, &mut md);
    writeln!(
        md,
        "\nTotal bench time: {:.1} s",
        start.elapsed().as_secs_f64()
    )
    .unwrap();
    write_out(&cfg, "results.md", &md);
    println!("{md}");
    eprintln!("wrote {}", cfg.out.display());
}
