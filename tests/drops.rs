//! Drop accounting: every value the map is given is dropped exactly once: removed and
//! replaced values once the epoch advances, the rest when the map is dropped.

use splitmap::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

/// One drop flag per value id; a second drop of the same id panics.
struct Tracker {
    flags: Vec<AtomicU8>,
}

/// Every tracker, kept reachable from a static: trackers are leaked on purpose (values
/// may be dropped by the collector after their test returns), and LeakSanitizer
/// (`.ci/sanitizers.sh asan`) reports leaked memory that nothing points to any more.
static TRACKERS: Mutex<Vec<&'static Tracker>> = Mutex::new(Vec::new());

impl Tracker {
    fn new(n: usize) -> &'static Tracker {
        let tracker = Box::leak(Box::new(Tracker {
            flags: (0..n).map(|_| AtomicU8::new(0)).collect(),
        }));
        TRACKERS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(tracker);
        tracker
    }
    fn value(&'static self, id: usize) -> Counted {
        Counted { id, tracker: self }
    }
    fn dropped(&self) -> usize {
        self.flags
            .iter()
            .filter(|f| f.load(Ordering::SeqCst) == 1)
            .count()
    }
}

struct Counted {
    id: usize,
    tracker: &'static Tracker,
}

impl Drop for Counted {
    fn drop(&mut self) {
        let before = self.tracker.flags[self.id].fetch_add(1, Ordering::SeqCst);
        assert_eq!(before, 0, "value {} dropped twice", self.id);
    }
}

/// Tests in this file share crossbeam's global collector; run them one at a time so
/// that one test's pins do not hold back another's reclamation.
static SERIAL: Mutex<()> = Mutex::new(());

/// Pin and flush until the collector has run every deferred destructor we wait for.
/// Garbage that expires inside a map call waits in that thread's queue and is released
/// a few entries per later map call (`src/raw/reclaim/mod.rs`), so each round also
/// pins a map, as a thread that goes on using maps would.
fn reclaim_until(mut done: impl FnMut() -> bool) -> bool {
    let other: HashMap<u8, u8> = HashMap::new();
    for _ in 0..100_000 {
        if done() {
            return true;
        }
        crossbeam_epoch::pin().flush();
        drop(other.pin());
    }
    done()
}

#[test]
fn removed_replaced_cleared_and_remaining_values_drop_exactly_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const N: usize = 20_000;
    let tracker = Tracker::new(3 * N);
    let map: HashMap<usize, Counted> = HashMap::with_capacity(0);
    for i in 0..N {
        assert!(map.insert(i, tracker.value(i)).is_none());
    }
    // Replace the first half (values N..N+N/2), remove a quarter.
    for i in 0..N / 2 {
        assert!(map.insert(i, tracker.value(N + i)).is_some());
    }
    for i in (0..N).step_by(4) {
        assert!(map.remove(&i).is_some());
    }
    let live_after_removes = map.len();
    assert_eq!(live_after_removes, N - N / 4);
    // Everything replaced or removed so far is garbage: N/2 replaced originals plus
    // N/4 removed (half of those were replacement values).
    let garbage = N / 2 + N / 4;
    assert!(
        reclaim_until(|| tracker.dropped() == garbage),
        "removed values not reclaimed: {} of {garbage} dropped",
        tracker.dropped()
    );
    // Clear drops the rest (after the epoch advances), and new values inserted after
    // the clear are dropped with the map.
    map.clear();
    assert!(map.is_empty());
    assert!(
        reclaim_until(|| tracker.dropped() == N + N / 2),
        "cleared values not reclaimed"
    );
    for i in 0..N / 2 {
        map.insert(i, tracker.value(2 * N + i));
    }
    drop(map);
    assert_eq!(
        tracker.dropped(),
        2 * N,
        "every value dropped exactly once after the map"
    );
}

#[test]
fn dropping_a_map_mid_migration_drops_everything_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // Large enough for many migration blocks; stop inserting at arbitrary points so the
    // map is dropped with a migration in flight (and borrowed entries replaced in `next`).
    for stop in [3_000usize, 5_000, 9_999, 17_000] {
        let tracker = Tracker::new(2 * stop);
        let map: HashMap<usize, Counted> = HashMap::with_capacity(0);
        for i in 0..stop {
            map.insert(i, tracker.value(i));
            if i % 3 == 0 {
                // Replace a recent key: often one that was just copied to `next`.
                map.insert(i / 2, tracker.value(stop + i));
            }
        }
        let replaced = (0..stop).filter(|i| i % 3 == 0).count();
        drop(map);
        assert!(
            reclaim_until(|| tracker.dropped() == stop + replaced),
            "stop {stop}: {} of {} dropped",
            tracker.dropped(),
            stop + replaced
        );
    }
}

