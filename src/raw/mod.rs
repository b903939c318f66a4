//! The lock-free table: every line of unsafe code in the crate lives under this module.
//!
//! `RawMap` is a split-ordered open-addressing table of atomic slot words (see
//! [`slot`] for the encoding and state machine), with cooperative incremental
//! migration (see [`migrate`]) and crossbeam-epoch reclamation. The public
//! `crate::HashMap` is a safe shell over it.
//!
//! # Invariants
//!
//! - **I1 (a slot's key is fixed).** Within one table, once a slot holds an entry for
//!   key `K` it only ever holds entries for `K`, a tombstone, or frozen forms of these.
//!   Tombstones are never reused, so a key occupies at most one slot of a table, and all
//!   slots on a key's probe path before its slot are non-empty forever.
//! - **I2 (freezing is final).** A slot leaves EMPTY at most once. Once FROZEN, the only
//!   change is setting MARK on a frozen live entry (COPIED); a COPIED slot never changes.
//!   Writers CAS only unfrozen slots, so a freeze is the point where writers lose a slot.
//! - **I3 (one home per key across tables).** A key is written into `next` only after
//!   its slot in the old table is COPIED (the writer completes the copy itself if needed),
//!   or after the writer froze the first empty slot on its old probe path (proof of
//!   absence, valid forever by I1/I2). A copy installs an entry only if the key's old
//!   slot is not yet COPIED, so a copy never overwrites or resurrects a newer write.
//! - **I4 (two tables at most).** Only the root table allocates a `next` (once, by CAS),
//!   so readers look at no more than two tables.
//! - **I5 (promotion).** `root` moves from a table to its `next` only after every block
//!   of the table is DONE, i.e. every slot is frozen and every live one COPIED. The
//!   thread whose CAS moves `root` retires the old table, exactly once.
//! - **I6 (ownership of entries).** Each entry is owned by exactly one of: the newest
//!   table slot that holds it and is not COPIED, a table's `borrowed` list, or the epoch
//!   collector's garbage. An entry copied into `next` (tagged BORROWED there) is still
//!   reachable through the old table; if it is replaced or removed in `next` while the
//!   old table is root, it goes onto the old table's `borrowed` list and is freed with
//!   that table.
//! - **I7 (reclamation).** Tables and entries are freed only through the epoch
//!   collector after they became unreachable from `root` (or, for borrowed entries,
//!   together with the last table that reaches them). So anything loaded from `root`
//!   under a guard stays valid until that guard is dropped.
//! - **I8 (room for the copy).** While a table is the target of a migration, its
//!   non-empty slots never exceed the copies still possible plus the direct inserts
//!   holding a unit of its `room`, and that sum stays below its length until the last
//!   copy is installed. `room` starts at `F - C`: for a shrink, which seals the old
//!   table before sizing `next`, `C` is the exact count of entries to copy and
//!   `F = 3/4 cap`; otherwise `C = len(old)` and `F = len(next)`. A writer takes a unit
//!   before writing a new key into any table but the root, and each finished unsealed
//!   block credits the slots its copies did not use. So a copy always finds an empty
//!   slot (`docs/design.md`, "Room for the copy").
//!
//! # Memory ordering
//!
//! | operation | ordering | why |
//! |---|---|---|
//! | slot loads | Acquire | the entry behind the pointer is read |
//! | slot CAS (insert, replace, tombstone, install copy) | Release / Acquire on failure | publishes the entry; a failed CAS's value is dereferenced |
//! | freeze `fetch_or` | AcqRel | reads the entry to copy; orders the freeze before our later loads of `next` |
//! | COPIED `fetch_or` | Release | a reader that sees COPIED must find the installed copy in `next` |
//! | `next`, `root` CAS | AcqRel / Acquire | publish a fully initialised table; promotion happens after all copies |
//! | block state CAS, `done` | AcqRel | the promoter happens-after every copy |
//! | `claim`, `seal_claim`, length stripes | Relaxed | hints and statistics; no data is published through them |
//! | `sealing` flag | Release / Acquire | whoever sees a sealer's frozen slot sees the flag |
//! | sealing block CAS | AcqRel | the thread sizing `next` from the counts sees every freeze |
//! | `room` | Relaxed | a pure count (I8); publishes nothing |
//!
//! There is no `SeqCst` in the table protocol: each race is decided by an RMW on one
//! location (a slot word, `next`, `root`, a block state).
//!
//! # Reclamation
//!
//! A replaced or removed entry is retired with `Guard::defer_unchecked` unless it is
//! BORROWED and the old table that reaches it is still root (I6). Retired tables free
//! their arrays and their borrowed list, never the live entries, which now belong to
//! `next`. Long-held guards delay all of this: memory is freed only after every guard
//! pinned before the retirement is dropped.

