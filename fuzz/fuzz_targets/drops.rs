//! Drop accounting: every key and value carries a unique id, registered when it is
//! created and unregistered when it is dropped. Dropping an id that is not registered
//! (a double drop) panics at once. After the operations the map is dropped; every key
//! and value still in it must be dropped right then, and after the epoch collector is
//! flushed, every key and value ever created must have been dropped exactly once.
//!
//! Also injects panics into user code (`Hash`, `Eq`, `Clone`, and the closures of
//! `update`, `compute`, `remove_if`, `retain`): the map must stay usable, agree with a
//! model, and leak nothing.
//!
//! # Forcing reclamation
//!
//! Removed entries are freed by crossbeam-epoch's global collector. This target is
//! single-threaded (the fuzzer runs one input at a time on one thread), so once the map
//! is dropped and no guard is held, each `crossbeam_epoch::pin().flush()` moves this
//! thread's bag of deferred frees to the global queue, advances the global epoch by one
//! (no other participant is pinned) and frees up to 8 expired bags (of 64 deferred
//! functions each). A bag expires two epochs after it was sealed, so a bounded number of
//! flushes frees everything: the loop below stops as soon as the registry is empty and
//! fails if it is not empty after `MAX_FLUSHES`.

#![no_main]

use std::cell::Cell;
use std::collections::{BTreeSet, HashMap as StdMap, HashSet};
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use splitmap::{Compute, HashMap, Operation};
use splitmap_fuzz::{AnyHasher, HasherKind};

const MAX_OPS: usize = 300;
const MAX_FLUSHES: usize = 1000;

// ---- the registry ------------------------------------------------------------------

static LIVE: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn live() -> std::sync::MutexGuard<'static, BTreeSet<u64>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

fn register() -> u64 {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let fresh = live().insert(id);
    assert!(fresh, "id {id} registered twice");
    id
}

fn unregister(id: u64) {
    let was_live = live().remove(&id);
    if !was_live {
        panic!("id {id} dropped twice");
    }
}

// ---- panic injection -----------------------------------------------------------------

/// The payload of every deliberate panic; the panic hook lets these unwind (libfuzzer's
/// own hook aborts on any other panic).
struct Intentional;

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
enum Inject {
    Hash,
    Eq,
    Clone,
}

thread_local! {
    /// One-shot: the next call of this kind of user code panics.
    static INJECT: Cell<Option<Inject>> = const { Cell::new(None) };
}

fn maybe_panic(kind: Inject) {
    if INJECT.with(|i| i.get()) == Some(kind) {
        INJECT.with(|i| i.set(None));
        std::panic::panic_any(Intentional);
    }
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<Intentional>() {
                prev(info);
            }
        }));
    });
}

/// Run `f`, which must panic deliberately (or finish normally); returns `true` if it
/// panicked.
fn expect_maybe_panic<R>(f: impl FnOnce() -> R) -> bool {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => {
            drop(r);
            INJECT.with(|i| i.set(None));
            false
        }
        Err(payload) => {
            assert!(payload.is::<Intentional>(), "unexpected panic payload");
            true
        }
    }
}

// ---- tracked keys and values ---------------------------------------------------------

struct Key {
    k: u16,
    id: u64,
}

impl Key {
    fn new(k: u16) -> Self {
        Key { k, id: register() }
    }
}
impl Drop for Key {
    fn drop(&mut self) {
        unregister(self.id);
    }
}
impl Clone for Key {
    fn clone(&self) -> Self {
        maybe_panic(Inject::Clone);
        Key::new(self.k)
    }
}
impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        maybe_panic(Inject::Eq);
        self.k == other.k
    }
}
impl Eq for Key {}
impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        maybe_panic(Inject::Hash);
        self.k.hash(state);
    }
}

#[derive(Debug)]
struct Val {
    v: u16,
    id: u64,
}

impl Val {
    fn new(v: u16) -> Self {
        Val { v, id: register() }
    }
}
impl Drop for Val {
    fn drop(&mut self) {
        unregister(self.id);
    }
}
impl Clone for Val {
    fn clone(&self) -> Self {
        Val::new(self.v)
    }
}

// ---- input -------------------------------------------------------------------------

#[derive(Arbitrary, Debug)]
struct Input {
    capacity: u8,
    hasher: HasherKind,
    ops: Vec<DOp>,
}

