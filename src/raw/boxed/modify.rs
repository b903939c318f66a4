//! Every write to the boxed map: find the key, let the caller decide, and make the
//! decision take effect atomically, retrying until it does. Each step is a method:
//! `modify` probes and dispatches; `write_found` and `write_vacant` ask for the
//! decision; `remove_at`, `replace_at` and `insert_at` carry it out. The migration's
//! parts (helping, the absence proof, room) are the driver's (`migrate::Tables`).

use equivalent::Equivalent;

use crossbeam_epoch::Guard;

use super::locate::{locate, Loc};
use super::slots::BoxedSlots;
use super::word::Word;
use super::{entry_ref, Entry, RawMap};
use crate::raw::migrate::{next_of, Room, Tables};
use crate::raw::table::Table;
use crate::sync::retry_hint;

/// How a lookup names its key: borrowed from the caller, or owned (moved into the entry
/// if one is created).
pub(crate) enum KeyRef<'q, K, Q: ?Sized> {
    Borrowed(&'q Q),
    Owned(Option<K>),
}

impl<K> KeyRef<'static, K, K> {
    /// A key the caller owns (moved into the entry if one is created).
    #[inline]
    pub(crate) fn owned(key: K) -> Self {
        KeyRef::Owned(Some(key))
    }
}

impl<K: Eq, Q: Equivalent<K> + ?Sized> KeyRef<'_, K, Q> {
    #[inline]
    fn matches(&self, k: &K) -> bool {
        match self {
            KeyRef::Borrowed(q) => q.equivalent(k),
            KeyRef::Owned(Some(o)) => k == o,
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

impl<'g, K, V> Modified<'g, K, V> {
    fn kept(prev: Option<&'g Entry<K, V>>) -> Self {
        Modified {
            outcome: Outcome::Kept,
            prev,
            new: None,
        }
    }
}

/// One write in progress: its key, the caller's decision function, and the value of
/// a decision that lost a race, handed back to the function on the retry.
struct Write<'q, K, Q: ?Sized, V, F> {
    hash: u64,
    key: KeyRef<'q, K, Q>,
    recycled: Option<V>,
    decide: F,
}

impl<K, Q: ?Sized, V, F> Write<'_, K, Q, V, F> {
    /// Ask the caller what to do, given the current entry.
    fn decide<'g>(&mut self, current: Option<&'g Entry<K, V>>) -> Decision<K, V>
    where
        F: FnMut(Option<&'g Entry<K, V>>, Option<V>) -> Decision<K, V>,
    {
        (self.decide)(current, self.recycled.take())
    }

    /// A decided insert will not happen in this table after all: keep the value for
    /// the retry, and return the key to `KeyRef::Owned` if it came from there (the
    /// only place that does either).
    fn hand_back(&mut self, key: Option<K>, value: V) {
        if let (Some(k), KeyRef::Owned(slot @ None)) = (key, &mut self.key) {
            *slot = Some(k);
        }
        self.recycled = Some(value);
    }

    /// Allocate the entry for a decided insert: the decision's key, or the owned one.
    fn entry(&mut self, key: Option<K>, value: V) -> Pending<K, V> {
        let key = match (key, &mut self.key) {
            (Some(k), _) => k,
            (None, KeyRef::Owned(slot)) => slot
                .take()
                .expect("splitmap internal: owned key already moved"),
            (None, KeyRef::Borrowed(_)) => {
                unreachable!("splitmap internal: insert with a borrowed key needs an explicit key")
            }
        };
        Pending(Box::into_raw(Entry::boxed(self.hash, key, value)))
    }

    /// The CAS that would have published `pending` failed: take its key and value back.
    fn take_back(&mut self, pending: Pending<K, V>) {
        let Entry { key, value, .. } = pending.unpublished();
        self.hand_back(Some(key), value);
    }
}