mod counter;
pub(crate) mod entry;
mod iter;
mod migrate;
mod sizing;
pub(crate) mod slot;
mod table;

use std::borrow::Borrow;
use std::marker::PhantomData;

use crossbeam_epoch::Guard;

use crate::sync::{retry_hint, AtomicPtr, Ordering};
use counter::Counter;
pub(crate) use entry::Entry;
pub(crate) use iter::RawIter;
use slot::Word;
pub(crate) use table::capacity_for;
use table::{Probe, Table};

/// How a lookup names its key: borrowed from the caller, or owned (moved into the entry
/// if one is created).
pub(crate) enum KeyRef<'q, K, Q: ?Sized> {
    Borrowed(&'q Q),
    Owned(Option<K>),
}

impl<K: Borrow<Q>, Q: Eq + ?Sized> KeyRef<'_, K, Q> {
    #[inline]
    fn matches(&self, k: &K) -> bool {
        match self {
            KeyRef::Borrowed(q) => k.borrow() == *q,
            KeyRef::Owned(Some(o)) => k.borrow() == o.borrow(),
            KeyRef::Owned(None) => false,
        }
    }
}

/// What a `modify` closure wants done with the key it was shown.
pub(crate) enum Decision<K, V> {
    /// Install this value. `key` must equal the looked-up key; `None` means "use the
    /// owned key" and is only valid with `KeyRef::Owned`.
    Insert {
        key: Option<K>,
        value: V,
    },
    Remove,
    Keep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Inserted,
    Replaced,
    Removed,
    Kept,
}

/// The result of `RawMap::modify`: what happened, the entry that was current when the
/// decision took effect, and the entry installed, if any.
pub(crate) struct Modified<'g, K, V> {
    pub(crate) outcome: Outcome,
    pub(crate) prev: Option<&'g Entry<K, V>>,
    pub(crate) new: Option<&'g Entry<K, V>>,
}

/// Where a key is, or would go, in one table.
enum Loc {
    /// The key's slot; `word` is live or frozen-live, never COPIED.
    Found { idx: usize, word: Word },
    /// The first empty (unfrozen) slot on the probe path: the key is absent.
    Vacant {
        idx: usize,
        dist: usize,
        tombs: usize,
    },
    /// The table is (being) migrated past this key: look in `next`.
    Moved,
    /// Every slot was visited without finding the key or an empty slot.
    Full,
}

pub(crate) struct RawMap<K, V> {
    /// Invariant: always a valid table; see I4/I5 for how it moves.
    root: AtomicPtr<Table<K, V>>,
    count: Counter,
    min_cap: usize,
    _owns: PhantomData<Box<Entry<K, V>>>,
}

// Sending the map sends the K and V it owns; sharing it lets any thread read them
// through `&` and insert, remove or drop them anywhere: what `Mutex<HashMap>` requires.
// SAFETY: I6: a `RawMap` owns its keys and values and hands out only `&` to them, so
// K, V: Send suffices to send it.
unsafe impl<K: Send, V: Send> Send for RawMap<K, V> {}
// SAFETY: I6 (the map owns its K and V, handing out only `&`): sharing the map lets
// threads read K, V through `&` (Sync) and move or drop them anywhere (Send).
unsafe impl<K: Send + Sync, V: Send + Sync> Sync for RawMap<K, V> {}

impl<K, V> RawMap<K, V> {
    /// A map whose table never shrinks below room for `entries` entries.
    ///
    /// Panics with "capacity overflow" if the table size does not fit in `usize`.
    pub(crate) fn with_capacity(entries: usize) -> Self {
        let cap = capacity_for(entries).unwrap_or_else(|| panic!("splitmap: capacity overflow"));
        let table = Box::into_raw(Box::new(Table::new(cap, 0)));
        RawMap {
            root: AtomicPtr::new(table),
            count: Counter::new(),
            min_cap: cap,
            _owns: PhantomData,
        }
    }

