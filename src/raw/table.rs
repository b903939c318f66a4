//! One table: the slot array, its probe parameters, and the migration bookkeeping that
//! lives beside it.
//!
//! ```text
//!   Table { cap = 2^b, shift = 64 - b, probe_limit = L,
//!           slots: [AtomicUsize; cap + L]     // home = hash >> shift; L tail slots
//!           next, claim, done, blocks[nblocks], seal_claim, sealing, room,
//!           borrowed, probe_cap }
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

use super::entry::Entry;
use super::slot::Word;
use crate::sync::{AtomicIsize, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use crossbeam_utils::CachePadded;

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

/// Block states (`Table::blocks`). A block goes OPEN -> DONE in a migration that
/// started without sealing, OPEN -> SEALED + n -> DONE in a shrink (n <= `BLOCK` live
/// entries, so the state fits a byte).
pub(crate) const BLOCK_OPEN: u8 = 0;
pub(crate) const BLOCK_DONE: u8 = 1;
pub(crate) const BLOCK_SEALED: u8 = 2;
const _: () = assert!(BLOCK_SEALED as usize + BLOCK <= u8::MAX as usize);

/// The smallest table.
pub(crate) const MIN_CAPACITY: usize = 2;

/// Probe distance past which an insert asks for a migration (see `RawMap::should_migrate`).
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

pub(crate) struct Table<K, V> {
    pub(crate) cap: usize,
    shift: u32,
    pub(crate) probe_limit: usize,
    pub(crate) slots: Box<[AtomicUsize]>,
    /// The table this one migrates into; null until a migration starts. Set once.
    pub(crate) next: AtomicPtr<Table<K, V>>,
    /// Next block to hand out to a helper (may run past `nblocks`).
    pub(crate) claim: AtomicUsize,
    /// Number of blocks whose state went to DONE. Incremented only by the thread that
    /// won that transition, so it never exceeds `blocks.len()`.
    pub(crate) done: AtomicUsize,
    /// Per block: `BLOCK_OPEN`, `BLOCK_SEALED + n` (every slot frozen, `n` of them
    /// live, before `next` existed: see `migrate::seal_block`) or `BLOCK_DONE` (every
    /// slot frozen and, if live, copied).
    pub(crate) blocks: Box<[AtomicU8]>,
    /// Next block to hand out to a helper sealing this table for a shrink.
    pub(crate) seal_claim: AtomicUsize,
    /// 1 once a shrink of this table started sealing it (before `next` exists); never
    /// reset. See the `migrate` module docs, "Shrinks".
    pub(crate) sealing: AtomicU8,
    /// While this table is the target of a migration: how many more new keys writers
    /// may insert into it directly (I8). Set before the table is published.
    /// Padded: every direct insert during a migration CASes it, and it must not
    /// invalidate the line with `slots`, `shift` and `next` that every operation reads.
    pub(crate) room: CachePadded<AtomicIsize>,
    /// Entries that were copied out of this table and then replaced or removed in
    /// `next`; readers of this table may still reach them, so they are freed with it.
    pub(crate) borrowed: AtomicPtr<Entry<K, V>>,
    /// No insert by a writer places an entry further than this from its home; one that
    /// would starts a migration to a table with twice the cap instead. Immutable, so an
    /// iterator can bound its duplicate check by it (see `iter.rs`). Copies made by a
    /// migration may go further (they must land somewhere), but they are never made
    /// into a table that is being iterated (iteration walks the root, and copies go
    /// into the root's `next`).
    pub(crate) probe_cap: usize,
    /// Slots per migration block (`block_size(len)`).
    block: usize,
    /// The map's removal count when this table was created: removals since then are
    /// (about) this table's tombstones. Set before the table is published.
    pub(crate) removed_base: usize,
}

impl<K, V> Table<K, V> {
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
            slots: zeroed_words(len),
            next: AtomicPtr::new(std::ptr::null_mut()),
            claim: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            blocks: (0..nblocks).map(|_| AtomicU8::new(BLOCK_OPEN)).collect(),
            seal_claim: AtomicUsize::new(0),
            sealing: AtomicU8::new(0),
            room: CachePadded::new(AtomicIsize::new(0)),
            borrowed: AtomicPtr::new(std::ptr::null_mut()),
            probe_cap: probe_cap.max(4 * probe_limit),
            block,
            removed_base: 0,
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    #[inline]
    pub(crate) fn nblocks(&self) -> usize {
        self.blocks.len()
    }

    /// The home slot: the top `log2(cap)` bits of the hash.
    #[inline]
    pub(crate) fn home(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    /// The slot range of block `k`; the tail belongs to the last block.
    pub(crate) fn block_range(&self, k: usize) -> std::ops::Range<usize> {
        let start = k * self.block;
        start..(start + self.block).min(self.len())
    }

    /// This table, as the target of a migration whose copy installs at most `copies`
    /// entries: it admits `fill - copies` direct inserts until finished blocks credit
    /// more (I8), where `fill <= len` (`fill_limit`). Called before the table is
    /// published.
    pub(crate) fn admitting(mut self, copies: usize, fill: usize) -> Self {
        debug_assert!(fill <= self.len());
        let room =
            fill.min(isize::MAX as usize) as isize - copies.min(isize::MAX as usize) as isize;
        self.room = CachePadded::new(AtomicIsize::new(room));
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

    /// Take one unit of `room` for a direct insert into this table while it is a
    /// migration target (I8). False if none is left: the caller helps the migration
    /// (which credits room as blocks finish) and retries.
    ///
    /// Relaxed: `room` publishes no data. The capacity argument (I8) only counts the
    /// successful decrements in `room`'s own modification order against the credits
    /// before them there; each credit's amount was computed by its crediting thread
    /// from block states it had itself seen final.
    pub(crate) fn take_room(&self) -> bool {
        let mut r = self.room.load(Ordering::Relaxed);
        loop {
            if r <= 0 {
                return false;
            }
            match self
                .room
                .compare_exchange_weak(r, r - 1, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(actual) => r = actual,
            }
        }
    }

    /// Give back a unit taken by `take_room` whose insert did not happen, or credit
    /// `n` units freed by a finished block. Relaxed, as `take_room`.
    pub(crate) fn add_room(&self, n: isize) {
        self.room.fetch_add(n, Ordering::Relaxed);
    }

    /// Has a shrink started sealing this table? Acquire: pairs with the Release store
    /// in `begin_sealing`, so a thread that saw a slot frozen by a sealer (every
    /// freeze comes after that store in the sealer's program order) sees the flag.
    #[inline]
    pub(crate) fn is_sealing(&self) -> bool {
        self.sealing.load(Ordering::Acquire) != 0
    }

    /// Mark this table as being sealed for a shrink (idempotent).
    pub(crate) fn begin_sealing(&self) {
        self.sealing.store(1, Ordering::Release);
    }

    /// Acquire: the word may be dereferenced; pairs with the Release CAS that
    /// published the entry.
    #[inline]
    pub(crate) fn load(&self, idx: usize) -> Word {
        Word(self.slots[idx].load(Ordering::Acquire))
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

/// An array of `n` atomic words, all zero.
///
/// Outside loom this is one `alloc_zeroed` call: the kernel hands out zeroed pages
/// lazily, so a large table costs nothing until its slots are touched.
fn zeroed_words(n: usize) -> Box<[AtomicUsize]> {
    #[cfg(not(splitmap_loom))]
    {
        use std::alloc::{alloc_zeroed, handle_alloc_error, Layout};
        assert!(n > 0, "splitmap: a table has at least one slot");
        let layout = Layout::array::<AtomicUsize>(n)
            .unwrap_or_else(|_| panic!("splitmap: capacity overflow ({n} slots)"));
        // SAFETY: the layout has non-zero size (n > 0 checked above).
        let ptr = unsafe { alloc_zeroed(layout) };
        if ptr.is_null() {
            handle_alloc_error(layout);
        }
        let slice = std::ptr::slice_from_raw_parts_mut(ptr.cast::<AtomicUsize>(), n);
        // SAFETY: `ptr` was allocated by the global allocator with the layout of
        // `[AtomicUsize; n]`, which is the layout `Box<[AtomicUsize]>` frees with, and
        // all-zero bytes are a valid `AtomicUsize` (it has the representation of `usize`).
        unsafe { Box::from_raw(slice) }
    }
    #[cfg(splitmap_loom)]
    {
        (0..n).map(|_| AtomicUsize::new(0)).collect()
    }
}

impl<K, V> Table<K, V> {
    /// CAS a slot from `current` to `new`. Release on success publishes `new`'s entry;
    /// Acquire on failure because the caller may dereference the value it sees.
    #[inline]
    pub(crate) fn cas(&self, idx: usize, current: Word, new: Word) -> Result<(), Word> {
        self.slots[idx]
            .compare_exchange(current.0, new.0, Ordering::Release, Ordering::Acquire)
            .map(|_| ())
            .map_err(Word)
    }

    /// Freeze a slot and return the word it held just before.
    ///
    /// AcqRel: Acquire because the returned entry is copied (dereferenced); Release so a
    /// thread that later reads the frozen word also sees this thread's earlier writes
    /// (in particular its load of `next`, which must be non-null for any frozen slot).
    #[inline]
    pub(crate) fn freeze(&self, idx: usize) -> Word {
        Word(self.slots[idx].fetch_or(super::slot::FROZEN, Ordering::AcqRel))
    }
}

impl<K, V> Drop for Table<K, V> {
    fn drop(&mut self) {
        #[cfg(splitmap_loom)]
        crate::sync::loom_stats::bump(crate::sync::loom_stats::TABLE_DROP);
        // A table never owns the entries in its slots once it is retired (they belong to
        // `next`, I6); it owns only its borrowed list. The final root is emptied by
        // `RawMap::drop` before it is freed.
        let mut cur = self.borrowed.load(Ordering::Acquire);
        while !cur.is_null() {
            // SAFETY: I6: entries on the borrowed list are owned by this table alone, and
            // the table is being destroyed, so no reader can reach them any more (the
            // epoch collector only runs this after every guard that saw the table is gone).
            let entry = unsafe { Box::from_raw(cur) };
            cur = entry.retired_next.load(Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_uses_top_bits_and_splits_in_order() {
        let small: Table<u8, u8> = Table::new(8, 0);
        let big: Table<u8, u8> = Table::new(16, 0);
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
        let t: Table<u8, u8> = Table::new(4, 0);
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
            let t: Table<u8, u8> = Table::new(cap, 0);
            assert!(
                t.nblocks() >= 4 || cfg!(splitmap_loom),
                "cap {cap}: {} blocks",
                t.nblocks()
            );
            check_cover(&t);
        }
    }

    fn check_cover(t: &Table<u8, u8>) {
        let mut covered = 0;
        for k in 0..t.nblocks() {
            let r = t.block_range(k);
            assert_eq!(r.start, covered);
            covered = r.end;
        }
        assert_eq!(covered, t.len());
    }
}