#[test]
fn concurrent_writers_drop_every_value_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const PER: usize = 20_000;
    const THREADS: usize = 4;
    let tracker = Tracker::new(PER * THREADS);
    let map: HashMap<usize, Counted> = HashMap::with_capacity(0);
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let map = &map;
            s.spawn(move || {
                for i in 0..PER {
                    let id = t * PER + i;
                    // Keys collide across threads, so values replace each other.
                    map.insert(i % 3_000, tracker.value(id));
                    if i % 5 == 0 {
                        map.remove(&((i + t) % 3_000));
                    }
                }
            });
        }
    });
    drop(map);
    assert!(
        reclaim_until(|| tracker.dropped() == PER * THREADS),
        "{} of {} dropped",
        tracker.dropped(),
        PER * THREADS
    );
}

/// A thread that drops its map and makes no more map calls still gets every value
/// dropped once the epochs advance: what expired inside its map calls and waited in
/// its release queue (`src/raw/reclaim/`) goes with the map's drop, and what expires
/// later, outside any map call, is released at once. Only crossbeam pins here, no
/// map calls after the drop.
#[test]
fn dropping_a_map_releases_what_its_thread_queued() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 1,000 first inserts, then 192 x 256 overwrites: the last overwrite is the
    // 256th deferral since a flush, so it flushes, and what that flush queues has no
    // later write to release it.
    const N: usize = 1_000 + 192 * 256;
    let tracker = Tracker::new(N);
    let map: HashMap<usize, Counted> = HashMap::with_capacity(1_000);
    // Overwrites retire a value each. Through handles of 500 writes, this thread's
    // deferrals outrun its pins, so it flushes (`src/raw/reclaim/pace.rs`), and each
    // flush, inside a map call, queues up to 512 expired values at once: more than the
    // writes after it release.
    for chunk in (0..N).collect::<Vec<_>>().chunks(500) {
        let m = map.pin();
        for &i in chunk {
            m.insert(i % 1_000, tracker.value(i));
        }
    }
    let before_drop = tracker.dropped();
    drop(map);
    eprintln!("dropped before the map: {before_drop} of {}", N - 1_000);
    let mut flushes = 0;
    while tracker.dropped() < N && flushes < 10_000 {
        crossbeam_epoch::pin().flush();
        flushes += 1;
    }
    assert_eq!(
        tracker.dropped(),
        N,
        "values still waiting after the map was dropped and {flushes} flushes"
    );
}

/// `HashMap::get` returns a `Ref` that holds its own pin: its value stays whole and
/// undropped while another thread removes that key and churns the map (retiring and
/// collecting thousands of entries), and is dropped once the `Ref` is gone.
#[test]
fn a_ref_keeps_its_value_until_it_is_dropped() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const CHURN: usize = 20_000;
    let tracker = Tracker::new(CHURN + 1);
    let map: HashMap<usize, Counted> = HashMap::with_capacity(0);
    map.insert(usize::MAX, tracker.value(CHURN));
    let held = map.get(&usize::MAX).expect("just inserted");
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(map.remove(&usize::MAX).is_some());
            for i in 0..CHURN {
                map.insert(i % 100, tracker.value(i));
                if i % 3 == 0 {
                    map.remove(&((i + 50) % 100));
                }
                crossbeam_epoch::pin().flush();
            }
        });
    });
    assert_eq!(held.id, CHURN, "the held value is the one inserted");
    assert_eq!(
        tracker.flags[CHURN].load(Ordering::SeqCst),
        0,
        "the value a Ref holds was dropped under it"
    );
    assert!(!map.contains_key(&usize::MAX));
    drop(held);
    assert!(
        reclaim_until(|| tracker.flags[CHURN].load(Ordering::SeqCst) == 1),
        "the removed value was not dropped after its Ref was"
    );
}

/// `drain`, `into_iter` and `get_mut` (by `&mut` or by value) move values out or
/// change them in place: each value still drops exactly once, those moved out when
/// their new owner drops them, and the map stays usable after a `drain` (also one in
/// the middle of a migration).
#[test]
fn drained_and_owned_values_drop_exactly_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for stop in [1usize, 700, 1_500, 3_000, 5_000, 9_999, 12_000, 17_000] {
        let tracker = Tracker::new(4 * stop + 2);
        let mut map: HashMap<usize, Counted> = HashMap::with_capacity(0);
        for i in 0..stop {
            map.insert(i, tracker.value(i));
            if i % 3 == 0 {
                map.insert(i / 2, tracker.value(stop + i)); // replaced: retired
            }
        }
        let replaced = (0..stop).filter(|i| i % 3 == 0).count();
        // In place: the old value is dropped by the assignment, once.
        *map.get_mut(&0).expect("key 0") = tracker.value(2 * stop);
        let drained: Vec<(usize, Counted)> = map.drain().collect();
        assert_eq!(drained.len(), stop, "stop {stop}: drained every key");
        assert!(map.is_empty() && map.pin().iter().next().is_none());
        let mut keys: Vec<usize> = drained.iter().map(|(k, _)| *k).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            (0..stop).collect::<Vec<_>>(),
            "stop {stop}: each key once"
        );
        assert_eq!(
            drained.iter().filter(|(_, v)| v.id == 2 * stop).count(),
            1,
            "the value set through get_mut was drained"
        );
        // Still usable; then consumed by value.
        for i in 0..stop {
            map.insert(i, tracker.value(3 * stop + i));
        }
        let owned: Vec<(usize, Counted)> = map.into_iter().collect();
        assert_eq!(owned.len(), stop);
        drop(drained);
        drop(owned);
        // Everything made: the originals, the replacements, the get_mut value, the
        // re-inserts; the original of key 0 was dropped by the assignment.
        let made = stop + replaced + 1 + stop;
        assert!(
            reclaim_until(|| tracker.dropped() == made),
            "stop {stop}: {} of {made} dropped",
            tracker.dropped()
        );
    }
}

