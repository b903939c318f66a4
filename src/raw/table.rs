//! One table: its geometry (capacity, probe limits, blocks), its resize state and the
//! slots of its kind. Generic over the kind; nothing here looks inside a slot.
//!
//! ```text
//!   Table<S> { cap = 2^b, shift = 64 - b, probe_limit = L, probe_cap, block,
//!              resize: ResizeState { next, claim, done, blocks[nblocks], seal_claim,
//!                                    sealing, room, removed_base },
//!              slots: S }                     // S: SlotKind, cap + L slots
//!              // home = hash >> shift; L tail slots
//!
//!   slot index:  0 ........ cap-1 | cap ... cap+L-1
//!                home slots       | tail (no key has its home here)
//! ```
//!
//! The home slot comes from the *top* bits of the hash, so the array is sorted by hash
//! prefix and doubling sends old slot `i` to new slots `2i`/`2i+1`. Probing is linear
//! toward higher indices. The tail keeps clusters that start near the end contiguous;
//! only a cluster longer than the tail (a degenerate hasher) wraps to index 0, which
//! keeps every table able to hold `cap` keys whatever the hash distribution.

use super::kind::SlotKind;
use super::resize::ResizeState;

/// Slots per migration block for large tables. A block is the unit a helper claims and
/// counts; small tables use smaller blocks (see `block_size`).
#[cfg(not(splitmap_loom))]
pub(crate) const BLOCK: usize = 64;
#[cfg(splitmap_loom)]
pub(crate) const BLOCK: usize = 2;

/// Slots per block for a table of `len` slots: `BLOCK`, but at least 8 blocks per table
/// (and at least 2 slots per block), so even small tables migrate over several writes
/// and tests that use them see migrations in progress.
pub(crate) fn block_size(len: usize) -> usize {
    (len / 8).clamp(2, BLOCK)
}

/// The smallest table.
pub(crate) const MIN_CAPACITY: usize = 2;

/// Probe distance past which an insert asks for a migration (see `Tables::past_probe_limit`).
pub(crate) fn probe_limit(cap: usize) -> usize {
    if cfg!(splitmap_loom) {
        2
    } else {
        2 * cap.trailing_zeros() as usize + 4
    }
}

/// The table capacity for a requested number of entries: room for them at a load
/// factor of at most one half. `None` if that overflows.
pub(crate) fn capacity_for(entries: usize) -> Option<usize> {
    entries
        .checked_mul(2)?
        .max(MIN_CAPACITY)
        .checked_next_power_of_two()
}

