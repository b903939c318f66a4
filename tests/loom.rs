//! Loom models of the migration protocol: the ten correctness scenarios of the design
//! notes, each run over every interleaving loom explores.
//!
//! ```text
//! RUSTFLAGS="--cfg splitmap_loom --cfg crossbeam_loom --cfg crossbeam_sanitize" \
//!   LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom cargo test --release --test loom
//! ```
//!
//! Under `--cfg splitmap_loom` a table has `BLOCK = 2` slots per migration block and a
//! probe limit of 2, so `with_capacity(1)` gives 2 home slots + 2 tail slots = 2 blocks,
//! and a handful of inserts forces a migration. Keys are `u64`s hashed by [`Unmix`],
//! which makes the crate's mixed hash equal the key itself, so every key's home slot is
//! chosen here (the top bits of the key): see [`layout_assumptions`], which checks
//! that the setups below really produce the table states the models rely on.
//!
//! Values log their drops ([`Log`]): a second drop panics at once. Every model ends in
//! [`finish`], which drops the map and checks that the values it held went with it;
//! after loom's teardown of each execution (which runs every deferred destructor),
//! [`model`] checks that every value made in it was dropped exactly once and every
//! table freed. The crate's loom-only counters (`splitmap::__loom_stats`) count tables
//! made and freed, promotions and progress-counter increments.
//!
//! See `docs/testing.md` ("loom") for the list of models, their sizes and run times,
//! and which deliberately planted bug each one caught.
#![cfg(splitmap_loom)]

use std::cell::RefCell;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize as StdAtomicUsize, Ordering as StdOrdering};

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;
use splitmap::{__loom_stats as stats, HashMap};

// ---------------------------------------------------------------------------------
// Hashing: the crate mixes the user's hash with MurmurHash3's 64-bit finaliser. We
// hand it the inverse of that finaliser, so the hash it indexes with is the key.

const M1: u64 = 0xff51_afd7_ed55_8ccd;
const M2: u64 = 0xc4ce_b9fe_1a85_ec53;

/// The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration: each
/// step doubles the number of correct low bits, starting from 3).
const fn inverse(c: u64) -> u64 {
    let mut x = c;
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(c.wrapping_mul(x)));
        i += 1;
    }
    x
}

/// The inverse of the crate's `mix`. `h ^= h >> 33` is its own inverse (33 >= 32).
fn unmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(inverse(M2));
    h ^= h >> 33;
    h = h.wrapping_mul(inverse(M1));
    h ^ (h >> 33)
}

#[derive(Clone, Copy, Default)]
struct Unmix;

struct UnmixHasher(u64);

impl Hasher for UnmixHasher {
    fn write(&mut self, _: &[u8]) {
        unreachable!("the models only use u64 keys");
    }
    fn write_u64(&mut self, k: u64) {
        self.0 = k;
    }
    fn finish(&self) -> u64 {
        unmix(self.0)
    }
}

impl BuildHasher for Unmix {
    type Hasher = UnmixHasher;
    fn build_hasher(&self) -> UnmixHasher {
        UnmixHasher(0)
    }
}

/// A key whose (mixed) hash has top nibble `top`: its home slot is the top
/// `log2(capacity)` bits, e.g. `top >> 3` in a 2-slot table, `top >> 1` in an 8-slot
/// one.
const fn key(top: u64, id: u64) -> u64 {
    (top << 60) | id
}

// The 2-slot setup (`full3`): A-D have home 0 there (and homes 0-3 at capacity 8),
// E has home 1.
const A: u64 = key(0x0, 1);
const B: u64 = key(0x2, 2);
const C: u64 = key(0x4, 3);
const D: u64 = key(0x6, 4);
const E: u64 = key(0x8, 5);
/// Never inserted. A `remove` of it does nothing but help a running migration.
const G: u64 = key(0xC, 7);
// The 4-slot setup (`cap4_migrating`): A, P2, B, P4 have home 0 there.
const P2: u64 = key(0x1, 8);
const P4: u64 = key(0x3, 9);
// m01: R1-R4 have home 1 at capacity 2 (homes 4-7 at capacity 8).
const R1: u64 = key(0x8, 20);
const R2: u64 = key(0xA, 21);
const R3: u64 = key(0xC, 22);
const R4: u64 = key(0xE, 23);
// The 8-slot setup (`wide_migrating`): X0-X3 have home 0, X7 home 7, Y home 5, Y6
// home 6.
const X0: u64 = key(0x0, 10);
const X1: u64 = key(0x1, 11);
const X2: u64 = key(0x1, 12);
const X3: u64 = key(0x0, 13);
const X7: u64 = key(0xE, 14);
const Y: u64 = key(0xA, 15);
const Y6: u64 = key(0xD, 16);
// m11 (the 4-slot setup of a shrink): K1-K5 have homes 1, 2, 3, 3, 3 at capacity 4.
const K1: u64 = key(0x4, 30);
const K2: u64 = key(0x8, 31);
const K3: u64 = key(0xC, 32);
const K4: u64 = key(0xD, 33);
const K5: u64 = key(0xE, 34);