    /// The current root table.
    #[inline]
    fn root<'g>(&self, _guard: &'g Guard) -> &'g Table<K, V> {
        // Acquire: the table's initialisation and (after a promotion) every copy into it
        // happen-before this load.
        let ptr = self.root.load(Ordering::Acquire);
        // SAFETY: `root` is never null, and I7: a table reachable from `root` while
        // `_guard` is pinned is freed only after the guard is dropped.
        unsafe { &*ptr }
    }

    /// Number of entries (approximate while writers run).
    pub(crate) fn len(&self) -> usize {
        self.count.sum()
    }

    /// Home slots of the current root table.
    pub(crate) fn capacity(&self, guard: &Guard) -> usize {
        self.root(guard).cap
    }

    /// The capacity the map never shrinks below.
    pub(crate) fn min_capacity(&self) -> usize {
        self.min_cap
    }
}

/// The successor of `table`, if a migration has started.
#[inline]
fn next_of<'g, K, V>(table: &Table<K, V>, _guard: &'g Guard) -> Option<&'g Table<K, V>> {
    // Acquire: pairs with the AcqRel CAS that installed the fully initialised table.
    let ptr = table.next.load(Ordering::Acquire);
    // SAFETY: I7: `next` is reachable from `table`, which is reachable under the guard;
    // a `next` table is freed only after it has itself been promoted and retired, which
    // happens after `_guard`'s pin (it would have to be unlinked from `root` first).
    (!ptr.is_null()).then(|| unsafe { &*ptr })
}

/// Scan `table` for the key, stopping at the first empty slot.
fn locate<K, V>(table: &Table<K, V>, hash: u64, eq: impl Fn(&K) -> bool) -> Loc {
    let mut probe = Probe::new(table.home(hash), table.len());
    let mut tombs = 0;
    while let Some(idx) = probe.current() {
        let w = table.load(idx);
        if w.is_null() {
            if w.is_empty() {
                return Loc::Vacant {
                    idx,
                    dist: probe.dist,
                    tombs,
                };
            }
            if w.is_frozen_empty() {
                return Loc::Moved;
            }
            tombs += 1;
        } else if w.may_hold(hash) {
            // SAFETY: I7: the entry was loaded from a table reachable under the caller's
            // guard, and I6 keeps it alive at least as long as that table is reachable.
            let e = unsafe { &*w.ptr::<K, V>() };
            if e.hash == hash && eq(&e.key) {
                return if w.is_copied() {
                    Loc::Moved
                } else {
                    Loc::Found { idx, word: w }
                };
            }
        }
        probe.advance();
    }
    Loc::Full
}

/// A reference to the entry behind a non-null word loaded under `guard`.
#[inline]
fn entry_ref<K, V>(word: Word, _guard: &Guard) -> &Entry<K, V> {
    debug_assert!(!word.is_null());
    // SAFETY: I7, as in `locate`: the word was loaded under `_guard` from a reachable table.
    unsafe { &*word.ptr::<K, V>() }
}

