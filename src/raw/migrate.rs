//! The migration driver: cooperative, incremental migration from a table to its `next`,
//! written once for every slot kind. It knows tables, blocks and the resize state; what
//! a slot holds and how an entry is copied is the kind's (`kind.rs`, `SlotKind`).
//!
//! A migration starts when an insert's probe runs past the probe limit (or finds the
//! table full) and the table is worth rebuilding (`sizing.rs`). The new table is linked
//! from the old (`next`, set once by CAS). From then on:
//!
//! 1. Every write operation helps: it claims blocks of `BLOCK` old slots from the
//!    `claim` counter and copies them (Go's `growWork`), one block at half load and up
//!    to four when the table is sparse. Once every block is claimed, a helper instead
//!    redoes the last block that is not yet DONE, so a claimant that stalls cannot
//!    hold the migration back.
//! 2. Copying a slot freezes it, installs its entry in `next` if it is live, then marks
//!    it COPIED (`SlotKind::copy_range`). Copying is idempotent; any number of threads
//!    may copy the same slot.
//! 3. After copying a block, a helper CASes the block state to DONE; only the winner
//!    adds one to the progress counter `done` (so it is counted exactly once) and, for
//!    a block that was not sealed, credits `next`'s room with the slots it did not use.
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
//! puts a new key into a table other than the root takes a unit of that table's room
//! first (`Tables::take_room`), so the copy always finds a free slot. See
//! `docs/design.md`, "Room for the copy".

use super::counter::Counter;
use super::kind::{Held, SlotKind};
use super::resize::{BLOCK_DONE, BLOCK_OPEN, BLOCK_SEALED};
use super::sizing;
use super::table::{capacity_for, Table, BLOCK};
use crate::sync::{AtomicPtr, Ordering};
use crossbeam_epoch::Guard;

/// At most this many blocks copied by one write (see `help`). One under loom: the
/// models pin exact table layouts and how far each write moves the migration, and
/// copying several blocks only repeats the one-block step whose races they explore.
#[cfg(not(splitmap_loom))]
const HELP_BLOCKS: usize = 4;
#[cfg(splitmap_loom)]
const HELP_BLOCKS: usize = 1;

/// Migrations `Tables::reserve` starts at the most before it leaves the growth to
/// inserts (only a concurrent shrink makes it start more than one).
const RESERVE_TRIES: usize = 3;

/// How many entries the copy into a new `next` can install (I8).
enum Copies {
    /// At most this many: one per slot of a table that was not sealed.
    AtMost(usize),
    /// Exactly this many, counted by a seal (a shrink).
    Sealed(usize),
}

/// A unit of room taken for a direct insert (`Tables::take_room`), to be given back
/// if the insert does not happen.
#[must_use]
pub(crate) enum Room {
    /// The table is the root: inserts into it need no room.
    NotNeeded,
    /// One unit of the table's room (I8).
    Taken,
}

/// A map's chain of tables: the root (and, during a migration, its `next`), the live
/// count and the capacity the map never shrinks below. Every slot kind's map holds one
/// and drives its migrations through it.
pub(crate) struct Tables<S> {
    /// Invariant: always a valid table; see I4/I5 for how it moves.
    root: AtomicPtr<Table<S>>,
    pub(crate) count: Counter,
    min_cap: usize,
}

impl<S: SlotKind> Tables<S> {
    /// A chain whose table never shrinks below room for `entries` entries.
    ///
    /// Panics with "capacity overflow" if the table size does not fit in `usize`.
    pub(crate) fn with_capacity(entries: usize) -> Self {
        let cap = capacity_for(entries).unwrap_or_else(|| panic!("splitmap: capacity overflow"));
        let table = Box::into_raw(Box::new(Table::new(cap, 0)));
        Tables {
            root: AtomicPtr::new(table),
            count: Counter::new(),
            min_cap: cap,
        }
    }
}

