//! Cooperative, incremental migration from a table to its `next`.
//!
//! A migration starts when an insert's probe runs past the probe limit (or finds the
//! table full) and the table is worth rebuilding. The new table is linked from the old
//! (`next`, set once by CAS). From then on:
//!
//! 1. Every write operation helps: it claims blocks of `BLOCK` old slots from the
//!    `claim` counter and copies them (Go's `growWork`), one block at half load and up
//!    to four when the table is sparse. Once every block is claimed, a helper instead
//!    redoes the last block that is not yet DONE, so a claimant that stalls cannot
//!    hold the migration back.
//! 2. Copying a slot freezes it (`fetch_or(FROZEN)`), installs its entry in `next` if
//!    it is live, then sets COPIED. Copying is idempotent; any number of threads may copy
//!    the same slot.
//! 3. After copying a block, a helper CASes the block state to DONE; only the winner
//!    adds one to the progress counter `done` (so it is counted exactly once) and, for
//!    a block that was not sealed, credits `next.room` with the slots it did not use.
//! 4. Whoever brings `done` to the number of blocks promotes `next` to root with a CAS
//!    on `root`, and retires the old table. A thread that needs the migration finished
//!    (an insert that overflows `next`, iteration, `clear`, drop) copies every block
//!    that is not DONE itself and then promotes; it does not wait for anyone.
//!
//! **Shrinks** (a next table smaller than the old one) first *seal* the old table, with
//! no `next` yet: the `sealing` flag is set, and helpers claim blocks from `seal_claim`,
//! freeze every slot of each and record its live count in the block state
//! (`BLOCK_SEALED + n`). Writers keep inserting into blocks not yet sealed. Whoever
//! needs `next` seals the rest itself (`finish_seal`), then sizes `next` from the exact
//! sum and publishes it; copying then proceeds as above. **Room (I8):** a writer that
//! puts a new key into a table other than the root takes a unit of that table's `room`
//! first, so the copy always finds a free slot. See `docs/design.md`, "Room for the
//! copy".

use super::entry::Entry;
use super::sizing;
use super::slot::{Word, BORROWED, MARK};
use super::table::{Probe, Table, BLOCK, BLOCK_DONE, BLOCK_OPEN, BLOCK_SEALED};
use super::{next_of, RawMap};
use crate::sync::{retry_hint, AtomicPtr, Ordering};
use crossbeam_epoch::Guard;

/// At most this many blocks copied by one write (see `help`). One under loom: the
/// models pin exact table layouts and how far each write moves the migration, and
/// copying several blocks only repeats the one-block step whose races they explore.
#[cfg(not(splitmap_loom))]
const HELP_BLOCKS: usize = 4;
#[cfg(splitmap_loom)]
const HELP_BLOCKS: usize = 1;

/// How many entries the copy into a new `next` can install (I8).
enum Copies {
    /// At most this many: one per slot of a table that was not sealed.
    AtMost(usize),
    /// Exactly this many, counted by a seal (a shrink).
    Sealed(usize),
}