impl<K: Send + 'static, V: Send + 'static> RawMap<K, V> {
    /// Look up a key. Wait-free: at most two tables of bounded size are probed, and
    /// nothing is written or allocated.
    pub(crate) fn find<'g, Q>(
        &self,
        hash: u64,
        key: &Q,
        guard: &'g Guard,
    ) -> Option<&'g Entry<K, V>>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let mut table = self.root(guard);
        loop {
            match locate(table, hash, |k: &K| k.borrow() == key) {
                // A frozen but not yet COPIED entry is still current: no writer can
                // change the key in `next` before the COPIED bit is set (I3).
                Loc::Found { word, .. } => return Some(entry_ref(word, guard)),
                Loc::Vacant { .. } => return None,
                Loc::Moved | Loc::Full => table = next_of(table, guard)?,
            }
        }
    }

    /// Find the key and let `decide` choose what to do with it, retrying until the
    /// decision takes effect atomically. `decide` may run more than once; it receives
    /// the current entry and the value of its previous decision if that one lost a race.
    /// Lock-free.
    pub(crate) fn modify<'g, Q, F>(
        &self,
        hash: u64,
        mut key: KeyRef<'_, K, Q>,
        guard: &'g Guard,
        mut decide: F,
    ) -> Modified<'g, K, V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
        F: FnMut(Option<&'g Entry<K, V>>, Option<V>) -> Decision<K, V>,
    {
        let mut recycled: Option<V> = None;
        let mut table = self.root(guard);
        // Relaxed: only decides whether to help; `help` re-reads both with Acquire.
        if !table.next.load(Ordering::Relaxed).is_null()
            || table.sealing.load(Ordering::Relaxed) != 0
        {
            self.help(table, guard);
            table = self.root(guard);
        }
        loop {
            match locate(table, hash, |k: &K| key.matches(k)) {
                Loc::Found { idx, word } => {
                    if word.is_frozen() {
                        // I3: the copy of this slot must be complete before the key is
                        // touched in `next`.
                        table = self.copy_slot(table, idx, guard);
                        continue;
                    }
                    let cur = entry_ref(word, guard);
                    match decide(Some(cur), recycled.take()) {
                        Decision::Keep => {
                            return Modified {
                                outcome: Outcome::Kept,
                                prev: Some(cur),
                                new: None,
                            }
                        }
                        Decision::Remove => {
                            if table.cas(idx, word, Word::TOMBSTONE).is_ok() {
                                self.count.remove_one();
                                // SAFETY: we unlinked `word` from `table` with our CAS.
                                unsafe { self.retire(table, word, guard) };
                                self.after_remove(table, hash, guard);
                                return Modified {
                                    outcome: Outcome::Removed,
                                    prev: Some(cur),
                                    new: None,
                                };
                            }
                        }
                        Decision::Insert { key: k, value } => {
                            let pending = Pending::new(hash, &mut key, k, value);
                            match table.cas(idx, word, Word::from_entry(pending.ptr, hash, 0)) {
                                Ok(()) => {
                                    let new = pending.publish(guard);
                                    // SAFETY: we unlinked `word` from `table` with our CAS.
                                    unsafe { self.retire(table, word, guard) };
                                    return Modified {
                                        outcome: Outcome::Replaced,
                                        prev: Some(cur),
                                        new: Some(new),
                                    };
                                }
                                Err(_) => recycled = Some(pending.take_back(&mut key)),
                            }
                        }
                    }
                    retry_hint();
                }
                Loc::Vacant { idx, dist, tombs } => match decide(None, recycled.take()) {
                    Decision::Keep | Decision::Remove => {
                        return Modified {
                            outcome: Outcome::Kept,
                            prev: None,
                            new: None,
                        }
                    }
                    Decision::Insert { key: k, value } => {
                        if let Some(next) = next_of(table, guard) {
                            // A migration is in flight: new keys go straight to `next`,
                            // so the old table only ever loses entries and the copy
                            // always fits a (possibly smaller) `next`. Freeze the empty
                            // slot that ended our probe first: that proves the key
                            // absent from this table for good (I3). If someone filled
                            // it meanwhile, look again here.
                            recycled = Some(hand_back(k, value, &mut key));
                            let w = table.freeze(idx);
                            if w.is_null() && !w.is_tombstone() {
                                table = next;
                            }
                            continue;
                        }
                        if dist > table.probe_limit {
                            // Past the cap a writer never places an entry (iterators
                            // rely on it); past the limit it does if rebuilding the
                            // table would not help (see `should_migrate`).
                            let widen = dist > table.probe_cap;
                            if widen || self.should_migrate(table, dist, tombs) {
                                recycled = Some(hand_back(k, value, &mut key));
                                table = self.overflow(table, Some(idx), widen, guard);
                                continue;
                            }
                        }
                        // I8: a new key written straight into the target of a migration
                        // (any table but the root) takes a unit of its room, so the
                        // copy still to come always finds a free slot. None left: help
                        // the migration (finished blocks credit room) and start over.
                        let target = !std::ptr::eq(table, self.root(guard));
                        if target && !table.take_room() {
                            recycled = Some(hand_back(k, value, &mut key));
                            self.help(self.root(guard), guard);
                            table = self.root(guard);
                            retry_hint();
                            continue;
                        }
                        let pending = Pending::new(hash, &mut key, k, value);
                        match table.cas(idx, Word::EMPTY, Word::from_entry(pending.ptr, hash, 0)) {
                            Ok(()) => {
                                let new = pending.publish(guard);
                                self.count.add(1);
                                return Modified {
                                    outcome: Outcome::Inserted,
                                    prev: None,
                                    new: Some(new),
                                };
                            }
                            Err(_) => {
                                if target {
                                    table.add_room(1);
                                }
                                recycled = Some(pending.take_back(&mut key));
                                retry_hint();
                            }
                        }
                    }
                },
                // Moved implies a frozen slot: `next` exists, or a shrink is sealing
                // the table and finishing the seal publishes it.
                Loc::Moved => table = self.next_or_seal(table, guard),
                Loc::Full => table = self.overflow(table, None, false, guard),
            }
        }
    }

    /// Remove every entry present for the whole call, then shrink. Lock-free: a pass
    /// over the table is repeated only if a migration (driven by concurrent inserts)
    /// moved entries it could not remove.
    pub(crate) fn clear(&self, guard: &Guard) {
        loop {
            self.finish_migration(guard);
            let root = self.root(guard);
            for idx in 0..root.len() {
                let mut w = root.load(idx);
                // Frozen slots belong to a migration that started during this pass; the
                // next pass clears their copies.
                while !w.is_null() && !w.is_frozen() {
                    match root.cas(idx, w, Word::TOMBSTONE) {
                        Ok(()) => {
                            self.count.remove_one();
                            // SAFETY: our CAS unlinked `w` from `root`.
                            unsafe { self.retire(root, w, guard) };
                            break;
                        }
                        Err(actual) => {
                            w = actual;
                            retry_hint();
                        }
                    }
                }
            }
            // A seal that started during this pass froze slots we could not clear
            // either; like a migration, it is finished and cleared again.
            if next_of(root, guard).is_none() && !root.is_sealing() {
                break;
            }
        }
        self.shrink_to_fit(guard);
    }

    /// Retire an entry that was just unlinked from `table` by the caller's CAS.
    ///
    /// # Safety
    ///
    /// - `word` held a non-null entry and the caller's successful CAS on a slot of
    ///   `table` replaced it, so the caller is the only thread retiring it (I6).
    unsafe fn retire(&self, table: &Table<K, V>, word: Word, guard: &Guard) {
        let entry = word.ptr::<K, V>();
        if word.is_borrowed() {
            let root = self.root(guard);
            if !std::ptr::eq(root, table) && std::ptr::eq(root.next.load(Ordering::Acquire), table)
            {
                // The old table (root) may still lead readers to this entry (I6).
                // SAFETY: `entry` is ours to retire (caller's contract) and `root` is
                // alive under `guard`.
                unsafe { push_borrowed(root, entry) };
                return;
            }
        }
        // Not borrowed from a live old table, so after this no new reader can reach it;
        // readers already holding it are pinned, which delays the destructor.
        // SAFETY: I6, I7: the caller unlinked `entry` (caller's contract); K, V: Send +
        // 'static, so dropping it later on another thread is sound.
        unsafe { guard.defer_unchecked(move || drop(Box::from_raw(entry))) };
    }
}