impl<S> Tables<S> {
    /// The current root table.
    #[inline]
    pub(crate) fn root<'g>(&self, _guard: &'g Guard) -> &'g Table<S> {
        // Acquire: the table's initialisation and (after a promotion) every copy into it
        // happen-before this load.
        let ptr = self.root.load(Ordering::Acquire);
        // SAFETY: `root` is never null, and I7: a table reachable from `root` while
        // `_guard` is pinned is freed only after the guard is dropped.
        unsafe { &*ptr }
    }

    /// The root and its `next`, for a caller with exclusive access (a map's `Drop`).
    pub(crate) fn get_mut(&mut self) -> (&Table<S>, Option<&Table<S>>) {
        // Relaxed: `&mut self` excludes every other thread.
        let root = self.root.load(Ordering::Relaxed);
        // SAFETY: `root` is always a valid table, owned by the chain (I5: not retired),
        // and `&mut self` keeps it (and its `next`, owned through it) alive and unshared.
        unsafe {
            let next = (*root).resize.next.load(Ordering::Relaxed);
            (&*root, (!next.is_null()).then(|| &*next))
        }
    }

    /// Number of entries (approximate while writers run).
    pub(crate) fn len(&self) -> usize {
        self.count.sum()
    }

    /// The capacity the map never shrinks below.
    pub(crate) fn min_capacity(&self) -> usize {
        self.min_cap
    }
}

impl<S> Drop for Tables<S> {
    fn drop(&mut self) {
        // The map that holds this chain has already freed the entries its tables own
        // (in its own `Drop`, which runs first); what is left is the tables themselves.
        // Nothing migrates here: finishing a migration would free the old table while
        // we still walk it, and no guard protects us (none is needed: `&mut self`).
        let root = self.root.load(Ordering::Relaxed);
        // SAFETY: I5: the root is owned by the chain and not retired, and its `next`
        // (if any) is reachable only through it; `&mut self` excludes every other
        // thread, so each is freed exactly once, here.
        unsafe {
            let next = (*root).resize.next.load(Ordering::Relaxed);
            if !next.is_null() {
                drop(Box::from_raw(next));
            }
            drop(Box::from_raw(root));
        }
    }
}

/// The successor of `table`, if a migration has started.
#[inline]
pub(crate) fn next_of<'g, S>(table: &Table<S>, _guard: &'g Guard) -> Option<&'g Table<S>> {
    // Acquire: pairs with the AcqRel CAS that installed the fully initialised table.
    let ptr = table.resize.next.load(Ordering::Acquire);
    // SAFETY: I7: `next` is reachable from `table`, which is reachable under the guard;
    // a `next` table is freed only after it has itself been promoted and retired, which
    // happens after `_guard`'s pin (it would have to be unlinked from `root` first).
    (!ptr.is_null()).then(|| unsafe { &*ptr })
}