impl<K: Send + 'static, V: Send + 'static> RawMap<K, V> {
    /// Help the migration out of `root`, if one is running: copy one block.
    pub(super) fn help(&self, root: &Table<K, V>, guard: &Guard) {
        let Some(next) = next_of(root, guard) else {
            if root.is_sealing() {
                self.help_seal(root, guard);
            }
            return;
        };
        let nblocks = root.nblocks();
        // Copy blocks until this write has done its share: a block's worth of live
        // entries at half load (each costs a cache miss and a CAS), or four blocks of
        // slots, whichever comes first. A growing table (half full) moves about one
        // block per write; a sparse one (a shrink starts at most 1/8 full) moves four,
        // so a shrink finishes within the few removes that follow its start. (With one
        // block per write, a map emptied by removes was often left mid-shrink or a size
        // too big once the removes stopped.)
        let mut slots = 0;
        let mut entries = 0;
        let mut helped = false;
        // Relaxed: `claim` only hands out work; the copies themselves are ordered by the
        // slot RMWs and the block-state CAS. Skip the RMW once every block is claimed so
        // the tail of a migration does not bounce this line between cores.
        while root.claim.load(Ordering::Relaxed) < nblocks {
            let k = root.claim.fetch_add(1, Ordering::Relaxed);
            if k >= nblocks {
                break;
            }
            helped = true;
            let block = root.block_range(k).len();
            entries += copy_block(root, next, k, &self.root, guard);
            slots += block;
            if 2 * entries >= block || slots >= HELP_BLOCKS * block {
                return;
            }
        }
        if helped {
            return;
        }
        // Every block is claimed. Redo the last one not DONE: its claimant may have
        // been preempted (likely with more threads than cores), and until it is done
        // the migration cannot be promoted, so no further resize can start. Claims go
        // in increasing order, so unfinished blocks are nearly always the last claimed:
        // scan from the end. Acquire pairs with the block CAS so DONE blocks are skipped.
        let pending = (0..nblocks)
            .rev()
            .find(|&k| root.blocks[k].load(Ordering::Acquire) != BLOCK_DONE);
        match pending {
            Some(k) => {
                copy_block(root, next, k, &self.root, guard);
            }
            // We saw every block DONE (Acquire), so every copy happens-before us: promote
            // even if the winner of the last block has not bumped `done` yet.
            None => promote(root, &self.root, guard),
        }
    }