/// A write that will not happen in this table after all: give the value back for the
/// retry, and the key to `KeyRef::Owned` if it came from there.
fn hand_back<K, Q: ?Sized, V>(k: Option<K>, value: V, key: &mut KeyRef<'_, K, Q>) -> V {
    if let (Some(k), KeyRef::Owned(slot @ None)) = (k, key) {
        *slot = Some(k);
    }
    value
}

/// Push a retired entry onto `table`'s borrowed list (a Treiber stack).
///
/// # Safety
///
/// - `entry` was unlinked by the caller, is reachable only from `table` (as a COPIED
///   slot) and is retired by no one else.
/// - `table` is reachable under a guard the caller holds.
unsafe fn push_borrowed<K, V>(table: &Table<K, V>, entry: *mut Entry<K, V>) {
    // Relaxed: the CAS below is Release and publishes our write of `retired_next`.
    let mut head = table.borrowed.load(Ordering::Relaxed);
    loop {
        // SAFETY: `entry` is alive (it is freed only from this list) and only we write
        // its link (caller's contract).
        unsafe { (*entry).retired_next.store(head, Ordering::Relaxed) };
        match table.borrowed.compare_exchange_weak(
            head,
            entry,
            Ordering::Release,
            Ordering::Relaxed,
        ) {
            Ok(_) => return,
            Err(actual) => head = actual,
        }
        retry_hint();
    }
}