/// A removed value's grace period starts within 64 retirements on the thread that
/// removed it (`src/raw/reclaim/batch.rs`): after a thread removes 64 values and then
/// stays alive without touching any map, another thread's plain crossbeam flushes are
/// enough to drop all 64. The 64 inserts and 64 removes also cross the 128-pin check
/// that hands a partial batch over without sealing it; without counting those entries
/// towards the next batch, the first 63 waited for the removing thread's exit.
#[test]
fn a_full_batch_of_removed_values_drops_while_its_thread_idles() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const N: usize = 64;
    let tracker = Tracker::new(N);
    let map: HashMap<usize, Counted> = HashMap::with_capacity(N);
    let (removed_tx, removed_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let map = &map;
    std::thread::scope(|s| {
        s.spawn(move || {
            // A fresh thread: its pending batch and crossbeam bag start empty.
            for i in 0..N {
                map.insert(i, tracker.value(i));
            }
            for i in 0..N {
                assert!(map.remove(&i).is_some());
            }
            removed_tx.send(()).unwrap();
            // Stay alive (its exit would hand everything over) until checked.
            let _ = done_rx.recv();
        });
        removed_rx.recv().unwrap();
        let mut flushes = 0;
        while tracker.dropped() < N && flushes < 100_000 {
            crossbeam_epoch::pin().flush();
            flushes += 1;
        }
        let dropped = tracker.dropped();
        done_tx.send(()).unwrap();
        assert_eq!(
            dropped, N,
            "removed values still waiting after {flushes} flushes while their thread idled"
        );
    });
}

/// A value whose destructor panics after its `Counted` is dropped.
struct PanicsOnDrop(#[allow(dead_code)] Counted, bool);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if self.1 {
            panic!("a value's destructor panics (on purpose)");
        }
    }
}

#[test]
fn a_panicking_value_destructor_leaks_none_of_the_other_values_of_its_batch() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const N: usize = 64;
    const PANICS: usize = 17;
    let tracker = Tracker::new(N);
    let map: HashMap<usize, PanicsOnDrop> = HashMap::with_capacity(N);
    let (removed_tx, removed_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let map = &map;
    for i in 0..N {
        map.insert(i, PanicsOnDrop(tracker.value(i), i == PANICS));
    }
    std::thread::scope(|s| {
        s.spawn(move || {
            // A fresh thread: its 64 removals (64 pins, under the 128 after which a
            // partial batch is handed over on its own) fill one batch, deferred as one
            // function into a bag of its own. (A panic in one deferred function makes
            // crossbeam leak the rest of its bag, which this map cannot prevent.)
            for i in 0..N {
                assert!(map.remove(&i).is_some());
            }
            removed_tx.send(()).unwrap();
            let _ = done_rx.recv();
        });
        removed_rx.recv().unwrap();
        // Outside any map call the collector releases the batch at once, on this
        // thread, and the panic comes out of crossbeam's pin or flush.
        let mut panicked = false;
        let mut rounds = 0;
        while tracker.dropped() < N && rounds < 100_000 {
            let result = std::panic::catch_unwind(|| crossbeam_epoch::pin().flush());
            panicked |= result.is_err();
            rounds += 1;
        }
        let dropped = tracker.dropped();
        done_tx.send(()).unwrap();
        assert!(panicked, "the planted destructor never ran");
        assert_eq!(
            dropped, N,
            "values of a batch whose destructor panicked were leaked ({rounds} rounds)"
        );
    });
    // The map, and this thread's reclamation, still work.
    map.insert(1, PanicsOnDrop(Tracker::new(1).value(0), false));
    assert!(map.remove(&1).is_some());
}

#[test]
fn dropping_a_map_whose_value_destructor_panics_still_drops_every_other_value() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const N: usize = 4096;
    const PANICS: usize = 1234;
    let tracker = Tracker::new(N);
    let map: HashMap<usize, PanicsOnDrop> = HashMap::new();
    for i in 0..N {
        map.insert(i, PanicsOnDrop(tracker.value(i), i == PANICS));
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(map)));
    assert!(result.is_err(), "the planted destructor never ran");
    // The map's drop frees the entries it owns at once (no epoch), so every value,
    // the panicking one's `Counted` included, is dropped by now.
    assert_eq!(
        tracker.dropped(),
        N,
        "values after the panicking one were leaked by the map's drop"
    );
}