    /// Copy slot `idx` of `table` (frozen or about to be) and return `next`.
    pub(super) fn copy_slot<'g>(
        &self,
        table: &'g Table<K, V>,
        idx: usize,
        guard: &'g Guard,
    ) -> &'g Table<K, V> {
        let next = self.next_or_seal(table, guard);
        copy_slot(table, next, idx);
        next
    }

    /// The `next` of `table`, which the caller found frozen somewhere. A freeze happens
    /// only after `next` was published or after a shrink started sealing the table
    /// (both are ordered before the freeze we saw), so if `next` is not set yet a seal
    /// is in flight: finish it, which publishes `next`. (Were neither true, sealing
    /// would still be a valid way to start a migration, so this never fails.)
    pub(super) fn next_or_seal<'g>(
        &self,
        table: &'g Table<K, V>,
        guard: &'g Guard,
    ) -> &'g Table<K, V> {
        match next_of(table, guard) {
            Some(next) => next,
            None => {
                if !table.is_sealing() {
                    table.begin_sealing();
                }
                self.finish_seal(table, guard)
            }
        }
    }

    /// Is it worth migrating `table` because an insert probed `dist` slots, `tombs` of
    /// them tombstones (`sizing::should_migrate`, with this map's counts)? If not, the
    /// insert goes past the probe limit (never past `probe_cap`) instead of rebuilding
    /// the table for nothing: the cluster is a run of live keys from a weak hash, or a
    /// local pile of tombstones.
    pub(super) fn should_migrate(&self, table: &Table<K, V>, dist: usize, tombs: usize) -> bool {
        let (live, removed) = self.count.sums();
        let tombstones = removed.wrapping_sub(table.removed_base);
        sizing::should_migrate(table.cap, self.min_cap, live, tombstones, dist, tombs)
    }

    /// An insert found no room in `table` (a probe past the limit ending at the empty slot
    /// `idx`, or no empty slot at all). `widen`: the probe also passed the table's
    /// `probe_cap`, so the next table gets twice the cap. Returns the table to retry in.
    pub(super) fn overflow<'g>(
        &self,
        table: &'g Table<K, V>,
        idx: Option<usize>,
        widen: bool,
        guard: &'g Guard,
    ) -> &'g Table<K, V> {
        let root = self.root(guard);
        if !std::ptr::eq(root, table) {
            // Only the root may start a migration (I4). `table` is either an old table
            // already migrated (go forward) or the root's `next`: finish the migration
            // in flight so that `next` becomes root, then retry there.
            if let Some(next) = next_of(table, guard) {
                return next;
            }
            self.finish_migration(guard);
            return self.root(guard);
        }
        let next = self.start_migration(root, widen, guard);
        self.help(root, guard);
        match idx {
            // Prove the key absent from `table` before writing it in `next` (I3): freeze
            // the empty slot that ended the probe. If someone filled it first, retry here.
            Some(idx) => {
                let w = table.freeze(idx);
                if w.is_null() && !w.is_tombstone() {
                    next
                } else {
                    table
                }
            }
            // No empty slot anywhere: the key cannot be in `table` nor enter it (I1, I2).
            None => next,
        }
    }

    /// After a successful remove: start a shrink if the table has become sparse. Only
    /// checked on about one remove in 64 (chosen by hash bits the index does not use) so
    /// removes rarely sum the counter stripes.
    pub(super) fn after_remove(&self, table: &Table<K, V>, hash: u64, guard: &Guard) {
        if hash & 63 != 0 && table.cap > 64 {
            return;
        }
        let root = self.root(guard);
        if !std::ptr::eq(root, table) || root.cap <= self.min_cap || next_of(root, guard).is_some()
        {
            return;
        }
        if sizing::is_sparse(self.count.sum(), root.cap, self.min_cap) {
            root.begin_sealing();
            self.help(root, guard);
        }
    }

    /// Finish the migration out of the current root, if any (sealing included), and
    /// promote.
    pub(super) fn finish_migration(&self, guard: &Guard) {
        let root = self.root(guard);
        let next = match next_of(root, guard) {
            Some(next) => next,
            None if root.is_sealing() => self.finish_seal(root, guard),
            None => return,
        };
        finish_copy(root, next, &self.root, guard);
    }

    /// Bring the table down to the size the live count calls for (used after `retain`
    /// and `clear`, which may empty it), finishing any migration on the way.
    pub(crate) fn shrink_to_fit(&self, guard: &Guard) {
        self.finish_migration(guard);
        let root = self.root(guard);
        if sizing::is_sparse(self.count.sum(), root.cap, self.min_cap) {
            root.begin_sealing();
            self.finish_migration(guard);
        }
    }

    /// The `next` of `table` (the root), allocating it if needed. The new table keeps
    /// `table`'s probe cap, doubled if `widen`. A table that would be smaller than
    /// `table` is a shrink: it is sized only after sealing (module docs, "Shrinks").
    fn start_migration<'g>(
        &self,
        table: &'g Table<K, V>,
        widen: bool,
        guard: &'g Guard,
    ) -> &'g Table<K, V> {
        if let Some(next) = next_of(table, guard) {
            return next;
        }
        if table.is_sealing() {
            return self.finish_seal(table, guard);
        }
        // One pass over the counter stripes gives both the size and the new table's
        // removal baseline.
        let (live, removed) = self.count.sums();
        let cap = self.next_capacity(table, live, widen);
        if cap < table.cap {
            table.begin_sealing();
            return self.finish_seal(table, guard);
        }
        // Every copy lands in a slot of its own and comes from a slot of its own, so
        // the copy needs at most `table.len()` slots of `next`; the rest admits direct
        // inserts, and each finished block credits the slots it did not need (I8).
        self.publish_next(
            table,
            cap,
            widen,
            Copies::AtMost(table.len()),
            removed,
            guard,
        )
    }

    /// Allocate a table of capacity `cap` into which the copy of `table` will install at
    /// most `copies` entries (so it admits `len - copies` direct inserts, or
    /// `shrink_fill - copies` after a seal; I8), and install it as `table.next` unless
    /// another thread did first. Returns `table.next`.
    fn publish_next<'g>(
        &self,
        table: &'g Table<K, V>,
        cap: usize,
        widen: bool,
        copies: Copies,
        removed: usize,
        _guard: &'g Guard,
    ) -> &'g Table<K, V> {
        let probe_cap = if widen {
            table.probe_cap.saturating_mul(2)
        } else {
            table.probe_cap
        };
        let table_new = Table::new(cap, probe_cap);
        let (copies, fill) = match copies {
            Copies::AtMost(n) => (n, table_new.len()),
            Copies::Sealed(n) => (n, table_new.shrink_fill()),
        };
        let mut table_new = table_new.admitting(copies, fill);
        table_new.removed_base = removed;
        let new = Box::into_raw(Box::new(table_new));
        // AcqRel: Release publishes the initialised table; Acquire (also on failure)
        // lets us use the winner's table.
        match table.next.compare_exchange(
            std::ptr::null_mut(),
            new,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: we just installed `new` as `table.next`; I7 keeps it alive.
            Ok(_) => unsafe { &*new },
            Err(winner) => {
                // SAFETY: `new` lost the race and was never shared.
                drop(unsafe { Box::from_raw(new) });
                // SAFETY: the failed CAS read the non-null `next` another thread
                // installed (Acquire); I7 keeps it alive under `_guard`.
                unsafe { &*winner }
            }
        }
    }

    /// Seal every block of `table` not sealed yet, then size `next` from the exact
    /// number of live entries the seal counted and publish it (unless someone did).
    /// Lock-free: it waits for no one; blocks that other sealers claimed are sealed
    /// again here (idempotent), which is what lets a thread that needs `next` finish
    /// even if every other sealer stalls.
    pub(super) fn finish_seal<'g>(
        &self,
        table: &'g Table<K, V>,
        guard: &'g Guard,
    ) -> &'g Table<K, V> {
        if let Some(next) = next_of(table, guard) {
            return next;
        }
        let mut live = 0;
        for k in 0..table.nblocks() {
            // Acquire: pairs with the sealing CAS, so the count it stored is final.
            let mut state = table.blocks[k].load(Ordering::Acquire);
            if state == BLOCK_OPEN {
                state = seal_block(table, k);
            }
            if state == BLOCK_DONE {
                // Only after `next` was published (copying); use that table.
                if let Some(next) = next_of(table, guard) {
                    return next;
                }
            }
            live += usize::from(state.saturating_sub(BLOCK_SEALED));
        }
        if let Some(next) = next_of(table, guard) {
            return next;
        }
        // Every block is sealed: no slot of `table` can change any more except by
        // the copy, which needs exactly `live` slots of `next` (I8).
        let (_, removed) = self.count.sums();
        let cap = self.next_capacity(table, live, false);
        self.publish_next(table, cap, false, Copies::Sealed(live), removed, guard)
    }

    /// Seal blocks of a table that a shrink is sealing, a few per write (as `help`
    /// copies): claims from `seal_claim`; once every block is claimed, finish the seal
    /// (publishing `next`) so a stalled sealer cannot hold the shrink back.
    fn help_seal(&self, root: &Table<K, V>, guard: &Guard) {
        let nblocks = root.nblocks();
        let mut slots = 0;
        // Relaxed: as `claim` in `help`; the block-state CAS orders the seal.
        while root.seal_claim.load(Ordering::Relaxed) < nblocks {
            let k = root.seal_claim.fetch_add(1, Ordering::Relaxed);
            if k >= nblocks {
                break;
            }
            seal_block(root, k);
            slots += root.block_range(k).len();
            if slots >= HELP_BLOCKS * BLOCK {
                return;
            }
        }
        self.finish_seal(root, guard);
    }

    /// Size of the table to replace `table` with (see `sizing::next_capacity`).
    fn next_capacity(&self, table: &Table<K, V>, live: usize, widen: bool) -> usize {
        sizing::next_capacity(table.cap, self.min_cap, live, widen)
    }
}

