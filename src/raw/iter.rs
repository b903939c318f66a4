//! Weakly consistent iteration over one table.
//!
//! `RawMap::iter` first finishes any migration in flight, then walks the root table's
//! slots in order. Each slot with a pointer (live, frozen or COPIED) yields its entry.
//! A key removed and re-inserted while we walk can appear in a second, later slot of
//! the same table (tombstones are not reused, I1). The re-inserted slot is within
//! `dedup_window` probes of the first, so we remember the entries yielded in that
//! window and skip a key seen there; entries near the start of the table are also kept
//! to catch probes that wrapped around the end.

use std::collections::VecDeque;

use super::entry::Entry;
use super::table::Table;
use super::RawMap;
use crossbeam_epoch::Guard;

pub(crate) struct RawIter<'g, K, V> {
    table: &'g Table<K, V>,
    idx: usize,
    /// Yielded entries whose slot is within the dedup window behind `idx`.
    recent: VecDeque<(usize, &'g Entry<K, V>)>,
    /// Yielded entries from the first `dedup_window` slots (for wrapped probes).
    head: Vec<&'g Entry<K, V>>,
    guard: &'g Guard,
}

impl<K: Send + 'static, V: Send + 'static> RawMap<K, V> {
    pub(crate) fn iter<'g>(&self, guard: &'g Guard) -> RawIter<'g, K, V> {
        self.finish_migration(guard);
        RawIter {
            table: self.root(guard),
            idx: 0,
            recent: VecDeque::new(),
            head: Vec::new(),
            guard,
        }
    }
}

impl<'g, K: Eq, V> Iterator for RawIter<'g, K, V> {
    type Item = &'g Entry<K, V>;

    fn next(&mut self) -> Option<&'g Entry<K, V>> {
        let _ = self.guard;
        let len = self.table.len();
        while self.idx < len {
            let i = self.idx;
            self.idx += 1;
            let w = self.table.load(i);
            if w.is_null() {
                continue;
            }
            let e = super::entry_ref::<K, V>(w, self.guard);
            let window = self.table.dedup_window();
            while matches!(self.recent.front(), Some(&(j, _)) if j + window < i) {
                self.recent.pop_front();
            }
            let seen = |o: &&Entry<K, V>| o.hash == e.hash && o.key == e.key;
            if self.recent.iter().map(|(_, o)| o).any(seen) {
                continue;
            }
            if i + window >= len && self.head.iter().any(seen) {
                continue;
            }
            self.recent.push_back((i, e));
            if i < window {
                self.head.push(e);
            }
            return Some(e);
        }
        None
    }
}
