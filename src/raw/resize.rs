//! The migration bookkeeping of one table, the same for every slot kind: the link to
//! the next table, block claims and states, the progress counter, the seal, and the
//! room for direct inserts (I8). Only the driver (`migrate.rs`) changes it.

use crate::sync::{AtomicIsize, AtomicPtr, AtomicU8, AtomicUsize, Ordering};
use crossbeam_utils::CachePadded;

/// Block states (`ResizeState::blocks`). A block goes OPEN -> DONE in a migration that
/// started without sealing, OPEN -> SEALED + n -> DONE in a shrink (n <= `BLOCK` live
/// entries, so the state fits a byte).
pub(crate) const BLOCK_OPEN: u8 = 0;
pub(crate) const BLOCK_DONE: u8 = 1;
pub(crate) const BLOCK_SEALED: u8 = 2;
const _: () = assert!(BLOCK_SEALED as usize + super::table::BLOCK <= u8::MAX as usize);

/// The resize state of a table whose successor has type `T` (a `Table` of the same kind).
pub(crate) struct ResizeState<T> {
    /// The table this one migrates into; null until a migration starts. Set once.
    pub(crate) next: AtomicPtr<T>,
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
    sealing: AtomicU8,
    /// While this table is the target of a migration: how many more new keys writers
    /// may insert into it directly (I8). Set before the table is published.
    /// Padded: every direct insert during a migration CASes it, and it must not
    /// invalidate the line with the slots, `shift` and `next` that every operation reads.
    room: CachePadded<AtomicIsize>,
    /// The map's removal count when this table was created: removals since then are
    /// (about) this table's tombstones, which the sizing policy weighs
    /// (`sizing::should_migrate`). Set before the table is published.
    pub(crate) removed_base: usize,
}

impl<T> ResizeState<T> {
    /// The state of a new table of `nblocks` blocks: no migration, no room.
    pub(crate) fn new(nblocks: usize) -> Self {
        ResizeState {
            next: AtomicPtr::new(std::ptr::null_mut()),
            claim: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            blocks: (0..nblocks).map(|_| AtomicU8::new(BLOCK_OPEN)).collect(),
            seal_claim: AtomicUsize::new(0),
            sealing: AtomicU8::new(0),
            room: CachePadded::new(AtomicIsize::new(0)),
            removed_base: 0,
        }
    }

    #[inline]
    pub(crate) fn nblocks(&self) -> usize {
        self.blocks.len()
    }

    /// Is a migration (or a seal that leads to one) under way? Relaxed: a hint that
    /// decides only whether to help; `help` re-reads `next` and `sealing` with Acquire.
    #[inline]
    pub(crate) fn is_moving_hint(&self) -> bool {
        !self.next.load(Ordering::Relaxed).is_null() || self.sealing.load(Ordering::Relaxed) != 0
    }

    /// Set the room of a table not yet published: `fill - copies` direct inserts until
    /// finished blocks credit more (I8).
    pub(crate) fn set_room(&mut self, copies: usize, fill: usize) {
        let room =
            fill.min(isize::MAX as usize) as isize - copies.min(isize::MAX as usize) as isize;
        self.room = CachePadded::new(AtomicIsize::new(room));
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
}