/// Copy every unfinished block of `old` into `next`, then promote.
///
/// `guard` must be a real pin, never `unprotected()`: promotion (here or inside
/// `copy_block`) retires `old` while this function may still read it, which is only
/// safe because the retirement is deferred until our guard is dropped.
fn finish_copy<K, V>(
    old: &Table<K, V>,
    next: &Table<K, V>,
    root: &AtomicPtr<Table<K, V>>,
    guard: &Guard,
) {
    for k in 0..old.nblocks() {
        // Acquire: a DONE block's copies are visible to us, and so to whoever we promote for.
        let state = old.blocks[k].load(Ordering::Acquire);
        if state != BLOCK_DONE {
            copy_block_in(state, old, next, k, root, guard);
        }
    }
    // Every block is DONE now (we saw or made each transition), so promotion is safe
    // even if a winner of a block CAS has not yet added to `done`.
    promote(old, root, guard);
}

/// Seal block `k` of a table that a shrink is sealing: freeze every slot and record
/// how many are live in the block state (`BLOCK_SEALED + n`). Returns the block's state
/// afterwards (sealed by us or by a racing sealer, or already DONE).
///
/// The count is exact and the same for every sealer: a frozen slot never changes
/// before it is copied (I2), no copy happens before `next` exists, and each sealer
/// counts a slot only after freezing it itself.
fn seal_block<K, V>(table: &Table<K, V>, k: usize) -> u8 {
    let mut live = 0u8;
    for idx in table.block_range(k) {
        live += u8::from(!table.freeze(idx).is_null());
    }
    // AcqRel: Release publishes our freezes with the count to the thread that sizes
    // `next` from it; Acquire (also on failure) lets us use a racing sealer's count.
    match table.blocks[k].compare_exchange(
        BLOCK_OPEN,
        BLOCK_SEALED + live,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => BLOCK_SEALED + live,
        Err(actual) => actual,
    }
}