// ---------------------------------------------------------------------------------
// Drop-logging values.

const MAX_VALUES: usize = 256;

/// Per model execution: how many values were made and how often each was dropped.
struct Log {
    created: StdAtomicUsize,
    drops: Vec<StdAtomicUsize>,
}

impl Log {
    fn new() -> std::sync::Arc<Log> {
        std::sync::Arc::new(Log {
            created: StdAtomicUsize::new(0),
            drops: (0..MAX_VALUES).map(|_| StdAtomicUsize::new(0)).collect(),
        })
    }

    fn is_dropped(&self, id: usize) -> bool {
        self.drops[id].load(StdOrdering::SeqCst) != 0
    }

    fn assert_each_dropped_once(&self) {
        for id in 0..self.created.load(StdOrdering::SeqCst) {
            let n = self.drops[id].load(StdOrdering::SeqCst);
            assert_eq!(n, 1, "value {id} was dropped {n} times");
        }
    }
}

/// A value: a number the models check, plus an identity whose drops are logged.
struct Val {
    n: u64,
    id: usize,
    log: std::sync::Arc<Log>,
}

fn val(log: &std::sync::Arc<Log>, n: u64) -> Val {
    let id = log.created.fetch_add(1, StdOrdering::SeqCst);
    assert!(id < MAX_VALUES, "model made too many values");
    Val {
        n,
        id,
        log: log.clone(),
    }
}

impl Drop for Val {
    fn drop(&mut self) {
        let before = self.log.drops[self.id].fetch_add(1, StdOrdering::SeqCst);
        assert_eq!(
            before, 0,
            "value {} (n = {}) dropped twice",
            self.id, self.n
        );
    }
}

type Map = HashMap<u64, Val, Unmix>;

// ---------------------------------------------------------------------------------
// Setups and checks.

/// Run `f` under loom. The preemption bound and other limits come from the `LOOM_*`
/// environment variables (`LOOM_MAX_PREEMPTIONS=2` in CI); the branch limit is raised
/// because one map operation under crossbeam-epoch is a few hundred loom operations.
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_BRANCHES").is_none() {
        builder.max_branches = 100_000;
    }
    LAST_LOG.with(|l| l.borrow_mut().take());
    let executions = std::sync::Arc::new(StdAtomicUsize::new(0));
    let counter = executions.clone();
    let start = std::time::Instant::now();
    builder.check(move || {
        counter.fetch_add(1, StdOrdering::Relaxed);
        check_previous_execution();
        stats::reset();
        f()
    });
    check_previous_execution();
    eprintln!(
        "loom: {} executions in {:.1?}",
        executions.load(StdOrdering::Relaxed),
        start.elapsed()
    );
}

/// What the crate's loom-only counters saw in this execution so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stats {
    /// Tables allocated.
    made: usize,
    /// Tables dropped.
    freed: usize,
    /// Successful root swaps.
    promotions: usize,
    /// Increments of any table's progress counter (`done`).
    blocks_done: usize,
}

fn table_stats() -> Stats {
    let [made, freed, promotions, blocks_done] = stats::get();
    Stats {
        made,
        freed,
        promotions,
        blocks_done,
    }
}

/// Tables made and promotions so far (what the setups can pin down exactly).
fn made_promoted() -> (usize, usize) {
    let s = table_stats();
    (s.made, s.promotions)
}

/// A 2-slot table (+2 tail slots, 2 blocks) holding A, B, C in slots 0, 1, 2; the
/// fourth home-0 key will probe past the limit and start a migration.
fn full3(log: &std::sync::Arc<Log>) -> Map {
    let map = Map::with_capacity_and_hasher(1, Unmix);
    for k in [A, B, C] {
        assert!(map.insert(k, val(log, 0)).is_none());
    }
    assert_eq!(map.slots(), 2);
    assert_eq!(made_promoted(), (1, 0));
    map
}

