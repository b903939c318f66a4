//! Weakly consistent iteration over one table.
//!
//! `RawMap::iter` first finishes any migration in flight, then walks the root table's
//! slots in order. Each slot with a pointer (live, frozen or COPIED) yields its entry.
//!
//! A key removed and re-inserted while we walk can appear in a second, later slot of
//! the same table (tombstones are not reused, I1). The duplicate check: the re-insert
//! was made by a writer, so it sits at most `probe_cap` slots from its home (writers
//! never place an entry further; `probe_cap` is immutable per table), and the first
//! sighting lies between that home and the new slot (the re-insert's probe passed the
//! old slot). So we remember the entries yielded in the last `probe_cap` slots and,
//! for each new entry, compare it with the remembered ones from its home onward (or
//! all of them if its probe wrapped around the end of the table). A re-insert can
//! never land behind us in the wrapped part: the slots from its home to the end of
//! the table were full when the key first went in, and slots never empty again.

use std::collections::VecDeque;
use std::marker::PhantomData;

use super::slots::BoxedSlots;
use super::{Entry, RawMap};
use crate::raw::table::Table;
use crossbeam_epoch::Guard;

pub(crate) struct RawIter<'g, K, V> {
    table: &'g Table<BoxedSlots<K, V>>,
    /// The next slot to read ahead.
    idx: usize,
    /// Entries read ahead (slot, entry, its hash), in slot order; `next` takes them
    /// from `ahead_pos`.
    ahead: [ReadAhead<'g, K, V>; AHEAD],
    ahead_len: usize,
    ahead_pos: usize,
    /// Yielded entries whose slot is within `probe_cap` of the last one, by ascending
    /// slot.
    recent: VecDeque<(usize, &'g Entry<K, V>)>,
    /// The pin everything above was loaded under. Not a reference to it: a
    /// `KeptIter` moves the guard it owns (`raw::guarded`).
    _guard: PhantomData<&'g Guard>,
}

/// One slot read ahead: its index, its entry (`None` only in the unused part of the
/// buffer) and the entry's hash.
type ReadAhead<'g, K, V> = (usize, Option<&'g Entry<K, V>>, u64);

/// Slots read ahead at a time. Slots are in hash order and entries in allocation
/// order, so each entry is a cache miss; reading the hashes of a run of slots in one
/// loop lets the CPU overlap those misses instead of taking them one `next` at a time
/// (the same reason as the block copy's first pass, `slots.rs`).
const AHEAD: usize = 16;

impl<K: Send + 'static, V: Send + 'static> RawMap<K, V> {
    pub(crate) fn iter<'g>(&'g self, guard: &'g Guard) -> RawIter<'g, K, V> {
        self.tables.finish_migration(guard);
        RawIter {
            table: self.tables.root(guard),
            idx: 0,
            ahead: [(0, None, 0); AHEAD],
            ahead_len: 0,
            ahead_pos: 0,
            recent: VecDeque::new(),
            _guard: PhantomData,
        }
    }
}

impl<'g, K, V> RawIter<'g, K, V> {
    /// Read the next run of slots: load each word in slot order (the order the
    /// duplicate check relies on, as if `next` loaded them one by one) and the hash of
    /// each entry found. Returns false at the end of the table.
    fn read_ahead(&mut self) -> bool {
        let len = self.table.len();
        self.ahead_len = 0;
        self.ahead_pos = 0;
        while self.idx < len && self.ahead_len < AHEAD {
            let i = self.idx;
            self.idx += 1;
            let w = self.table.load(i);
            if w.is_null() {
                continue;
            }
            // SAFETY: I7: `w` was loaded from the root table reached under the guard
            // `'g` stands for, which lives at least as long as `self`.
            let e: &'g Entry<K, V> = unsafe { &*w.ptr::<K, V>() };
            self.ahead[self.ahead_len] = (i, Some(e), e.hash);
            self.ahead_len += 1;
        }
        self.ahead_len > 0
    }
}

impl<'g, K: Eq, V> Iterator for RawIter<'g, K, V> {
    type Item = &'g Entry<K, V>;

    fn next(&mut self) -> Option<&'g Entry<K, V>> {
        let window = self.table.probe_cap;
        loop {
            if self.ahead_pos == self.ahead_len && !self.read_ahead() {
                return None;
            }
            let (i, e, hash) = self.ahead[self.ahead_pos];
            self.ahead_pos += 1;
            let Some(e) = e else { continue };
            while matches!(self.recent.front(), Some(&(j, _)) if j + window < i) {
                self.recent.pop_front();
            }
            let home = self.table.home(hash);
            // Slots from `home` to `i` (or, if the probe wrapped, everything we hold).
            let first = if home <= i {
                self.recent.partition_point(|&(j, _)| j < home)
            } else {
                0
            };
            let seen = self
                .recent
                .range(first..)
                .any(|(_, o)| o.hash == hash && o.key == e.key);
            if seen {
                continue;
            }
            self.recent.push_back((i, e));
            return Some(e);
        }
    }
}