/// Copy block `k` of `old`, mark it DONE and count it; promote if it was the last.
/// Returns the number of entries this call installed in `next`.
fn copy_block<K, V>(
    old: &Table<K, V>,
    next: &Table<K, V>,
    k: usize,
    root: &AtomicPtr<Table<K, V>>,
    guard: &Guard,
) -> usize {
    // Acquire: pairs with the sealing CAS, so a sealed block's freezes are visible.
    let state = old.blocks[k].load(Ordering::Acquire);
    copy_block_in(state, old, next, k, root, guard)
}

/// `copy_block`, for a block whose state the caller just loaded (Acquire) as `sealed`.
fn copy_block_in<K, V>(
    sealed: u8,
    old: &Table<K, V>,
    next: &Table<K, V>,
    k: usize,
    root: &AtomicPtr<Table<K, V>>,
    guard: &Guard,
) -> usize {
    let range = old.block_range(k);
    if sealed == BLOCK_DONE {
        return 0;
    }
    // A sealed block is frozen already: its live slots are copied with a load instead
    // of a second freeze, and one the seal found without live entries (most of a
    // sparse shrink) has nothing to copy at all.
    let frozen = sealed >= BLOCK_SEALED;
    let copied = if sealed == BLOCK_SEALED {
        0
    } else {
        copy_slots(old, next, range.clone(), frozen)
    };
    mark_done(sealed, old, next, k, root, guard, range);
    copied
}

/// Copy the slots `range` of one block of `old` into `next` (`frozen`: a seal froze
/// them all already). Returns the number of entries this call installed.
fn copy_slots<K, V>(
    old: &Table<K, V>,
    next: &Table<K, V>,
    range: std::ops::Range<usize>,
    frozen: bool,
) -> usize {
    // Pass 1: read the hash of every live entry in the block with plain loads. Copying
    // needs each entry's hash (for its home in `next`), and the entries lie in
    // allocation order, not table order, so each read is a cache miss. Here nothing
    // orders the loads, so the CPU overlaps the misses; in pass 2 every slot's freeze
    // is a locked RMW, which would make each miss wait for the one before
    // (`shared/perf-notes.md`: dependent misses ~10x independent ones).
    let mut hashes = [(std::ptr::null_mut::<Entry<K, V>>(), 0u64); BLOCK];
    for (seen, idx) in hashes.iter_mut().zip(range.clone()) {
        let w = old.load(idx);
        if !w.is_null() && !w.is_copied() {
            let entry = w.ptr::<K, V>();
            // SAFETY: I7: `w` was loaded under the caller's guard from `old`, which is
            // reachable under it, and I6 keeps the entry alive as long as `old` is.
            *seen = (entry, unsafe { (*entry).hash });
        }
    }
    // Pass 2: freeze and copy. A slot that changed since pass 1 is copied all the same
    // (the hint only saves the read of a hash already known).
    let mut copied = 0;
    for (&hint, idx) in hashes.iter().zip(range.clone()) {
        copied += usize::from(copy_slot_hinted(old, next, idx, hint, frozen));
    }
    // Blocks never exceed `BLOCK` slots, so the zip above covers the whole range.
    debug_assert!(range.len() <= BLOCK);
    copied
}