/// A 4-slot table (3 blocks) after A, P2, B filled slots 0-2 and P4 started a
/// migration into an 8-slot table, copying block 0 (A, P2) only. Blocks 1 (B, frozen
/// empty) and 2 (empty tail) remain.
fn cap4_migrating(log: &std::sync::Arc<Log>) -> Map {
    let map = Map::with_capacity_and_hasher(2, Unmix);
    for k in [A, P2, B, P4] {
        assert!(map.insert(k, val(log, 0)).is_none());
    }
    assert_eq!(map.slots(), 4);
    assert_eq!(made_promoted(), (2, 0));
    map
}

/// An 8-slot table (+2 tail slots, 5 blocks) with X0, X1, X2 in slots 0-2 and X7 in
/// slot 7, after X3 probed past the limit and started a migration into a 16-slot table
/// that copied block 0 (X0, X1, now BORROWED in `next`) and froze slot 3. Blocks 1-4
/// remain; the next two helps claim block 1 (X2, frozen empty) and block 2 (slots 4
/// and 5, empty and not yet frozen: the probe for Y, home 5, ends at slot 5).
fn wide_migrating(log: &std::sync::Arc<Log>) -> Map {
    let map = Map::with_capacity_and_hasher(4, Unmix);
    for k in [X0, X1, X2, X7, X3] {
        assert!(map.insert(k, val(log, 0)).is_none());
    }
    assert_eq!(map.slots(), 8);
    assert_eq!(made_promoted(), (2, 0));
    map
}

/// The contents of `wide_migrating`.
const WIDE: [(u64, u64); 5] = [(X0, 0), (X1, 0), (X2, 0), (X7, 0), (X3, 0)];

/// `expected` with `(k, n)` added or, if `n` is `None`, `k` removed.
fn with(expected: &[(u64, u64)], k: u64, n: Option<u64>) -> Vec<(u64, u64)> {
    let mut v: Vec<(u64, u64)> = expected.iter().copied().filter(|&(j, _)| j != k).collect();
    v.extend(n.map(|n| (k, n)));
    v
}

/// The map holds exactly `expected` (key, n) pairs: by iteration (each key once), by
/// `get`, and by `len`. Returns the keys.
fn check_contents(map: &Map, expected: &[(u64, u64)]) -> Vec<u64> {
    let m = map.pin();
    let mut seen: Vec<(u64, u64)> = m.iter().map(|(k, v)| (*k, v.n)).collect();
    seen.sort_unstable();
    let mut want = expected.to_vec();
    want.sort_unstable();
    assert_eq!(seen, want, "iteration");
    for &(k, n) in expected {
        assert_eq!(m.get(&k).map(|v| v.n), Some(n), "get({k:#x})");
    }
    assert_eq!(map.len(), expected.len(), "len");
    expected.iter().map(|&(k, _)| k).collect()
}

/// End of a model: drop the map (the last reference) and check that the values it still
/// held (those of `keys`) were dropped with it; then hand the execution's drop log to
/// [`model`], which checks after loom's teardown that every value made in the execution
/// was dropped exactly once and every table freed.
///
/// Values removed or replaced earlier are freed by the epoch collector. Draining it
/// inside the model (`pin().flush()` in a loop) is no good: loom explores every value
/// the collector's Relaxed epoch loads may return, which multiplies the executions and
/// leaves some where nothing is freed in any bounded number of flushes. At the end of
/// each execution, though, loom drops its lazy statics and the main thread's
/// thread-locals, which drops crossbeam's global collector and runs every deferred
/// destructor; that is when the full check runs.
fn finish(map: Arc<Map>, log: &std::sync::Arc<Log>, keys: &[u64]) {
    let map = Arc::try_unwrap(map)
        .ok()
        .expect("all model threads were joined");
    let owned: Vec<usize> = {
        let m = map.pin();
        keys.iter()
            .map(|k| m.get(k).expect("key in the map").id)
            .collect()
    };
    drop(map);
    for id in owned {
        assert!(
            log.is_dropped(id),
            "value {id} outlived the map that owned it"
        );
    }
    LAST_LOG.with(|l| *l.borrow_mut() = Some(log.clone()));
}

std::thread_local! {
    /// The drop log of the execution that just ended (loom runs every model thread on
    /// the test's OS thread, so this is per test).
    static LAST_LOG: RefCell<Option<std::sync::Arc<Log>>> = const { RefCell::new(None) };
}

/// After an execution's teardown: every value dropped once, every table freed.
fn check_previous_execution() {
    if let Some(log) = LAST_LOG.with(|l| l.borrow_mut().take()) {
        log.assert_each_dropped_once();
        let s = table_stats();
        assert_eq!(s.made, s.freed, "tables allocated vs freed: {s:?}");
    }
}