#[derive(Arbitrary, Debug)]
enum DOp {
    Insert(u8, u16),
    TryInsert(u8, u16),
    GetOrInsert(u8, u16),
    GetOrInsertWith(u8, u16),
    Remove(u8),
    RemoveIf(u8, u16),
    Update(u8, u16),
    Upsert(u8, u16),
    Compute(u8, u8, u16),
    Retain(u8, u8),
    Clear,
    Iter,
    Clone,
    InsertRange(u16, u8),
    RemoveRange(u16, u8),
    /// Run the collector while the map is alive.
    Flush(u8),
    /// Read a value, remove/replace it through a second handle, flush, read it again.
    ReadAcrossRemove(u8, u16, u8),
    /// Arm a one-shot panic in `Hash`, `Eq` or `Clone`, then run an operation.
    PanicIn(Inject, Victim),
    /// A closure panics: 0 update, 1 compute (after making a value), 2 remove_if,
    /// 3 retain (after `after` calls), 4 get_or_insert_with.
    PanicClosure(u8, u8, u8),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Victim {
    Insert(u8, u16),
    TryInsert(u8, u16),
    Get(u8),
    Remove(u8),
    Update(u8),
    Compute(u8, u16),
    /// `HashMap::clone` (clones every key; `Clone` panics part way).
    CloneMap,
}

fn k16(k: u8) -> u16 {
    u16::from(k)
}

fn run(input: Input) {
    install_hook();
    assert!(
        live().is_empty(),
        "ids from an earlier input are still alive"
    );

    let map: HashMap<Key, Val, AnyHasher> = HashMap::with_capacity_and_hasher(
        usize::from(input.capacity % 64),
        AnyHasher::new(input.hasher),
    );
    let max_len = if AnyHasher::is_degenerate(input.hasher) {
        300
    } else {
        2500
    };
    let mut model: StdMap<u16, u16> = StdMap::new();

    for op in input.ops.into_iter().take(MAX_OPS) {
        match op {
            DOp::Insert(k, v) => {
                let m = map.pin();
                let prev = m.insert(Key::new(k16(k)), Val::new(v)).map(|p| p.v);
                assert_eq!(prev, model.insert(k16(k), v));
            }
            DOp::TryInsert(k, v) => {
                let m = map.pin();
                match m.try_insert(Key::new(k16(k)), Val::new(v)) {
                    Ok(x) => {
                        assert_eq!(x.v, v);
                        assert!(model.insert(k16(k), v).is_none());
                    }
                    Err(e) => {
                        assert_eq!(Some(&e.current.v), model.get(&k16(k)));
                        assert_eq!(e.not_inserted.v, v);
                    }
                }
            }
            DOp::GetOrInsert(k, v) => {
                let m = map.pin();
                assert_eq!(
                    m.get_or_insert(Key::new(k16(k)), Val::new(v)).v,
                    *model.entry(k16(k)).or_insert(v)
                );
            }
            DOp::GetOrInsertWith(k, v) => {
                let m = map.pin();
                assert_eq!(
                    m.get_or_insert_with(Key::new(k16(k)), || Val::new(v)).v,
                    *model.entry(k16(k)).or_insert(v)
                );
            }
            DOp::Remove(k) => {
                let m = map.pin();
                assert_eq!(
                    m.remove(&Key::new(k16(k))).map(|v| v.v),
                    model.remove(&k16(k))
                );
            }
            DOp::RemoveIf(k, t) => {
                let m = map.pin();
                let got = m.remove_if(&Key::new(k16(k)), |_, v| v.v < t).map(|v| v.v);
                let want = match model.get(&k16(k)) {
                    Some(&v) if v < t => model.remove(&k16(k)),
                    _ => None,
                };
                assert_eq!(got, want);
            }
            DOp::Update(k, d) => {
                let m = map.pin();
                let got = m
                    .update(&Key::new(k16(k)), |v| Val::new(v.v.wrapping_add(d)))
                    .map(|v| v.v);
                let want = model.get_mut(&k16(k)).map(|v| {
                    *v = v.wrapping_add(d);
                    *v
                });
                assert_eq!(got, want);
            }
            DOp::Upsert(k, d) => {
                // `upsert` returns a clone of the new value (a fresh id, dropped here).
                let got = map.upsert(Key::new(k16(k)), Val::new(d), |v| {
                    Val::new(v.v.wrapping_add(d))
                });
                let want = *model
                    .entry(k16(k))
                    .and_modify(|v| *v = v.wrapping_add(d))
                    .or_insert(d);
                assert_eq!(got.v, want);
            }
            DOp::Compute(k, code, v) => {
                let m = map.pin();
                let got = m.compute(Key::new(k16(k)), |cur| match code % 3 {
                    0 => Operation::Insert(Val::new(cur.map_or(v, |c| c.v.wrapping_add(v)))),
                    1 => Operation::Remove,
                    _ => Operation::Abort,
                });
                let before = model.get(&k16(k)).copied();
                match (code % 3, got, before) {
                    (0, Compute::Inserted(n), None) => {
                        assert_eq!(n.v, v);
                        model.insert(k16(k), v);
                    }
                    (0, Compute::Updated { old, new }, Some(b)) => {
                        assert_eq!((old.v, new.v), (b, b.wrapping_add(v)));
                        model.insert(k16(k), new.v);
                    }
                    (1, Compute::Removed(old), Some(b)) => {
                        assert_eq!(old.v, b);
                        model.remove(&k16(k));
                    }
                    (1, Compute::Unchanged(None), None) => {}
                    (2, Compute::Unchanged(cur), b) => assert_eq!(cur.map(|c| c.v), b),
                    (code, got, b) => panic!("compute {k} decision {code}: {got:?}, model {b:?}"),
                }
            }
            DOp::Retain(m, r) => {
                let m = u16::from(m % 8) + 1;
                let r = u16::from(r) % m;
                map.pin().retain(|k, _| k.k % m != r);
                model.retain(|k, _| k % m != r);
            }
            DOp::Clear => {
                map.pin().clear();
                model.clear();
            }
            DOp::Iter => {
                let m = map.pin();
                let mut seen = HashSet::new();
                for (k, v) in m.iter() {
                    assert!(seen.insert(k.k), "iteration yielded {} twice", k.k);
                    assert_eq!(model.get(&k.k), Some(&v.v));
                }
                assert_eq!(seen.len(), model.len());
            }
            DOp::Clone => {
                let copy = map.clone();
                assert_eq!(copy.len(), model.len());
            }
            DOp::InsertRange(start, n) => {
                let m = map.pin();
                for k in start..start.saturating_add(u16::from(n)) {
                    if model.len() >= max_len {
                        break;
                    }
                    let prev = m.insert(Key::new(k), Val::new(k)).map(|p| p.v);
                    assert_eq!(prev, model.insert(k, k));
                }
            }
            DOp::RemoveRange(start, n) => {
                for k in start..start.saturating_add(u16::from(n)) {
                    assert_eq!(
                        map.remove(&Key::new(k)).is_some(),
                        model.remove(&k).is_some()
                    );
                }
            }
            DOp::Flush(n) => {
                for _ in 0..n % 8 {
                    crossbeam_epoch::pin().flush();
                }
            }
            DOp::ReadAcrossRemove(k, v, flushes) => {
                let k = k16(k);
                let outer = map.pin();
                let before = outer.get(&Key::new(k));
                let before_v = before.map(|x| x.v);
                assert_eq!(before_v, model.get(&k).copied());
                {
                    let inner = map.pin();
                    if v % 2 == 0 {
                        inner.remove(&Key::new(k));
                        model.remove(&k);
                    } else {
                        inner.insert(Key::new(k), Val::new(v));
                        model.insert(k, v);
                    }
                }
                for _ in 0..flushes % 16 {
                    crossbeam_epoch::pin().flush();
                }
                // The entry was unlinked, but `outer` still pins it.
                if let Some(b) = before {
                    let id = b.id;
                    assert!(
                        live().contains(&id),
                        "value {id} freed while a handle that read it is alive"
                    );
                }
                assert_eq!(before.map(|x| x.v), before_v, "a pinned reference changed");
            }
            DOp::PanicIn(kind, victim) => {
                INJECT.with(|i| i.set(Some(kind)));
                let panicked = expect_maybe_panic(|| {
                    let m = map.pin();
                    match victim {
                        Victim::Insert(k, v) => drop(m.insert(Key::new(k16(k)), Val::new(v))),
                        Victim::TryInsert(k, v) => {
                            drop(m.try_insert(Key::new(k16(k)), Val::new(v)))
                        }
                        Victim::Get(k) => drop(m.get(&Key::new(k16(k)))),
                        Victim::Remove(k) => drop(m.remove(&Key::new(k16(k)))),
                        Victim::Update(k) => {
                            let _ = m.update(&Key::new(k16(k)), |x| Val::new(x.v ^ 1));
                        }
                        Victim::Compute(k, v) => {
                            let _ = m.compute(Key::new(k16(k)), |_| Operation::Insert(Val::new(v)));
                        }
                        // A `Clone` that panics part way drops the partial copy.
                        Victim::CloneMap => drop(map.clone()),
                    }
                });
                // A panic must leave the map unchanged. If nothing panicked (the armed
                // code was not reached), the operation took effect: replay it on the model.
                if !panicked {
                    match victim {
                        Victim::Insert(k, v) | Victim::Compute(k, v) => {
                            model.insert(k16(k), v);
                        }
                        Victim::TryInsert(k, v) => {
                            model.entry(k16(k)).or_insert(v);
                        }
                        Victim::Remove(k) => {
                            model.remove(&k16(k));
                        }
                        Victim::Update(k) => {
                            if let Some(x) = model.get_mut(&k16(k)) {
                                *x ^= 1;
                            }
                        }
                        Victim::Get(_) | Victim::CloneMap => {}
                    }
                }
            }
            DOp::PanicClosure(which, k, after) => {
                let k = k16(k);
                match which % 5 {
                    0 => {
                        let m = map.pin();
                        let panicked = expect_maybe_panic(|| {
                            m.update(&Key::new(k), |_| std::panic::panic_any(Intentional))
                                .is_some()
                        });
                        assert_eq!(panicked, model.contains_key(&k));
                    }
                    1 => {
                        let m = map.pin();
                        let panicked = expect_maybe_panic(|| {
                            m.compute(Key::new(k), |_| {
                                let _made = Val::new(7);
                                std::panic::panic_any(Intentional)
                            });
                        });
                        assert!(panicked);
                    }
                    2 => {
                        let m = map.pin();
                        let panicked = expect_maybe_panic(|| {
                            m.remove_if(&Key::new(k), |_, _| std::panic::panic_any(Intentional))
                                .is_some()
                        });
                        assert_eq!(panicked, model.contains_key(&k));
                    }
                    3 => {
                        let mut calls = 0u8;
                        let mut removed = Vec::new();
                        let m = map.pin();
                        let panicked = expect_maybe_panic(|| {
                            m.retain(|key, _| {
                                if calls == after {
                                    std::panic::panic_any(Intentional);
                                }
                                calls += 1;
                                let keep = key.k % 2 == 0;
                                if !keep {
                                    removed.push(key.k);
                                }
                                keep
                            })
                        });
                        assert_eq!(panicked, usize::from(after) < model.len());
                        for key in removed {
                            model.remove(&key);
                        }
                    }
                    _ => {
                        let m = map.pin();
                        let present = model.contains_key(&k);
                        let panicked = expect_maybe_panic(|| {
                            m.get_or_insert_with(Key::new(k), || std::panic::panic_any(Intentional))
                                .v
                        });
                        assert_eq!(panicked, !present);
                    }
                }
            }
        }
        assert_eq!(map.len(), model.len(), "len");
    }

    // Contents agree with the model; remember the ids the map holds.
    let mut held = HashSet::new();
    {
        let m = map.pin();
        let mut seen = HashSet::new();
        for (k, v) in m.iter() {
            assert!(seen.insert(k.k), "iteration yielded {} twice", k.k);
            assert_eq!(model.get(&k.k), Some(&v.v), "final contents, key {}", k.k);
            held.insert(k.id);
            held.insert(v.id);
        }
        assert_eq!(seen.len(), model.len(), "final contents");
    }
    drop(map);
    {
        let live = live();
        let kept: Vec<_> = held.iter().filter(|id| live.contains(id)).collect();
        assert!(
            kept.is_empty(),
            "{} keys/values held by the map were not dropped with it: {kept:?}",
            kept.len()
        );
    }
    // Everything removed earlier is freed by the collector; flush until it is.
    let mut flushes = 0;
    while !live().is_empty() && flushes < MAX_FLUSHES {
        crossbeam_epoch::pin().flush();
        flushes += 1;
    }
    let left: Vec<u64> = live().iter().copied().take(20).collect();
    assert!(
        left.is_empty(),
        "{} keys/values never dropped after {flushes} flushes (first ids: {left:?})",
        live().len()
    );
}

fuzz_target!(|input: Input| run(input));