/// Mark block `k` of `old` (last seen in state `seen`) DONE after its slots were
/// copied, credit `next` with the room the block did not need, count it, and promote if
/// it was the last.
fn mark_done<K, V>(
    seen: u8,
    old: &Table<K, V>,
    next: &Table<K, V>,
    k: usize,
    root: &AtomicPtr<Table<K, V>>,
    guard: &Guard,
    range: std::ops::Range<usize>,
) {
    // Mark the block DONE. AcqRel: Release publishes our copies to whoever reads DONE;
    // Acquire orders other threads' copies of slots in this block (which we observed)
    // before our count. A block is OPEN or SEALED (a shrink's seal counted it) before;
    // `seen` is the state the caller loaded, the usual expected value.
    let mut state = seen;
    let won = loop {
        if state == BLOCK_DONE {
            break None;
        }
        match old.blocks[k].compare_exchange(state, BLOCK_DONE, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(before) => break Some(before),
            Err(actual) => state = actual,
        }
    };
    if let Some(before) = won {
        if before == BLOCK_OPEN {
            // Room for this block was reserved slot by slot (I8); hand back what its
            // copies did not use. Every slot is final now (we froze and copied each),
            // so the count of COPIED slots is exact.
            let used = range.clone().filter(|&i| old.load(i).is_copied()).count();
            next.add_room((range.len() - used) as isize);
        }
        // Only the winner of the block transition counts it (exactly once per block).
        // AcqRel: the RMW chain on `done` carries every block's copies to the thread
        // that brings it to `nblocks`.
        let done = old.done.fetch_add(1, Ordering::AcqRel) + 1;
        #[cfg(splitmap_loom)]
        crate::sync::loom_stats::bump(crate::sync::loom_stats::BLOCK_DONE);
        debug_assert!(done <= old.nblocks(), "progress counter overshot: {done}");
        if done == old.nblocks() {
            promote(old, root, guard);
        }
    }
}

/// Move `root` from `old` to `old.next`; the winner retires `old`.
///
/// Callers have established that every block of `old` is DONE (I5).
fn promote<K, V>(old: &Table<K, V>, root: &AtomicPtr<Table<K, V>>, guard: &Guard) {
    let old_ptr = old as *const Table<K, V> as *mut Table<K, V>;
    let next = old.next.load(Ordering::Acquire);
    debug_assert!(!next.is_null());
    // AcqRel: Acquire so the winner sees the table it retires; Release so readers that
    // load the new root see every copy (which happened-before our DONE observations).
    if root
        .compare_exchange(old_ptr, next, Ordering::AcqRel, Ordering::Relaxed)
        .is_ok()
    {
        #[cfg(splitmap_loom)]
        crate::sync::loom_stats::bump(crate::sync::loom_stats::PROMOTE);
        // Threads still reading `old` are pinned, which delays the destructor; it frees
        // only the arrays and the borrowed list (I6), whose K, V are Send + 'static (a
        // migration exists only if the map was written through the bounded API).
        // SAFETY: I5: our CAS unlinked `old` from `root`, exactly once; I7: `guard` is a
        // real pin, so `old` stays valid for the rest of our operation.
        unsafe { guard.defer_unchecked(move || drop(Box::from_raw(old_ptr))) };
    }
}

/// Freeze slot `idx` of `old` and, if it holds a live entry, install it in `next` and
/// mark it COPIED. Idempotent.
fn copy_slot<K, V>(old: &Table<K, V>, next: &Table<K, V>, idx: usize) {
    copy_slot_hinted(old, next, idx, (std::ptr::null_mut(), 0), false);
}