/// Run `spawned` on a new model thread and `main` on this one, at the same time.
///
/// Two operations race as well this way as on two spawned threads, in a fraction of the
/// executions: the main thread registered with crossbeam's collector (and ran the
/// collection of its first pin) during the setup, so only one registration, first-pin
/// collection and thread-exit flush races with the map's operations. (Two spawned
/// threads that do nothing but pin once already make 152,008 executions at preemption
/// bound 2; one spawned thread and the main thread, 160.)
fn race<R1: Send + 'static, R2>(
    spawned: impl FnOnce() -> R1 + Send + 'static,
    main: impl FnOnce() -> R2,
) -> (R1, R2) {
    let t = thread::spawn(spawned);
    let r2 = main();
    (t.join().unwrap(), r2)
}

fn wait_for(flag: &AtomicBool) {
    while !flag.load(Ordering::Acquire) {
        thread::yield_now();
    }
}

// ---------------------------------------------------------------------------------
// The models.

/// The setups above produce the states the models assume (one thread, so this runs
/// once): if the crate's hash mixing, block size or probe limit changed, the models
/// would silently test something else.
#[test]
fn layout_assumptions() {
    model(|| {
        let log = Log::new();
        let map = full3(&log);
        // The fourth home-0 key starts a migration into an 8-slot table, copies block 0
        // and leaves block 1 for the next write.
        assert!(map.insert(D, val(&log, 0)).is_none());
        assert_eq!((map.slots(), made_promoted()), (2, (2, 0)));
        assert!(map.remove(&G).is_none());
        assert_eq!((map.slots(), made_promoted()), (8, (2, 1)));
        let keys = check_contents(&map, &[(A, 0), (B, 0), (C, 0), (D, 0)]);
        finish(Arc::new(map), &log, &keys);
    });
    model(|| {
        let log = Log::new();
        let map = Map::with_capacity_and_hasher(1, Unmix);
        for k in [R1, R2, R3] {
            assert!(map.insert(k, val(&log, 0)).is_none());
        }
        // R4 probes 1, 2, 3, 0 and starts a migration; block 0 (A's home) is copied.
        assert!(map.insert(R4, val(&log, 0)).is_none());
        assert_eq!((map.slots(), made_promoted()), (2, (2, 0)));
        assert!(map.insert(A, val(&log, 0)).is_none()); // helps block 1 and promotes
        assert_eq!((map.slots(), made_promoted()), (8, (2, 1)));
        let keys = check_contents(&map, &[(R1, 0), (R2, 0), (R3, 0), (R4, 0), (A, 0)]);
        finish(Arc::new(map), &log, &keys);
    });
    model(|| {
        let log = Log::new();
        let map = cap4_migrating(&log);
        assert!(map.remove(&G).is_none()); // block 1
        assert_eq!(map.slots(), 4);
        assert!(map.remove(&G).is_none()); // block 2, then promotion
        assert_eq!(map.slots(), 8);
        let keys = check_contents(&map, &[(A, 0), (P2, 0), (B, 0), (P4, 0)]);
        finish(Arc::new(map), &log, &keys);
    });
    model(|| {
        let log = Log::new();
        let map = wide_migrating(&log);
        assert!(map.insert(Y, val(&log, 0)).is_none()); // helps block 1; freezes slot 5, Y into next
        for _ in 0..3 {
            assert_eq!(map.slots(), 8);
            assert!(map.remove(&G).is_none()); // blocks 2, 3, 4; then promotion
        }
        assert_eq!((map.slots(), made_promoted()), (16, (2, 1)));
        assert_eq!(table_stats().blocks_done, 5, "each block counted once");
        let keys = check_contents(&map, &with(&WIDE, Y, Some(0)));
        finish(Arc::new(map), &log, &keys);
    });
}

/// (1) No lost insert. T1 inserts A (home 0) into the old table's only empty slot, slot
/// 0, while the main thread's insert of R4 probes 1, 2, 3, 0 past the limit, creates
/// `next`, helps copy block 0 (freezing slot 0) and then freezes the slot that ended
/// its probe (slot 0 again). T1 either wins slot 0 before the freeze, and then the copy
/// must carry A over (or R4's insert must see it and retry), or finds it frozen and
/// inserts into `next`; either way A ends up present once and counted. (A new key that
/// sees `next` freezes its slot the same way: that race is in m02b.)
#[test]
fn m01_no_lost_insert_during_migration() {
    model(|| {
        let log = Log::new();
        let map = Map::with_capacity_and_hasher(1, Unmix);
        for k in [R1, R2, R3] {
            assert!(map.insert(k, val(&log, 0)).is_none());
        }
        let map = Arc::new(map);
        let (m1, l1, m2, l2) = (map.clone(), log.clone(), map.clone(), log.clone());
        let r = race(
            move || m1.insert(A, val(&l1, 0)).is_none(),
            move || m2.insert(R4, val(&l2, 0)).is_none(),
        );
        assert_eq!(r, (true, true), "A and R4 were new");
        let keys = check_contents(&map, &[(R1, 0), (R2, 0), (R3, 0), (R4, 0), (A, 0)]);
        finish(map, &log, &keys);
    });
}

