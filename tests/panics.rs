//! A panic in user code (`Hash`, `Eq`, `Clone`, closures) must leave the map usable,
//! consistent, and leak nothing it owns.

use splitmap::{HashMap, Operation};
use std::cell::Cell;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

thread_local! {
    /// When non-zero, the n-th call to a key's `Hash`/`Eq`/`Clone` from now panics.
    static PANIC_IN: Cell<usize> = const { Cell::new(0) };
}

fn maybe_panic(what: &str) {
    PANIC_IN.with(|p| {
        let n = p.get();
        if n == 1 {
            p.set(0);
            panic!("user {what} panicked on purpose");
        } else if n > 1 {
            p.set(n - 1);
        }
    });
}

#[derive(Debug)]
struct Key(u64);

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        maybe_panic("hash");
        self.0.hash(state);
    }
}
impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        maybe_panic("eq");
        self.0 == other.0
    }
}
impl Eq for Key {}
impl Clone for Key {
    fn clone(&self) -> Self {
        maybe_panic("clone");
        Key(self.0)
    }
}

static LIVE: AtomicUsize = AtomicUsize::new(0);

/// A value that counts how many instances are alive.
#[derive(Debug)]
struct Val(u64);
impl Val {
    fn new(v: u64) -> Val {
        LIVE.fetch_add(1, Ordering::SeqCst);
        Val(v)
    }
}
impl Drop for Val {
    fn drop(&mut self) {
        LIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

fn quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    catch_unwind(AssertUnwindSafe(f))
}

#[test]
fn panics_in_user_code_leave_the_map_consistent_and_leak_nothing() {
    std::panic::set_hook(Box::new(|_| {})); // expected panics: keep the output readable
    let map: HashMap<Key, Val> = HashMap::with_capacity(0);
    let mut model = std::collections::HashMap::new();
    let mut panics = 0;
    for i in 0..3_000u64 {
        let k = i % 700;
        // Arm a panic a few calls ahead, so it lands at varying points of the operation
        // (hashing, probing, cloning for update) and of migrations in flight.
        PANIC_IN.with(|p| {
            p.set(if i % 7 == 0 {
                (i as usize / 7) % 5 + 1
            } else {
                0
            })
        });
        let result = quietly(|| match i % 5 {
            0 | 1 => {
                map.pin().insert(Key(k), Val::new(i));
            }
            2 => {
                map.pin().remove(&Key(k));
            }
            3 => {
                map.pin().update(&Key(k), |v| {
                    if i % 11 == 0 {
                        panic!("update closure panicked on purpose");
                    }
                    Val::new(v.0 + 1)
                });
            }
            _ => {
                map.pin().compute(Key(k), |cur| {
                    if i % 13 == 0 {
                        panic!("compute closure panicked on purpose");
                    }
                    match cur {
                        Some(v) => Operation::Insert(Val::new(v.0 * 2)),
                        None => Operation::Abort,
                    }
                });
            }
        });
        PANIC_IN.with(|p| p.set(0));
        if result.is_err() {
            panics += 1;
        }
        // Re-sync the model with what the map now says for k: a panicking operation
        // either happened entirely or not at all.
        match map.pin().get(&Key(k)) {
            Some(v) => {
                model.insert(k, v.0);
            }
            None => {
                model.remove(&k);
            }
        }
        if i % 250 == 0 {
            let m = map.pin();
            let mut seen = std::collections::HashSet::new();
            for (key, v) in m.iter() {
                assert!(seen.insert(key.0), "duplicate key {} after panics", key.0);
                assert_eq!(model.get(&key.0), Some(&v.0));
            }
            assert_eq!(seen.len(), model.len());
            assert_eq!(map.len(), model.len());
        }
    }
    let _ = std::panic::take_hook();
    assert!(
        panics > 100,
        "the test must actually panic often ({panics})"
    );
    // The map still works.
    map.insert(Key(1_000_000), Val::new(1));
    assert_eq!(map.pin().get(&Key(1_000_000)).map(|v| v.0), Some(1));
    assert_eq!(map.len(), model.len() + 1);
    drop(map);
    // A map pin releases garbage that expired inside this thread's map calls
    // (`src/raw/reclaim/mod.rs`).
    let other: HashMap<u8, u8> = HashMap::new();
    for _ in 0..100_000 {
        if LIVE.load(Ordering::SeqCst) == 0 {
            break;
        }
        crossbeam_epoch::pin().flush();
        drop(other.pin());
    }
    assert_eq!(LIVE.load(Ordering::SeqCst), 0, "values leaked after panics");
}

#[test]
fn overflowing_capacity_panics_with_a_clear_message() {
    let err = catch_unwind(|| HashMap::<u64, u64>::with_capacity(usize::MAX)).unwrap_err();
    let msg = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(msg.contains("capacity overflow"), "{msg}");
}

#[test]
fn a_constant_hasher_degrades_but_stays_correct() {
    // Every key has the same hash: the map must neither loop nor grow without bound.
    #[derive(Default, Clone)]
    struct Constant;
    impl std::hash::BuildHasher for Constant {
        type Hasher = ConstantHasher;
        fn build_hasher(&self) -> ConstantHasher {
            ConstantHasher
        }
    }
    struct ConstantHasher;
    impl Hasher for ConstantHasher {
        fn finish(&self) -> u64 {
            u64::MAX
        }
        fn write(&mut self, _: &[u8]) {}
    }
    let map: HashMap<u64, u64, Constant> = HashMap::with_hasher(Constant);
    for i in 0..2_000 {
        assert!(map.insert(i, i).is_none());
    }
    for i in (0..2_000).step_by(3) {
        assert!(map.remove(&i).is_some());
    }
    let m = map.pin();
    for i in 0..2_000 {
        assert_eq!(m.get(&i).is_some(), i % 3 != 0);
    }
    assert!(
        map.slots() <= 16_384,
        "capacity {} for 2000 colliding keys",
        map.slots()
    );
}