/// What one step of a write leads to.
enum Step<'g, K, V> {
    Done(Modified<'g, K, V>),
    /// Probe again, in this table.
    Retry(&'g Table<BoxedSlots<K, V>>),
}

impl<K: Send + 'static, V: Send + 'static> RawMap<K, V> {
    /// Find the key and let `decide` choose what to do with it, retrying until the
    /// decision takes effect atomically. `decide` may run more than once; it receives
    /// the current entry and the value of its previous decision if that one lost a race.
    /// Lock-free.
    pub(crate) fn modify<'g, Q, F>(
        &'g self,
        hash: u64,
        key: KeyRef<'_, K, Q>,
        guard: &'g Guard,
        decide: F,
    ) -> Modified<'g, K, V>
    where
        K: Eq,
        Q: Equivalent<K> + ?Sized,
        F: FnMut(Option<&'g Entry<K, V>>, Option<V>) -> Decision<K, V>,
    {
        self.modify_giving_back(hash, key, guard, decide).0
    }

    /// [`modify`](Self::modify), also giving back the owned key if no entry took it
    /// (the map's entry API keeps it for a later step).
    pub(crate) fn modify_giving_back<'g, Q, F>(
        &'g self,
        hash: u64,
        key: KeyRef<'_, K, Q>,
        guard: &'g Guard,
        decide: F,
    ) -> (Modified<'g, K, V>, Option<K>)
    where
        K: Eq,
        Q: Equivalent<K> + ?Sized,
        F: FnMut(Option<&'g Entry<K, V>>, Option<V>) -> Decision<K, V>,
    {
        let mut write = Write {
            hash,
            key,
            recycled: None,
            decide,
        };
        let mut table = self.tables.root_for_write(guard);
        loop {
            let step = match locate(table, hash, |k: &K| write.key.matches(k)) {
                // I3: the copy of this slot must be complete before the key is touched
                // in `next`.
                Loc::Found { idx, word } if word.is_frozen() => {
                    Step::Retry(self.tables.copy_slot(table, idx, guard))
                }
                Loc::Found { idx, word } => self.write_found(&mut write, table, idx, word, guard),
                Loc::Vacant { idx, dist, tombs } => {
                    self.write_vacant(&mut write, table, idx, dist, tombs, guard)
                }
                // Moved implies a frozen slot: `next` exists, or a shrink is sealing
                // the table and finishing the seal publishes it.
                Loc::Moved => Step::Retry(self.tables.next_or_seal(table, guard)),
                Loc::Full => Step::Retry(self.tables.overflow(table, None, false, guard)),
            };
            match step {
                Step::Done(modified) => {
                    let unused = match write.key {
                        KeyRef::Owned(key) => key,
                        KeyRef::Borrowed(_) => None,
                    };
                    return (modified, unused);
                }
                Step::Retry(next) => table = next,
            }
        }
    }

    /// The key is live in slot `idx` (holding `word`): decide, then keep, remove or
    /// replace it.
    #[inline]
    fn write_found<'g, Q: ?Sized, F>(
        &self,
        write: &mut Write<'_, K, Q, V, F>,
        table: &'g Table<BoxedSlots<K, V>>,
        idx: usize,
        word: Word,
        guard: &'g Guard,
    ) -> Step<'g, K, V>
    where
        F: FnMut(Option<&'g Entry<K, V>>, Option<V>) -> Decision<K, V>,
    {
        let current = entry_ref(word, guard);
        match write.decide(Some(current)) {
            Decision::Keep => Step::Done(Modified::kept(Some(current))),
            Decision::Remove => self.remove_at(table, idx, word, write.hash, guard),
            Decision::Insert { key, value } => {
                let pending = write.entry(key, value);
                self.replace_at(write, table, idx, word, pending, guard)
            }
        }
    }

    /// Replace the entry in slot `idx` (holding `word`) by a tombstone.
    #[inline]
    fn remove_at<'g>(
        &self,
        table: &'g Table<BoxedSlots<K, V>>,
        idx: usize,
        word: Word,
        hash: u64,
        guard: &'g Guard,
    ) -> Step<'g, K, V> {
        if table.cas(idx, word, Word::TOMBSTONE).is_err() {
            retry_hint();
            return Step::Retry(table);
        }
        self.tables.count.remove_one();
        // SAFETY: we unlinked `word` from `table` with our CAS; `table` is reachable
        // under `guard` (loaded from the root or a `next` under it).
        unsafe { self.retire(table, word, guard) };
        self.tables.after_remove(table, hash, guard);
        Step::Done(Modified {
            outcome: Outcome::Removed,
            prev: Some(entry_ref(word, guard)),
            new: None,
        })
    }

    /// Replace the entry in slot `idx` (holding `word`) by `pending`.
    #[inline]
    fn replace_at<'g, Q: ?Sized, F>(
        &self,
        write: &mut Write<'_, K, Q, V, F>,
        table: &'g Table<BoxedSlots<K, V>>,
        idx: usize,
        word: Word,
        pending: Pending<K, V>,
        guard: &'g Guard,
    ) -> Step<'g, K, V> {
        if table.cas(idx, word, pending.word(write.hash)).is_err() {
            write.take_back(pending);
            retry_hint();
            return Step::Retry(table);
        }
        let new = pending.publish(guard);
        // SAFETY: we unlinked `word` from `table` with our CAS; `table` is reachable
        // under `guard`.
        unsafe { self.retire(table, word, guard) };
        Step::Done(Modified {
            outcome: Outcome::Replaced,
            prev: Some(entry_ref(word, guard)),
            new: Some(new),
        })
    }

    /// The key is absent: its probe ended at the empty slot `idx`, `dist` slots from
    /// its home, past `tombs` tombstones. Decide, then insert or do nothing.
    #[inline]
    fn write_vacant<'g, Q: ?Sized, F>(
        &self,
        write: &mut Write<'_, K, Q, V, F>,
        table: &'g Table<BoxedSlots<K, V>>,
        idx: usize,
        dist: usize,
        tombs: usize,
        guard: &'g Guard,
    ) -> Step<'g, K, V>
    where
        F: FnMut(Option<&'g Entry<K, V>>, Option<V>) -> Decision<K, V>,
    {
        let (key, value) = match write.decide(None) {
            Decision::Keep | Decision::Remove => return Step::Done(Modified::kept(None)),
            Decision::Insert { key, value } => (key, value),
        };
        if let Some(next) = next_of(table, guard) {
            // A migration is in flight: new keys go straight to `next` (so once `next`
            // exists the old table only loses entries). Freeze the empty slot that
            // ended our probe first: that proves the key absent from this table for
            // good (I3). If someone filled it meanwhile, look again here.
            write.hand_back(key, value);
            return Step::Retry(if Tables::prove_absent(table, idx) {
                next
            } else {
                table
            });
        }
        if dist > table.probe_limit {
            if let Some(retry) = self.tables.past_probe_limit(table, idx, dist, tombs, guard) {
                write.hand_back(key, value);
                return Step::Retry(retry);
            }
        }
        // I8: a new key written straight into the target of a migration (any table
        // but the root) takes a unit of its room, so the copy still to come always
        // finds a free slot. None left: the driver helped; start over at the root.
        let room = match self.tables.take_room(table, guard) {
            Ok(room) => room,
            Err(root) => {
                write.hand_back(key, value);
                retry_hint();
                return Step::Retry(root);
            }
        };
        let pending = write.entry(key, value);
        self.insert_at(write, table, idx, pending, room, guard)
    }

    /// Put `pending` into the empty slot `idx`, having taken `room` for it.
    #[inline]
    fn insert_at<'g, Q: ?Sized, F>(
        &self,
        write: &mut Write<'_, K, Q, V, F>,
        table: &'g Table<BoxedSlots<K, V>>,
        idx: usize,
        pending: Pending<K, V>,
        room: Room,
        guard: &'g Guard,
    ) -> Step<'g, K, V> {
        if table
            .cas(idx, Word::EMPTY, pending.word(write.hash))
            .is_err()
        {
            Tables::give_back_room(table, room);
            write.take_back(pending);
            retry_hint();
            return Step::Retry(table);
        }
        let new = pending.publish(guard);
        self.tables.count.add(1);
        Step::Done(Modified {
            outcome: Outcome::Inserted,
            prev: None,
            new: Some(new),
        })
    }
}