/// (2a) No duplicate key across tables, when a writer has not seen the migration
/// start. The 8-slot table of `wide_migrating` before X3: the main thread inserts X3,
/// which starts the migration (copying block 0), then Y6, while T1 inserts Y6. T1 may
/// still see no `next` and CAS Y6 into its old slot (6, in a block nobody copies here)
/// while the main thread, which sees `next`, freezes that slot to prove Y6 absent and
/// goes to `next`. Exactly one insert reports "inserted", the other "replaced" with the
/// first one's value, and Y6 is in the map once.
#[test]
fn m02a_no_duplicate_key_as_migration_starts() {
    model(|| {
        let log = Log::new();
        let map = Map::with_capacity_and_hasher(4, Unmix);
        for k in [X0, X1, X2, X7] {
            assert!(map.insert(k, val(&log, 0)).is_none());
        }
        let map = Arc::new(map);
        let (m1, l1, m2, l2) = (map.clone(), log.clone(), map.clone(), log.clone());
        let r = race(
            move || m1.pin().insert(Y6, val(&l1, 1)).map(|v| v.n),
            move || {
                assert!(m2.insert(X3, val(&l2, 0)).is_none());
                m2.pin().insert(Y6, val(&l2, 2)).map(|v| v.n)
            },
        );
        let last = match r {
            (None, Some(1)) => 2,
            (Some(2), None) => 1,
            other => panic!("the two inserts of Y6 must be ordered: {other:?}"),
        };
        let keys = check_contents(&map, &with(&WIDE, Y6, Some(last)));
        finish(map, &log, &keys);
    });
}

/// (2b) As 2a, with `next` in place: T1 and the main thread insert Y while each helps
/// one block.
/// Each freezes the empty slot that ends Y's probe in the old table (slot 5, block 2)
/// to prove Y absent there, while whichever claims block 2 freezes and copies that same
/// slot; both then race in `next`. Exactly one insert reports "inserted", the other
/// "replaced" with the first one's value, and Y is in the map once (so no insert is
/// lost either).
#[test]
fn m02b_no_duplicate_key_during_migration() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(wide_migrating(&log));
        let (m1, l1, m2, l2) = (map.clone(), log.clone(), map.clone(), log.clone());
        let r = race(
            move || m1.pin().insert(Y, val(&l1, 1)).map(|v| v.n),
            move || m2.pin().insert(Y, val(&l2, 2)).map(|v| v.n),
        );
        let last = match r {
            (None, Some(1)) => 2,
            (Some(2), None) => 1,
            other => panic!("the two inserts of Y must be ordered: {other:?}"),
        };
        let keys = check_contents(&map, &with(&WIDE, Y, Some(last)));
        finish(map, &log, &keys);
    });
}

/// (3) No stale read of a half-migrated slot. T1 helps the migration while the main
/// thread updates X2 (one of them copies X2's block: freeze, install in `next`, mark
/// COPIED; T1 may stop anywhere in that). Once the update has returned, the main thread
/// starts T2 (the spawn orders T2 after the update, as a Release/Acquire flag would),
/// which reads X2 and must see the new value, never the frozen old entry, whatever
/// point T1 has reached.
#[test]
fn m03_no_stale_read_after_update() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(wide_migrating(&log));
        let (m1, m2) = (map.clone(), map.clone());
        let helper = thread::spawn(move || assert!(m1.remove(&G).is_none()));
        assert!(map.update(&X2, |v| val(&log, v.n + 1)).is_some());
        let reader = thread::spawn(move || m2.pin().get(&X2).map(|v| v.n));
        assert_eq!(reader.join().unwrap(), Some(1), "stale read of X2");
        helper.join().unwrap();
        let keys = check_contents(&map, &with(&WIDE, X2, Some(1)));
        finish(map, &log, &keys);
    });
}

