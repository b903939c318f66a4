//! The lock-free tables: every line of unsafe code in the crate lives under this module.
//!
//! A map is a split-ordered open-addressing table of atomic slots with cooperative
//! incremental migration and crossbeam-epoch reclamation. The layout:
//!
//! - [`migrate`]: the migration driver (`Tables`), written once for every slot kind;
//!   [`resize`] its per-table state, [`sizing`] its policy (pure functions),
//!   [`table`] a table's geometry, [`counter`] the striped live count.
//! - [`guarded`]: an entry together with the pin that keeps it alive (the map's
//!   `get` returns one).
//! - [`reclaim`]: when retired entries are freed and by whom (batches of 64 per
//!   crossbeam deferral, small release steps, reused blocks).
//! - [`kind`]: the seam, `SlotKind`: what the driver needs from a kind of slot.
//! - [`boxed`]: the boxed kind, whose slots point to heap entries (any `K`, `V`), and
//!   `RawMap`, the map over it; the public `crate::HashMap` is a safe shell over that.
//! - [`inline`]: the inline kind, whose slots hold a key word and a value word (with
//!   its state) themselves, and `RawWordMap`; `crate::WordMap` is its safe shell.
//! - `tests/`: loom models of the driver, run against every kind (under `--cfg
//!   splitmap_loom`).
//!
//! The invariants below are numbered once here and cited by every `// SAFETY:`
//! comment. I4, I5, I7 and I8 are the driver's; I1, I2, I3 and I6 are stated for the
//! boxed kind's words and entries, and a new kind keeps their equivalents
//! (`docs/design.md`, "Adding a slot kind").
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
//!   under a guard stays valid until that guard is dropped. Pins nest: a guard pinned
//!   on a thread while another guard of that thread is alive keeps the thread at the
//!   earlier guard's epoch, so it protects the same things until it, too, is dropped
//!   (`guarded`, which hands entries out with nested pins, relies on this).
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
//! | `claim`, `seal_claim`, length and removal stripes | Relaxed | hints and statistics; no data is published through them |
//! | `sealing` flag | Release / Acquire | whoever sees a sealer's frozen slot sees the flag |
//! | sealing block CAS | AcqRel | the thread sizing `next` from the counts sees every freeze |
//! | `room` | Relaxed | a pure count (I8); publishes nothing |
//!
//! There is no `SeqCst` in the table protocol: each race is decided by an RMW on one
//! location (a slot word, `next`, `root`, a block state).
//!
//! # Reclamation
//!
//! A replaced or removed entry is retired through the epoch (`reclaim::retire`, which
//! defers it in a batch of 64 and queues it for release in small steps once its grace
//! period is over) unless it is
//! BORROWED and the old table that reaches it is still root (I6). Retired tables free
//! their arrays and their borrowed list, never the live entries, which now belong to
//! `next`. Long-held guards delay all of this: memory is freed only after every guard
//! pinned before the retirement is dropped.

mod address_order;
pub(crate) mod boxed;
mod counter;
mod guarded;
mod inline;
mod kind;
mod migrate;
pub(crate) mod reclaim;
mod resize;
mod sizing;
mod table;
#[cfg(all(test, splitmap_loom))]
mod tests;
mod zeroed;

pub(crate) use boxed::{Decision, Entry, KeyRef, Modified, Outcome, RawIter, RawMap};
pub(crate) use guarded::{Guarded, KeptIter};
pub(crate) use inline::{RawWordIter, RawWordMap, WordOp, Written};