/// An entry allocated for a write, owned by us until a CAS publishes it.
struct Pending<K, V> {
    ptr: *mut Entry<K, V>,
    /// The key came out of `KeyRef::Owned` and goes back there if the CAS fails.
    key_was_owned: bool,
}

impl<K, V> Pending<K, V> {
    fn new<Q: ?Sized>(
        hash: u64,
        key: &mut KeyRef<'_, K, Q>,
        explicit: Option<K>,
        value: V,
    ) -> Self {
        let (k, key_was_owned) = match (explicit, key) {
            (Some(k), _) => (k, false),
            (None, KeyRef::Owned(slot)) => (
                slot.take()
                    .expect("splitmap internal: owned key already moved"),
                true,
            ),
            (None, KeyRef::Borrowed(_)) => {
                unreachable!("splitmap internal: insert with a borrowed key needs an explicit key")
            }
        };
        Pending {
            ptr: Box::into_raw(Entry::boxed(hash, k, value)),
            key_was_owned,
        }
    }

    /// The CAS succeeded: the table owns the entry now.
    fn publish(self, _guard: &Guard) -> &Entry<K, V> {
        let ptr = self.ptr;
        std::mem::forget(self);
        // SAFETY: the entry is now in a table reachable under `_guard` (I7).
        unsafe { &*ptr }
    }

    /// The CAS failed: take the value back, and the key if it was the owned one.
    fn take_back<Q: ?Sized>(self, key: &mut KeyRef<'_, K, Q>) -> V {
        let ptr = self.ptr;
        let was_owned = self.key_was_owned;
        std::mem::forget(self);
        // SAFETY: the CAS failed, so no other thread ever saw `ptr`; we still own it.
        let entry = unsafe { Box::from_raw(ptr) };
        let Entry { key: k, value, .. } = *entry;
        if was_owned {
            if let KeyRef::Owned(slot) = key {
                *slot = Some(k);
            }
        }
        value
    }
}

impl<K, V> Drop for Pending<K, V> {
    fn drop(&mut self) {
        // SAFETY: a `Pending` that is dropped was never published (publish and take_back
        // forget it), so we still own the allocation.
        drop(unsafe { Box::from_raw(self.ptr) });
    }
}

impl<K, V> Drop for RawMap<K, V> {
    fn drop(&mut self) {
        // `&mut self`: no other thread can reach the map, so ownership is decided by the
        // slot states alone (I6) and we free everything at once, without migrating.
        // (Finishing the migration here would be wrong under the unprotected guard: the
        // promotion would free the old table while we still walk it.)
        let root = self.root.load(Ordering::Relaxed);
        // SAFETY: `root` is always a valid table, owned by the map (I5: not yet retired).
        let next = unsafe { (*root).next.load(Ordering::Relaxed) };
        // Who owns what (I6): in the root, a non-null slot that is not COPIED owns its
        // entry (a frozen-but-not-COPIED entry was never installed in `next`: copying runs
        // no user code, so it cannot stop between the install and COPIED). A COPIED entry
        // is owned by `next`, or by the root's borrowed list if it was replaced there,
        // which `Table::drop` frees. In `next`, every non-null slot owns its entry,
        // BORROWED ones included (their old slots are COPIED and skipped).
        // SAFETY: I5, I6: exclusive access (`&mut self`), and the ownership above frees
        // each entry exactly once; both tables are the map's own (not retired).
        unsafe {
            drop_owned_entries(&*root, |w| !w.is_copied());
            if !next.is_null() {
                drop_owned_entries(&*next, |_| true);
                drop(Box::from_raw(next));
            }
            drop(Box::from_raw(root));
        }
    }
}

/// Free the entries of `table`'s slots for which `owns` returns true.
///
/// # Safety
///
/// - The caller has exclusive access to `table` and every entry in it.
/// - Each entry selected by `owns` is owned by this slot alone (I6) and is not used
///   afterwards.
unsafe fn drop_owned_entries<K, V>(table: &Table<K, V>, owns: impl Fn(Word) -> bool) {
    for slot in table.slots.iter() {
        let w = Word(slot.load(Ordering::Relaxed));
        if !w.is_null() && owns(w) {
            // SAFETY: the caller's contract: we own this entry and nobody else uses it.
            drop(unsafe { Box::from_raw(w.ptr::<K, V>()) });
        }
    }
}