/// (4) No resurrection. T1 removes X2 while the main thread helps the migration (one of
/// them copies X2's block): afterwards X2 is absent (a copy must not bring it back) and
/// `len` is 4.
#[test]
fn m04_no_resurrection_of_removed_key() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(wide_migrating(&log));
        let (m1, m2) = (map.clone(), map.clone());
        let r = race(
            move || m1.remove(&X2).is_some(),
            move || m2.remove(&G).is_some(),
        );
        assert_eq!(r, (true, false));
        assert!(map.pin().get(&X2).is_none(), "X2 resurrected");
        let keys = check_contents(&map, &with(&WIDE, X2, None));
        finish(map, &log, &keys);
    });
}

/// (5) Exactly-once promotion and progress counting. In a 3-block migration with
/// blocks 1 and 2 left, T1 helps (claims block 1) while the main thread iterates,
/// which redoes every block not yet DONE itself and promotes: blocks copied twice are
/// counted once, there is exactly one root swap and one new table, every key is seen
/// once, and (checked after teardown) every table is freed exactly once.
#[test]
fn m05_exactly_once_promotion() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(cap4_migrating(&log));
        let m1 = map.clone();
        let t1 = thread::spawn(move || assert!(m1.remove(&G).is_none()));
        let mut keys: Vec<u64> = map.pin().keys().copied().collect();
        keys.sort_unstable();
        assert_eq!(keys, [A, P2, B, P4], "iteration");
        t1.join().unwrap();
        assert_eq!(map.slots(), 8);
        assert_eq!(made_promoted(), (2, 1), "one next table, one root swap");
        assert_eq!(
            table_stats().blocks_done,
            3,
            "each of the 3 blocks counted exactly once"
        );
        let keys = check_contents(&map, &[(A, 0), (P2, 0), (B, 0), (P4, 0)]);
        finish(map, &log, &keys);
    });
}

/// (6a) A stalled claimant does not block iteration. T1's insert of D starts the
/// migration and claims block 0; the main thread iterates, which finishes the copy
/// itself (redoing blocks T1 claimed) and must see A, B, C (and D at most once). Loom
/// cannot stall a thread forever, but it runs the iteration to completion while T1 sits
/// at every preemption point of its copy, and the crate has no loop that waits for
/// another thread (a wait would show up as an execution that never ends).
#[test]
fn m06a_stalled_claimant_iteration() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(full3(&log));
        let (m1, l1) = (map.clone(), log.clone());
        let t1 = thread::spawn(move || assert!(m1.insert(D, val(&l1, 0)).is_none()));
        let mut keys: Vec<u64> = map.pin().keys().copied().collect();
        keys.sort_unstable();
        keys.retain(|&k| k != D);
        assert_eq!(keys, [A, B, C], "iteration missed or repeated a key");
        t1.join().unwrap();
        let keys = check_contents(&map, &[(A, 0), (B, 0), (C, 0), (D, 0)]);
        finish(map, &log, &keys);
    });
}

/// (6b) As 6a, with `clear` instead of iteration: every key present for the whole call
/// is removed although T1 holds a claim; only D (inserted concurrently) may remain.
#[test]
fn m06b_stalled_claimant_clear() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(full3(&log));
        let (m1, l1) = (map.clone(), log.clone());
        let t1 = thread::spawn(move || assert!(m1.insert(D, val(&l1, 0)).is_none()));
        map.clear();
        t1.join().unwrap();
        let rest: Vec<u64> = {
            let m = map.pin();
            for k in [A, B, C] {
                assert!(m.get(&k).is_none(), "clear left {k:#x}");
            }
            m.keys().copied().collect()
        };
        assert!(rest.is_empty() || rest == [D], "left {rest:?}");
        assert_eq!(map.len(), rest.len());
        finish(map, &log, &rest);
    });
}