/// An entry allocated for a write, owned by us until a CAS publishes it (freed if
/// dropped unpublished, e.g. when a user closure panics).
struct Pending<K, V>(*mut Entry<K, V>);

impl<K, V> Pending<K, V> {
    /// The slot word that publishes this entry.
    fn word(&self, hash: u64) -> Word {
        Word::from_entry(self.0, hash, 0)
    }

    /// The CAS succeeded: the table owns the entry now.
    fn publish(self, _guard: &Guard) -> &Entry<K, V> {
        let ptr = self.0;
        std::mem::forget(self);
        // SAFETY: the entry is now in a table reachable under `_guard` (I7).
        unsafe { &*ptr }
    }

    /// The CAS failed: the entry, which no other thread ever saw.
    fn unpublished(self) -> Entry<K, V> {
        let ptr = self.0;
        std::mem::forget(self);
        // SAFETY: the CAS failed, so no other thread ever saw `ptr`; we still own it.
        *unsafe { Box::from_raw(ptr) }
    }
}

impl<K, V> Drop for Pending<K, V> {
    fn drop(&mut self) {
        // SAFETY: a `Pending` that is dropped was never published (publish and
        // unpublished forget it), so we still own the allocation.
        drop(unsafe { Box::from_raw(self.0) });
    }
}