#[cfg(test)]
thread_local! {
    /// Tables allocated by this thread (unit tests count migrations with it).
    pub(crate) static TABLES_CREATED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

pub(crate) struct Table<S> {
    pub(crate) cap: usize,
    shift: u32,
    pub(crate) probe_limit: usize,
    /// No insert by a writer places an entry further than this from its home; one that
    /// would starts a migration to a table with twice the cap instead. Immutable, so an
    /// iterator can bound its duplicate check by it (see `boxed/iter.rs`). Copies made
    /// by a migration may go further (they must land somewhere), but they are never
    /// made into a table that is being iterated (iteration walks the root, and copies
    /// go into the root's `next`).
    pub(crate) probe_cap: usize,
    /// Slots per migration block (`block_size(len)`).
    block: usize,
    /// Number of slots: `cap + probe_limit`.
    len: usize,
    pub(crate) resize: ResizeState<Table<S>>,
    pub(crate) slots: S,
}

impl<S: SlotKind> Table<S> {
    /// A table of `cap` home slots whose writers may probe up to `probe_cap` slots
    /// (raised to the default for this size if smaller).
    pub(crate) fn new(cap: usize, probe_cap: usize) -> Self {
        assert!(
            cap.is_power_of_two() && cap >= MIN_CAPACITY,
            "splitmap: bad table capacity {cap}"
        );
        let probe_limit = probe_limit(cap);
        let len = cap
            .checked_add(probe_limit)
            .unwrap_or_else(|| panic!("splitmap: capacity overflow"));
        let block = block_size(len);
        let nblocks = len.div_ceil(block);
        #[cfg(splitmap_loom)]
        crate::sync::loom_stats::bump(crate::sync::loom_stats::TABLE_NEW);
        #[cfg(test)]
        TABLES_CREATED.with(|n| n.set(n.get() + 1));
        Table {
            cap,
            shift: 64 - cap.trailing_zeros(),
            probe_limit,
            probe_cap: probe_cap.max(4 * probe_limit),
            block,
            len,
            resize: ResizeState::new(nblocks),
            slots: S::with_len(len),
        }
    }
}

impl<S> Table<S> {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn nblocks(&self) -> usize {
        self.resize.nblocks()
    }

    /// The home slot: the top `log2(cap)` bits of the hash.
    #[inline]
    pub(crate) fn home(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    /// The probe sequence of `hash` in this table.
    #[inline]
    pub(crate) fn probe(&self, hash: u64) -> Probe {
        Probe::new(self.home(hash), self.len)
    }

    /// The slot range of block `k`; the tail belongs to the last block.
    pub(crate) fn block_range(&self, k: usize) -> std::ops::Range<usize> {
        let start = k * self.block;
        start..(start + self.block).min(self.len)
    }

    /// This table, as the target of a migration whose copy installs at most `copies`
    /// entries: it admits `fill - copies` direct inserts until finished blocks credit
    /// more (I8), where `fill <= len` (`shrink_fill` or `len`). Called before the
    /// table is published.
    pub(crate) fn admitting(mut self, copies: usize, fill: usize) -> Self {
        debug_assert!(fill <= self.len());
        self.resize.set_room(copies, fill);
        self
    }

    /// How full a shrink's target may get while it is filled from both sides: 3/4 of
    /// its capacity. `len` would be enough for the copy to find room (I8), but copies
    /// have no probe limit and a direct insert within the probe limit is not stopped by
    /// load, so a small target could fill almost to its last slot, and every later
    /// copy then probed most of the table (a run of `tests/shrink_race.rs` spent 74 s,
    /// 99% of it in `install_copy`). Grows and purges use `len`: a grow's target is
    /// twice the size, and a purge's direct inserts wait for credits from finished
    /// blocks anyway; bounding them at 3/4 too made the exchange workload 25% slower
    /// at 2 threads (inserts during a purge had to copy ~40% of it first).
    pub(crate) fn shrink_fill(&self) -> usize {
        self.cap - self.cap / 4
    }
}

impl<S> Drop for Table<S> {
    fn drop(&mut self) {
        // The slots drop themselves (a kind frees what a retired table owns, I6).
        #[cfg(splitmap_loom)]
        crate::sync::loom_stats::bump(crate::sync::loom_stats::TABLE_DROP);
    }
}

/// An iterator over the probe sequence of `home` in a table of `len` slots: linear,
/// toward higher indices, wrapping only after the tail.
#[derive(Clone)]
pub(crate) struct Probe {
    idx: usize,
    len: usize,
    pub(crate) dist: usize,
}

impl Probe {
    #[inline]
    pub(crate) fn new(home: usize, len: usize) -> Self {
        debug_assert!(home < len, "home {home} outside a table of {len} slots");
        Probe {
            idx: home,
            len,
            dist: 0,
        }
    }
    /// The current slot, or `None` once every slot was visited.
    #[inline]
    pub(crate) fn current(&self) -> Option<usize> {
        (self.dist < self.len).then_some(self.idx)
    }
    #[inline]
    pub(crate) fn advance(&mut self) {
        self.idx += 1;
        if self.idx == self.len {
            self.idx = 0;
        }
        self.dist += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any kind will do: these tests only look at the geometry.
    type Dummy = crate::raw::boxed::BoxedSlots<u8, u8>;

    #[test]
    fn home_uses_top_bits_and_splits_in_order() {
        let small: Table<Dummy> = Table::new(8, 0);
        let big: Table<Dummy> = Table::new(16, 0);
        for h in [
            0u64,
            1,
            u64::MAX,
            0x8000_0000_0000_0000,
            0x1234_5678_9abc_def0,
        ] {
            let i = small.home(h);
            assert!(i < 8);
            let j = big.home(h);
            assert!(j == 2 * i || j == 2 * i + 1, "split order: {i} -> {j}");
        }
        assert_eq!(small.home(u64::MAX), 7);
        assert_eq!(small.home(0), 0);
    }

    #[test]
    fn probe_is_linear_and_wraps_after_the_tail() {
        let t: Table<Dummy> = Table::new(4, 0);
        let len = t.len();
        assert_eq!(len, 4 + t.probe_limit);
        let mut p = Probe::new(len - 2, len);
        let mut seen = vec![];
        while let Some(i) = p.current() {
            seen.push(i);
            p.advance();
        }
        assert_eq!(seen.len(), len, "every slot exactly once");
        assert_eq!(&seen[..3], &[len - 2, len - 1, 0]);
    }

    #[test]
    fn sizing() {
        assert_eq!(capacity_for(0), Some(2));
        assert_eq!(capacity_for(1), Some(2));
        assert_eq!(capacity_for(3), Some(8));
        assert_eq!(capacity_for(512), Some(1024));
        assert_eq!(capacity_for(usize::MAX), None);
        assert_eq!(capacity_for(usize::MAX / 2), None);
    }

    #[test]
    fn blocks_cover_every_slot_once() {
        for cap in [2, 4, 64, 4096] {
            let t: Table<Dummy> = Table::new(cap, 0);
            assert!(
                t.nblocks() >= 4 || cfg!(splitmap_loom),
                "cap {cap}: {} blocks",
                t.nblocks()
            );
            check_cover(&t);
        }
    }

    fn check_cover(t: &Table<Dummy>) {
        let mut covered = 0;
        for k in 0..t.nblocks() {
            let r = t.block_range(k);
            assert_eq!(r.start, covered);
            covered = r.end;
        }
        assert_eq!(covered, t.len());
    }
}