/// (7) Safe reclamation of BORROWED entries. A was copied into `next` (tagged BORROWED)
/// but is still reachable through the old table's COPIED slot, which every probe of the
/// old table dereferences to compare keys. The main thread replaces A in `next` while
/// the old table is root (helping block 1 first), so A's old entry must wait on the old
/// table's borrowed list; it then flushes the collector (pushing its garbage and
/// advancing the epoch; T1's first pin advances it again and frees what has expired)
/// and helps block 2, which promotes `next` and retires the old table. T1 pins at any
/// point of that: if the root it sees is the old table, A's old value must not have
/// been dropped, nor may the value its `get` returned be dropped while it is pinned.
/// (Flushing after the promotion instead would prove nothing: a reader that still sees
/// the old root then pinned before the retirement and holds the epoch back anyway.)
#[test]
fn m07_borrowed_reclamation() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(cap4_migrating(&log));
        let a_old = map.pin().get(&A).map(|v| v.id).unwrap();
        let (m1, l1, m2, l2) = (map.clone(), log.clone(), map.clone(), log.clone());
        race(
            move || {
                let m = m1.pin();
                // Under `m`: is the root the old table, which reaches A's old entry?
                let old_root = m1.slots() == 4;
                let id = m.get(&A).map(|v| v.id).expect("A is always present");
                if old_root {
                    assert!(
                        !l1.is_dropped(a_old),
                        "A's old entry freed while the old table was reachable"
                    );
                }
                assert!(!l1.is_dropped(id), "value freed while a reader is pinned");
            },
            move || {
                assert!(m2.insert(A, val(&l2, 1)).is_some());
                crossbeam_epoch::pin().flush();
                assert!(m2.remove(&G).is_none());
            },
        );
        assert_eq!(map.slots(), 8, "the main thread promoted");
        let keys = check_contents(&map, &[(A, 1), (P2, 0), (B, 0), (P4, 0)]);
        finish(map, &log, &keys);
    });
}

/// (8) Probe-chain liveness. While T1's insert of D freezes and copies slots, the main
/// thread's gets of keys inserted before they started never miss (whether they meet a
/// live, frozen or COPIED slot); once T1 signals, D (reachable from the old table only
/// through the frozen empty slot that ends its probe) is found too.
#[test]
fn m08_get_never_misses_across_freeze() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(full3(&log));
        let flag = Arc::new(AtomicBool::new(false));
        let (m1, l1, f1) = (map.clone(), log.clone(), flag.clone());
        let t1 = thread::spawn(move || {
            assert!(m1.insert(D, val(&l1, 0)).is_none());
            f1.store(true, Ordering::Release);
        });
        {
            let m = map.pin();
            assert!(m.get(&A).is_some(), "missed A (block 0, being copied)");
            assert!(m.get(&C).is_some(), "missed C (block 1)");
            assert!(m.get(&E).is_none());
        }
        wait_for(&flag);
        assert!(
            map.pin().get(&D).is_some(),
            "missed D after its insert returned"
        );
        t1.join().unwrap();
        let keys = check_contents(&map, &[(A, 0), (B, 0), (C, 0), (D, 0)]);
        finish(map, &log, &keys);
    });
}

/// (9) Concurrent `update`s lose nothing. T1 and the main thread increment X2 while
/// helping the migration (one of them copies X2's block, possibly between the other's
/// read of X2 and its CAS): X2 ends at 2.
#[test]
fn m09_concurrent_updates_lose_nothing() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(wide_migrating(&log));
        let (m1, l1, m2, l2) = (map.clone(), log.clone(), map.clone(), log.clone());
        let r = race(
            move || m1.update(&X2, |v| val(&l1, v.n + 1)).is_some(),
            move || m2.update(&X2, |v| val(&l2, v.n + 1)).is_some(),
        );
        assert_eq!(r, (true, true));
        let keys = check_contents(&map, &with(&WIDE, X2, Some(2)));
        finish(map, &log, &keys);
    });
}

/// (10) Every value is dropped exactly once, including when the map is dropped in the
/// middle of a migration. X0 and X1 were copied to `next` (BORROWED); T1 replaces X0
/// and the main thread removes X1 there while each helps one block, and since the old
/// table is still root both old entries go onto its borrowed list. The map is then
/// dropped with blocks 3 and 4 pending: the drop frees each entry by slot ownership
/// (not COPIED in the old table, any in `next`, the borrowed list with the old table).
/// `finish` checks at once that the values the map held were dropped; the teardown
/// check counts every drop and every table.
#[test]
fn m10_drops_exactly_once() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(wide_migrating(&log));
        let (m1, l1, m2) = (map.clone(), log.clone(), map.clone());
        race(
            move || assert!(m1.insert(X0, val(&l1, 1)).is_some()),
            move || assert!(m2.remove(&X1).is_some()),
        );
        assert_eq!(map.slots(), 8, "the migration is still running");
        let expected = with(&with(&WIDE, X0, Some(1)), X1, None);
        {
            // Only reads: the pending blocks stay pending for the drop.
            let m = map.pin();
            for &(k, n) in &expected {
                assert_eq!(m.get(&k).map(|v| v.n), Some(n));
            }
            assert!(m.get(&X1).is_none());
        }
        assert_eq!(map.len(), expected.len());
        let keys: Vec<u64> = expected.iter().map(|&(k, _)| k).collect();
        finish(map, &log, &keys);
    });
}