impl<S: SlotKind + Send + 'static> Tables<S> {
    /// Help the migration out of `root`, if one is running: copy one block.
    pub(crate) fn help(&self, root: &Table<S>, guard: &Guard) {
        let Some(next) = next_of(root, guard) else {
            if root.resize.is_sealing() {
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
        let migration = Migration {
            old: root,
            next,
            root: &self.root,
            guard,
        };
        let mut slots = 0;
        let mut entries = 0;
        let mut helped = false;
        let claim = &root.resize.claim;
        // Relaxed: `claim` only hands out work; the copies themselves are ordered by the
        // slot RMWs and the block-state CAS. Skip the RMW once every block is claimed so
        // the tail of a migration does not bounce this line between cores.
        while claim.load(Ordering::Relaxed) < nblocks {
            let k = claim.fetch_add(1, Ordering::Relaxed);
            if k >= nblocks {
                break;
            }
            helped = true;
            let block = root.block_range(k).len();
            entries += migration.copy_block(k);
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
            .find(|&k| root.resize.blocks[k].load(Ordering::Acquire) != BLOCK_DONE);
        match pending {
            Some(k) => {
                migration.copy_block(k);
            }
            // We saw every block DONE (Acquire), so every copy happens-before us: promote
            // even if the winner of the last block has not bumped `done` yet.
            None => promote(root, &self.root, guard),
        }
    }

    /// Help the migration out of the root if one is under way (the first step of
    /// every write), and return the root to write in.
    #[inline]
    pub(crate) fn root_for_write<'g>(&self, guard: &'g Guard) -> &'g Table<S> {
        let table = self.root(guard);
        if table.resize.is_moving_hint() {
            self.help(table, guard);
            return self.root(guard);
        }
        table
    }

    /// Copy slot `idx` of `table`, which the caller found frozen, and return `next`:
    /// a writer completes the copy of its key's slot before touching the key there (I3).
    pub(crate) fn copy_slot<'g>(
        &self,
        table: &'g Table<S>,
        idx: usize,
        guard: &'g Guard,
    ) -> &'g Table<S> {
        let next = self.next_or_seal(table, guard);
        // SAFETY: `next` is `table`'s `next`, and both are reachable under `guard` (I7).
        unsafe { S::copy_slot(table, next, idx) };
        next
    }

    /// Prove a key absent from `table` for good (I3) by freezing the empty slot `idx`
    /// that ended its probe. False if someone filled the slot first: look again.
    pub(crate) fn prove_absent(table: &Table<S>, idx: usize) -> bool {
        table.slots.freeze(idx) == Held::Empty
    }

    /// I8: before a new key is written into `table`, take a unit of its room unless
    /// it is the root (only a migration target needs room). If none is left, help the
    /// migration (finished blocks credit room) and return the root to start over in.
    pub(crate) fn take_room<'g>(
        &self,
        table: &Table<S>,
        guard: &'g Guard,
    ) -> Result<Room, &'g Table<S>> {
        let root = self.root(guard);
        if std::ptr::eq(table, root) {
            return Ok(Room::NotNeeded);
        }
        if table.resize.take_room() {
            return Ok(Room::Taken);
        }
        self.help(root, guard);
        Err(self.root(guard))
    }

    /// Give back room taken for an insert that did not happen (its CAS failed).
    pub(crate) fn give_back_room(table: &Table<S>, room: Room) {
        if let Room::Taken = room {
            table.resize.add_room(1);
        }
    }

    /// The `next` of `table`, which the caller found frozen somewhere. A freeze happens
    /// only after `next` was published or after a shrink started sealing the table
    /// (both are ordered before the freeze we saw), so if `next` is not set yet a seal
    /// is in flight: finish it, which publishes `next`. (Were neither true, sealing
    /// would still be a valid way to start a migration, so this never fails.)
    pub(crate) fn next_or_seal<'g>(&self, table: &'g Table<S>, guard: &'g Guard) -> &'g Table<S> {
        match next_of(table, guard) {
            Some(next) => next,
            None => {
                if !table.resize.is_sealing() {
                    table.resize.begin_sealing();
                }
                self.finish_seal(table, guard)
            }
        }
    }

    /// An insert probed `dist` slots of `table`, `tombs` of them tombstones, and
    /// found room only at the empty slot `idx` past the probe limit. `None`: insert at
    /// `idx` anyway (rebuilding would not help: a run of live keys from a weak hash, or
    /// a local pile of tombstones; see `sizing::should_migrate`). `Some(t)`: retry in
    /// `t`, the table a migration (started or finished here) sends the key to, or
    /// `table` again if someone filled `idx` first. Past `probe_cap` a writer never
    /// places an entry (iterators rely on it), so the table then migrates to one with
    /// twice the probe cap.
    pub(crate) fn past_probe_limit<'g>(
        &self,
        table: &'g Table<S>,
        idx: usize,
        dist: usize,
        tombs: usize,
        guard: &'g Guard,
    ) -> Option<&'g Table<S>> {
        let widen = dist > table.probe_cap;
        if widen || self.should_migrate(table, dist, tombs) {
            Some(self.overflow(table, Some(idx), widen, guard))
        } else {
            None
        }
    }

    /// Is it worth migrating `table` because an insert probed `dist` slots, `tombs` of
    /// them tombstones (`sizing::should_migrate`, with this map's counts)?
    fn should_migrate(&self, table: &Table<S>, dist: usize, tombs: usize) -> bool {
        let (live, removed) = self.count.sums();
        // Clamped at zero: revivals (`Counter::revive_one`) subtract, and the stripes
        // are summed while writers run.
        let tombstones = (removed.wrapping_sub(table.resize.removed_base) as isize).max(0) as usize;
        sizing::should_migrate(table.cap, self.min_cap, live, tombstones, dist, tombs)
    }

    /// An insert found no room in `table` (a probe past the limit ending at the empty slot
    /// `idx`, or no empty slot at all). `widen`: the probe also passed the table's
    /// `probe_cap`, so the next table gets twice the cap. Returns the table to retry in.
    pub(crate) fn overflow<'g>(
        &self,
        table: &'g Table<S>,
        idx: Option<usize>,
        widen: bool,
        guard: &'g Guard,
    ) -> &'g Table<S> {
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
            // Prove the key absent from `table` before writing it in `next` (I3). If
            // someone filled the slot first, retry here.
            Some(idx) if !Self::prove_absent(table, idx) => table,
            Some(_) => next,
            // No empty slot anywhere: the key cannot be in `table` nor enter it (I1, I2).
            None => next,
        }
    }

    /// After a successful remove: start a shrink if the table has become sparse. Only
    /// checked on about one remove in 64 (chosen by hash bits the index does not use) so
    /// removes rarely sum the counter stripes.
    pub(crate) fn after_remove(&self, table: &Table<S>, hash: u64, guard: &Guard) {
        if hash & 63 != 0 && table.cap > 64 {
            return;
        }
        let root = self.root(guard);
        if !std::ptr::eq(root, table) || root.cap <= self.min_cap || next_of(root, guard).is_some()
        {
            return;
        }
        if sizing::is_sparse(self.count.sum(), root.cap, self.min_cap) {
            root.resize.begin_sealing();
            self.help(root, guard);
        }
    }

    /// Finish the migration out of the current root, if any (sealing included), and
    /// promote.
    pub(crate) fn finish_migration(&self, guard: &Guard) {
        let root = self.root(guard);
        let next = match next_of(root, guard) {
            Some(next) => next,
            None if root.resize.is_sealing() => self.finish_seal(root, guard),
            None => return,
        };
        Migration {
            old: root,
            next,
            root: &self.root,
            guard,
        }
        .finish_copy();
    }

    /// `clear` for every kind: finish any migration, let `clear_slots` tombstone every
    /// live, unfrozen slot of the root, and repeat while a migration started meanwhile
    /// (its frozen slots could not be cleared; their copies can, next pass); then
    /// shrink. Lock-free: a pass is repeated only because concurrent inserts started a
    /// migration.
    pub(crate) fn clear_with<'g>(
        &self,
        guard: &'g Guard,
        mut clear_slots: impl FnMut(&'g Table<S>),
    ) {
        loop {
            self.finish_migration(guard);
            clear_slots(self.root(guard));
            if !self.is_moving(guard) {
                break;
            }
        }
        self.shrink_to_fit(guard);
    }

    /// Is a migration or a seal under way out of the root? (After `finish_migration`,
    /// only one that started since.)
    pub(crate) fn is_moving(&self, guard: &Guard) -> bool {
        let root = self.root(guard);
        next_of(root, guard).is_some() || root.resize.is_sealing()
    }

    /// Bring the table down to the size the live count calls for (used after `retain`
    /// and `clear`, which may empty it), finishing any migration on the way.
    pub(crate) fn shrink_to_fit(&self, guard: &Guard) {
        self.finish_migration(guard);
        let root = self.root(guard);
        if sizing::is_sparse(self.count.sum(), root.cap, self.min_cap) {
            root.resize.begin_sealing();
            self.finish_migration(guard);
        }
    }

    /// Make the root hold `entries` entries before it grows (`reserve`): finish any
    /// migration, and if the root is smaller than `entries` calls for, migrate it to a
    /// table of that size, this thread copying every block itself (as
    /// `finish_migration`; concurrent writers help as usual). The root is then at least
    /// that size unless a concurrent shrink (removes that made it sparse) replaced it
    /// again; that is retried a few times, then left to the next insert's growth, so a
    /// reserve racing a stream of removes cannot spin.
    ///
    /// Panics with "capacity overflow" if the table size does not fit in `usize`.
    pub(crate) fn reserve(&self, entries: usize, guard: &Guard) {
        let cap = capacity_for(entries).unwrap_or_else(|| panic!("splitmap: capacity overflow"));
        for _ in 0..RESERVE_TRIES {
            self.finish_migration(guard);
            let root = self.root(guard);
            if root.cap >= cap {
                return;
            }
            // As `start_migration`: a `next` published meanwhile (or a seal's) wins,
            // and the loop looks at the size it gave.
            if next_of(root, guard).is_none() && !root.resize.is_sealing() {
                let (_, removed) = self.count.sums();
                let copies = Copies::AtMost(root.len());
                self.publish_next(root, cap, false, copies, removed, guard);
            }
        }
        self.finish_migration(guard);
    }

    /// The `next` of `table` (the root), allocating it if needed. The new table keeps
    /// `table`'s probe cap, doubled if `widen`. A table that would be smaller than
    /// `table` is a shrink: it is sized only after sealing (module docs, "Shrinks").
    fn start_migration<'g>(
        &self,
        table: &'g Table<S>,
        widen: bool,
        guard: &'g Guard,
    ) -> &'g Table<S> {
        if let Some(next) = next_of(table, guard) {
            return next;
        }
        if table.resize.is_sealing() {
            return self.finish_seal(table, guard);
        }
        // One pass over the counter stripes gives both the size and the new table's
        // removal baseline.
        let (live, removed) = self.count.sums();
        let cap = self.next_capacity(table, live, widen);
        if cap < table.cap {
            table.resize.begin_sealing();
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
        table: &'g Table<S>,
        cap: usize,
        widen: bool,
        copies: Copies,
        removed: usize,
        _guard: &'g Guard,
    ) -> &'g Table<S> {
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
        table_new.resize.removed_base = removed;
        let new = Box::into_raw(Box::new(table_new));
        // AcqRel: Release publishes the initialised table; Acquire (also on failure)
        // lets us use the winner's table.
        match table.resize.next.compare_exchange(
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
    fn finish_seal<'g>(&self, table: &'g Table<S>, guard: &'g Guard) -> &'g Table<S> {
        if let Some(next) = next_of(table, guard) {
            return next;
        }
        let mut live = 0;
        for k in 0..table.nblocks() {
            // Acquire: pairs with the sealing CAS, so the count it stored is final.
            let mut state = table.resize.blocks[k].load(Ordering::Acquire);
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
    fn help_seal(&self, root: &Table<S>, guard: &Guard) {
        let nblocks = root.nblocks();
        let seal_claim = &root.resize.seal_claim;
        let mut slots = 0;
        // Relaxed: as `claim` in `help`; the block-state CAS orders the seal.
        while seal_claim.load(Ordering::Relaxed) < nblocks {
            let k = seal_claim.fetch_add(1, Ordering::Relaxed);
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
    fn next_capacity(&self, table: &Table<S>, live: usize, widen: bool) -> usize {
        sizing::next_capacity(table.cap, self.min_cap, live, widen)
    }
}

/// Seal block `k` of a table that a shrink is sealing: freeze every slot and record
/// how many are live in the block state (`BLOCK_SEALED + n`). Returns the block's state
/// afterwards (sealed by us or by a racing sealer, or already DONE).
///
/// The count is exact and the same for every sealer: a frozen slot never changes
/// before it is copied (I2), no copy happens before `next` exists, and each sealer
/// counts a slot only after freezing it itself.
fn seal_block<S: SlotKind>(table: &Table<S>, k: usize) -> u8 {
    let mut live = 0u8;
    for idx in table.block_range(k) {
        live += u8::from(table.slots.freeze(idx) == Held::Entry);
    }
    // AcqRel: Release publishes our freezes with the count to the thread that sizes
    // `next` from it; Acquire (also on failure) lets us use a racing sealer's count.
    match table.resize.blocks[k].compare_exchange(
        BLOCK_OPEN,
        BLOCK_SEALED + live,
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => BLOCK_SEALED + live,
        Err(actual) => actual,
    }
}

/// One migration, from `old` to its `next`, as one thread under `guard` sees it: what
/// every step of copying a block needs, in one place.
struct Migration<'g, S> {
    old: &'g Table<S>,
    next: &'g Table<S>,
    /// The map's root pointer, which the last finished block moves to `next`.
    root: &'g AtomicPtr<Table<S>>,
    /// A real pin, never `unprotected()`: promotion (in `finish_copy` or `mark_done`)
    /// retires `old` while this thread may still read it, which is only safe because
    /// the retirement is deferred until this guard is dropped.
    guard: &'g Guard,
}

impl<S: SlotKind + Send + 'static> Migration<'_, S> {
    /// Copy every unfinished block of `old` into `next`, then promote.
    fn finish_copy(&self) {
        for k in 0..self.old.nblocks() {
            // Acquire: a DONE block's copies are visible to us, and so to whoever we
            // promote for.
            let state = self.old.resize.blocks[k].load(Ordering::Acquire);
            if state != BLOCK_DONE {
                self.copy_block_in(state, k);
            }
        }
        // Every block is DONE now (we saw or made each transition), so promotion is
        // safe even if a winner of a block CAS has not yet added to `done`.
        promote(self.old, self.root, self.guard);
    }

    /// Copy block `k` of `old`, mark it DONE and count it; promote if it was the last.
    /// Returns the number of entries this call installed in `next`.
    fn copy_block(&self, k: usize) -> usize {
        // Acquire: pairs with the sealing CAS, so a sealed block's freezes are visible.
        let state = self.old.resize.blocks[k].load(Ordering::Acquire);
        self.copy_block_in(state, k)
    }

    /// `copy_block`, for a block whose state the caller just loaded (Acquire) as
    /// `sealed`.
    fn copy_block_in(&self, sealed: u8, k: usize) -> usize {
        if sealed == BLOCK_DONE {
            return 0;
        }
        let range = self.old.block_range(k);
        // A sealed block is frozen already: its live slots are copied with a load
        // instead of a second freeze, and one the seal found without live entries (most
        // of a sparse shrink) has nothing to copy at all.
        let copied = if sealed == BLOCK_SEALED {
            0
        } else {
            // SAFETY: `next` is `old`'s `next` and both are reachable under `guard`
            // (every `Migration` is made from tables loaded from `root` or from `old`
            // under it; I7); `range` is one block.
            unsafe { S::copy_range(self.old, self.next, range.clone(), sealed > BLOCK_SEALED) }
        };
        self.mark_done(sealed, k, range);
        copied
    }

    /// Mark block `k` of `old` (last seen in state `seen`, slots `range`) DONE after its
    /// slots were copied, credit `next` with the room the block did not need, count it,
    /// and promote if it was the last.
    fn mark_done(&self, seen: u8, k: usize, range: std::ops::Range<usize>) {
        // Mark the block DONE. AcqRel: Release publishes our copies to whoever reads
        // DONE; Acquire orders other threads' copies of slots in this block (which we
        // observed) before our count. A block is OPEN or SEALED (a shrink's seal counted
        // it) before; `seen` is the state the caller loaded, the usual expected value.
        let (old, blocks) = (self.old, &self.old.resize.blocks);
        let mut state = seen;
        let won = loop {
            if state == BLOCK_DONE {
                break None;
            }
            match blocks[k].compare_exchange(state, BLOCK_DONE, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(before) => break Some(before),
                Err(actual) => state = actual,
            }
        };
        let Some(before) = won else { return };
        if before == BLOCK_OPEN {
            // Room for this block was reserved slot by slot (I8); hand back what its
            // copies did not use. Every slot is final now (we froze and copied each),
            // so the count of COPIED slots is exact.
            let used = range.clone().filter(|&i| old.slots.is_copied(i)).count();
            self.next.resize.add_room((range.len() - used) as isize);
        }
        // Only the winner of the block transition counts it (exactly once per block).
        // AcqRel: the RMW chain on `done` carries every block's copies to the thread
        // that brings it to `nblocks`.
        let done = old.resize.done.fetch_add(1, Ordering::AcqRel) + 1;
        #[cfg(splitmap_loom)]
        crate::sync::loom_stats::bump(crate::sync::loom_stats::BLOCK_DONE);
        debug_assert!(done <= old.nblocks(), "progress counter overshot: {done}");
        if done == old.nblocks() {
            promote(old, self.root, self.guard);
        }
    }
}

/// Move `root` from `old` to `old.next`; the winner retires `old`.
///
/// Callers have established that every block of `old` is DONE (I5).
fn promote<S: Send + 'static>(old: &Table<S>, root: &AtomicPtr<Table<S>>, guard: &Guard) {
    let old_ptr = old as *const Table<S> as *mut Table<S>;
    let next = old.resize.next.load(Ordering::Acquire);
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
        // only the arrays and what the kind's slots own beyond live entries (I6), and
        // `S: Send + 'static`, so it may run on any thread, later.
        // SAFETY: I5: our CAS unlinked `old` from `root`, exactly once; I7: `guard` is a
        // real pin, so `old` stays valid for the rest of our operation.
        unsafe { guard.defer_unchecked(move || drop(Box::from_raw(old_ptr))) };
        // Hand the table to the global queue now. crossbeam keeps deferred functions in
        // a thread-local bag of 64 until it fills, and a map whose writes retire
        // nothing else (WordMap) fills it only with tables: 64 retired tables per
        // thread sat there, 166 MiB for a 4 MiB map in `tests/memory.rs`. One flush per
        // migration costs nothing next to the migration. Not under loom: it changes
        // only when crossbeam frees what was already retired, and exploring crossbeam's
        // collection inside every promotion doubled the longest model (m03: 3.0 M
        // executions, 1,000 s); each model's teardown still frees every table and
        // checks it was freed once.
        #[cfg(not(splitmap_loom))]
        crate::raw::reclaim::flush(guard);
    }
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
                    assert!(map.insert(k, k).is_none());
                }
                for k in keys {
                    assert!(map.remove(&k).is_some());
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