/// `copy_slot`, where `hint` may hold an entry and its hash read earlier (see
/// `copy_block`); it is used only if the frozen slot still holds that same entry.
/// Returns whether the slot held an entry still to be copied (by us or a racing
/// helper): the work that makes a copy expensive.
fn copy_slot_hinted<K, V>(
    old: &Table<K, V>,
    next: &Table<K, V>,
    idx: usize,
    hint: (*mut Entry<K, V>, u64),
    frozen: bool,
) -> bool {
    // `frozen`: a seal froze the slot (we saw its block SEALED with Acquire), and a
    // frozen slot changes only to COPIED (I2), so a load gives what a freeze would.
    let w = if frozen {
        old.load(idx)
    } else {
        old.freeze(idx)
    };
    if w.is_null() || w.is_copied() {
        return false;
    }
    let entry = w.ptr::<K, V>();
    let hash = if entry == hint.0 {
        hint.1
    } else {
        // SAFETY: `entry` came from a frozen slot of `old`, which the caller reaches
        // under a guard; I6/I7 keep it alive while `old` is reachable.
        unsafe { (*entry).hash }
    };
    install_copy(old, idx, next, entry, hash);
    // Release: a reader that sees COPIED goes to `next` and must find the entry there
    // (the install CAS above happens-before this).
    old.slots[idx].fetch_or(MARK, Ordering::Release);
    true
}

/// Put `entry` (from slot `idx` of `old`, with hash `hash`) into `next` unless that
/// copy already happened.
fn install_copy<K, V>(
    old: &Table<K, V>,
    idx: usize,
    next: &Table<K, V>,
    entry: *mut Entry<K, V>,
    hash: u64,
) {
    let mut probe = Probe::new(next.home(hash), next.len());
    while let Some(i) = probe.current() {
        let mut w = next.load(i);
        loop {
            if w.is_empty() {
                match next.cas(i, Word::EMPTY, Word::from_entry(entry, hash, BORROWED)) {
                    Ok(()) => return,
                    Err(actual) => {
                        w = actual;
                        retry_hint();
                        continue;
                    }
                }
            }
            if w.ptr::<K, V>() == entry {
                return; // another helper installed it
            }
            // A tombstone, a frozen slot, or an entry with our hash might be the result of
            // our key having been copied and then removed or replaced in `next`. All of
            // those writes happen after the old slot is COPIED (I3), and we read them with
            // Acquire, so if this is the case we see COPIED now and stop.
            // SAFETY: a non-null word loaded from `next` under the caller's guard (I7).
            let maybe_ours =
                w.is_null() || (w.may_hold(hash) && unsafe { (*w.ptr::<K, V>()).hash == hash });
            if maybe_ours && old.load(idx).is_copied() {
                return;
            }
            break;
        }
        probe.advance();
    }
    // I8: every non-empty slot of `next` holds a copy of another old slot or a direct
    // insert that took a unit of `next.room`, and those never number `next.len()`
    // while a copy is pending, so the probe above (every slot) met an empty one.
    unreachable!("splitmap: no free slot in the next table for a migrating entry");
}

#[cfg(test)]
mod tests {
    use super::super::table::TABLES_CREATED;
    use crate::HashMap;

    /// A working set of keys removed and re-inserted over and over next to a large
    /// resident set. Each re-insert lands one slot further than the last (tombstones
    /// are not reused), so these keys' clusters grow long while the table as a whole
    /// stays a quarter full. Purging the whole table on every long probe (the old
    /// trigger) rebuilt it about every 7 rounds; a purge now waits until live entries
    /// and tombstones fill half the table. Single-threaded, so the count of tables this
    /// thread allocated is the count of migrations.
    #[test]
    fn a_churning_working_set_does_not_purge_on_every_long_probe() {
        let resident = 1u64 << 16;
        let map: HashMap<u64, u64> = HashMap::new();
        for k in 0..resident {
            map.insert(k, k);
        }
        let before = TABLES_CREATED.with(|n| n.get());
        for _round in 0..200 {
            for batch in 0..16u64 {
                let keys = resident + batch * 64..resident + (batch + 1) * 64;
                for k in keys.clone() {
                    assert!(map.insert(k, k));
                }
                for k in keys {
                    assert!(map.remove(&k));
                }
            }
        }
        let migrations = TABLES_CREATED.with(|n| n.get()) - before;
        assert!(
            migrations <= 8,
            "{migrations} migrations for 204,800 inserts over 1,024 hot keys"
        );
        assert_eq!(map.len(), resident as usize);
        assert!((0..resident).all(|k| map.get_cloned(&k) == Some(k)));
    }
}