/// (11) A shrink's `next` never runs out of room for the copy (issue 10). A 4-slot
/// table (minimum 2) holds only A; T1 removes A, which leaves the table empty and starts
/// a shrink, while the main thread inserts K1-K5 (homes 1, 2, 3, 3, 3: slots 1-5 of the
/// old table, no probe past the limit). Before the fix the shrink sized its 2-slot
/// (4 slots with the tail) `next` from the live count read before the inserts landed in
/// the old table, and copying five entries into four slots hit `unreachable!`. Now a
/// shrink seals the old table first and sizes `next` from the exact count, and direct
/// inserts into `next` take room that the copy cannot need (I8): every interleaving
/// ends with exactly K1-K5, each once.
#[test]
fn m11_shrink_racing_inserts_keeps_room_for_the_copy() {
    model(|| {
        let log = Log::new();
        let map = Map::with_capacity_and_hasher(1, Unmix);
        for k in [A, B, C, D] {
            assert!(map.insert(k, val(&log, 0)).is_none());
        }
        for k in [B, C, D] {
            assert!(map.remove(&k).is_some()); // the last one starts a shrink from 8 to 4
        }
        assert_eq!(map.pin().iter().count(), 1); // finishes it
        assert_eq!(map.slots(), 4, "setup: a 4-slot root holding A");
        let map = Arc::new(map);
        let (m1, m2, l2) = (map.clone(), map.clone(), log.clone());
        let keys = [K1, K2, K3, K4, K5];
        race(
            move || assert!(m1.remove(&A).is_some()),
            move || {
                for k in keys {
                    assert!(m2.insert(k, val(&l2, 0)).is_none(), "{k:#x} was new");
                }
            },
        );
        let want: Vec<(u64, u64)> = keys.iter().map(|&k| (k, 0)).collect();
        let keys = check_contents(&map, &want);
        finish(map, &log, &keys);
    });
}

/// (12) A `Ref` from the map's own methods keeps its entry alive with its own pin
/// (issue 14): `get` hands out the entry with the pin it was found under;
/// `HashMap::iter` loads entries under the iterator's pin and hands each out with a
/// pin nested in it, so the `Ref` outlives the iterator. The main thread holds such
/// `Ref`s to A while T1 removes A and flushes twice (enough to free it if nothing held
/// it); A's value must not be dropped while a `Ref` to it lives.
#[test]
fn m12_refs_keep_their_entries_alive() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(Map::with_capacity_and_hasher(4, Unmix));
        assert!(map.insert(A, val(&log, 0)).is_none());
        let a_id = map.pin().get(&A).map(|v| v.id).unwrap();
        let (m1, l1) = (map.clone(), log.clone());
        race(
            move || {
                assert!(m1.remove(&A).is_some());
                crossbeam_epoch::pin().flush();
                crossbeam_epoch::pin().flush();
            },
            || {
                let held = map.iter().next(); // the iterator and its pin are dropped here
                if let Some(r) = held {
                    thread::yield_now();
                    assert!(!l1.is_dropped(a_id), "a Ref's value was dropped while held");
                    assert_eq!(r.n, 0);
                }
                if let Some(r) = map.get(&A) {
                    thread::yield_now();
                    assert!(!l1.is_dropped(a_id), "a Ref's value was dropped while held");
                    assert_eq!(r.n, 0);
                }
            },
        );
        assert!(map.pin().get(&A).is_none());
        finish(map, &log, &[]);
    });
}

/// (13) `reserve` starts a migration of its own size from the root while an insert
/// starts the ordinary one (issue 14). The 2-slot `full3` table holds A, B, C; T1
/// inserts D, which probes past the limit and publishes an 8-slot `next`, while the main
/// thread reserves room for 5 more entries (a 16-slot table). Whichever `next` wins the
/// CAS, the other thread uses it; if it was the 8-slot one, `reserve` finishes that
/// migration and then migrates again to 16 slots while D's insert may still be in
/// flight. Every interleaving ends with A-D each present once and at least 16 slots.
#[test]
fn m13_reserve_racing_an_insert_that_grows() {
    model(|| {
        let log = Log::new();
        let map = Arc::new(full3(&log));
        let (m1, l1) = (map.clone(), log.clone());
        race(
            move || assert!(m1.insert(D, val(&l1, 0)).is_none(), "D was new"),
            || map.reserve(5),
        );
        assert!(map.slots() >= 16, "reserve left {} slots", map.slots());
        let keys = check_contents(&map, &[(A, 0), (B, 0), (C, 0), (D, 0)]);
        finish(map, &log, &keys);
    });
}
