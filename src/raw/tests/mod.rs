//! Loom models of the migration driver, inside the crate (tokio's `loom_*` style) so
//! they can drive `Tables` directly: start a migration, help, seal, finish, and read
//! the resize state, with no public API, hash inversion or hidden export in between.
//! Every model is generic over a map of some slot kind (`ModelMap`) and instantiated
//! for every kind by `models_for_kind!` at the bottom: adding a kind adds one line.
//!
//! ```text
//! RUSTFLAGS="--cfg splitmap_loom --cfg crossbeam_loom --cfg crossbeam_sanitize" \
//!   CARGO_TARGET_DIR=target/loom cargo test --release --lib raw::tests
//! ```
//! (`.ci/loom.sh` runs these and the public map's models in `tests/loom.rs`.)
//!
//! Under loom a table has `BLOCK = 2` slots per block and a probe limit of 2, and a
//! model's keys are their own hashes, so each key's home slot is chosen here: its top
//! bits (`key(top, id)`).

mod loom_driver;
mod loom_inline;
mod loom_reclaim;

use crossbeam_epoch as epoch;

use super::boxed::{Decision, KeyRef, Outcome, RawMap};
use super::inline::{RawWordMap, WordOp};
use super::kind::SlotKind;
use super::migrate::Tables;
use crate::sync::loom_stats;

/// What a model needs from a map of one slot kind: its chain of tables, and inserts,
/// removes and lookups of `u64` keys that are their own hashes (values are the keys).
pub(super) trait ModelMap: Send + Sync + 'static {
    type Kind: SlotKind + Send + 'static;
    fn with_capacity(entries: usize) -> Self;
    fn tables(&self) -> &Tables<Self::Kind>;
    /// Insert `key` if absent; true if it was.
    fn insert(&self, key: u64) -> bool;
    /// Remove `key`; true if it was present.
    fn remove(&self, key: u64) -> bool;
    fn contains(&self, key: u64) -> bool;
}

impl ModelMap for RawMap<u64, u64> {
    type Kind = super::boxed::BoxedSlots<u64, u64>;

    fn with_capacity(entries: usize) -> Self {
        RawMap::with_capacity(entries)
    }
    fn tables(&self) -> &Tables<Self::Kind> {
        &self.tables
    }
    fn insert(&self, key: u64) -> bool {
        let guard = epoch::pin();
        let m = self.modify(
            key,
            KeyRef::<u64, u64>::Owned(Some(key)),
            &guard,
            |cur, _| match cur {
                Some(_) => Decision::Keep,
                None => Decision::Insert {
                    key: None,
                    value: key,
                },
            },
        );
        m.outcome == Outcome::Inserted
    }
    fn remove(&self, key: u64) -> bool {
        let guard = epoch::pin();
        let m = self.modify(key, KeyRef::Borrowed(&key), &guard, |cur, _| match cur {
            Some(_) => Decision::Remove,
            None => Decision::Keep,
        });
        m.outcome == Outcome::Removed
    }
    fn contains(&self, key: u64) -> bool {
        let guard = epoch::pin();
        self.find(key, &key, &guard).map(|e| e.value) == Some(key)
    }
}

impl ModelMap for RawWordMap {
    type Kind = super::inline::InlineSlots;

    fn with_capacity(entries: usize) -> Self {
        RawWordMap::with_capacity(entries)
    }
    fn tables(&self) -> &Tables<Self::Kind> {
        &self.tables
    }
    fn insert(&self, key: u64) -> bool {
        let guard = epoch::pin();
        let w = self.modify(key, key, &guard, |cur| match cur {
            Some(_) => WordOp::Keep,
            None => WordOp::Set(key),
        });
        w.prev.is_none() && w.op == WordOp::Set(key)
    }
    fn remove(&self, key: u64) -> bool {
        let guard = epoch::pin();
        self.modify(key, key, &guard, |_| WordOp::Remove).op == WordOp::Remove
    }
    fn contains(&self, key: u64) -> bool {
        let guard = epoch::pin();
        self.find(key, key, &guard) == Some(key)
    }
}

/// A key (and hash) whose top nibble is `top`: its home slot is the top `log2(cap)`
/// bits, e.g. `top >> 3` in a 2-slot table, `top >> 1` in an 8-slot one.
pub(super) const fn key(top: u64, id: u64) -> u64 {
    (top << 60) | id
}

/// Run `f` under loom, checking after each execution's teardown (which runs every
/// deferred destructor) that every table it made was freed exactly once.
pub(super) fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_BRANCHES").is_none() {
        // One map operation under crossbeam-epoch is a few hundred loom operations.
        builder.max_branches = 100_000;
    }
    let executions = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = executions.clone();
    let start = std::time::Instant::now();
    builder.check(move || {
        if counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed) > 0 {
            tables_all_freed();
        }
        loom_stats::reset();
        f()
    });
    tables_all_freed();
    eprintln!(
        "loom: {} executions in {:.1?}",
        executions.load(std::sync::atomic::Ordering::Relaxed),
        start.elapsed()
    );
}

fn tables_all_freed() {
    let [made, freed, ..] = loom_stats::get();
    assert_eq!(made, freed, "tables allocated vs freed");
}

/// Instantiate every driver model for one kind's map.
macro_rules! models_for_kind {
    ($kind:ident, $map:ty) => {
        mod $kind {
            use super::loom_driver as d;
            #[allow(unused_imports)] // the kind's map type, named at the call
            use super::*;

            #[test]
            fn grow_helpers_copy_every_entry_once() {
                d::grow_helpers_copy_every_entry_once::<$map>();
            }
            #[test]
            fn shrink_seal_racing_inserts_keeps_room() {
                d::shrink_seal_racing_inserts_keeps_room::<$map>();
            }
            #[test]
            fn reads_never_miss_during_a_seal() {
                d::reads_never_miss_during_a_seal::<$map>();
            }
        }
    };
}

models_for_kind!(boxed, RawMap<u64, u64>);
models_for_kind!(inline, RawWordMap);

/// The inline kind's own models (`loom_inline.rs`).
mod inline_slots {
    use super::loom_inline as m;

    #[test]
    fn insert_races_insert_of_the_same_key() {
        m::insert_races_insert_of_the_same_key();
    }
    #[test]
    fn update_races_freeze() {
        m::update_races_freeze();
    }
    #[test]
    fn remove_then_revive_races_freeze() {
        m::remove_then_revive_races_freeze();
    }
    #[test]
    fn iteration_races_an_insert() {
        m::iteration_races_an_insert();
    }
    #[test]
    fn late_copier_never_overwrites_a_newer_write() {
        m::late_copier_never_overwrites_a_newer_write();
    }
}

/// The reclamation queue's model (`loom_reclaim.rs`).
mod reclaim_queue {
    #[test]
    fn retired_entry_outlives_pinned_readers() {
        super::loom_reclaim::retired_entry_outlives_pinned_readers();
    }
    #[test]
    fn batched_entries_outlive_pinned_readers() {
        super::loom_reclaim::batched_entries_outlive_pinned_readers();
    }
}
