//! The sizing policy: when a table is worth rebuilding and how big the next one is.
//! Pure functions of counts and capacities, written once here and unit-tested with a
//! table of cases; the migration driver (`migrate.rs`) only calls them.
//!
//! Loads are `live / cap`, with `cap` the table's home slots (a power of two).

/// At least half full: grow.
#[inline]
pub(crate) fn is_crowded(live: usize, cap: usize) -> bool {
    live >= cap / 2
}

/// At most 1/8 full and above the map's minimum: shrink.
#[inline]
pub(crate) fn is_sparse(live: usize, cap: usize, min_cap: usize) -> bool {
    cap > min_cap && live <= cap / 8
}

/// Is it worth migrating a table because an insert probed `dist` slots, `tombs` of them
/// tombstones, with `live` entries and about `tombstones` tombstones in the whole
/// table? Yes if it is crowded (grow), sparse (shrink), or if tombstones clog both the
/// probe and the table: a purge copies the whole table, so it is started only when live
/// entries plus tombstones fill half of it. (Without that global check, a few thousand
/// keys removed and re-inserted over and over, a cache's working set, pile tombstones
/// into their own clusters and purged a 4M-slot table every ~115k inserts.)
pub(crate) fn should_migrate(
    cap: usize,
    min_cap: usize,
    live: usize,
    tombstones: usize,
    dist: usize,
    tombs: usize,
) -> bool {
    is_crowded(live, cap)
        || (tombs * 4 >= dist && is_crowded(live.saturating_add(tombstones), cap))
        || is_sparse(live, cap, min_cap)
}

/// Capacity of the table that replaces one of capacity `cap` holding `live` entries:
/// double while crowded, halve while sparse (not below `min_cap`), else the same size.
///
/// A same-size rebuild clears tombstones (a purge). Under steady churn (inserts of
/// new keys balanced by removes) purges recur, each copying the whole table, and the
/// fuller the table the sooner the next one comes: at load `l`, only about
/// `(0.5 - l) * cap` inserts fit before long probes trigger the next purge, while
/// each purge copies `cap` slots and `l * cap` entries. So a purge of a table more
/// than 5/16 full doubles instead, leaving it 5/32..1/4 full. That bounds the copy
/// work to a few slots per insert at the cost of a larger slot array. The bound is
/// 5/16, not 1/4, for hysteresis: the doubled table must not be sparse enough to
/// shrink (1/8) until the live count falls by a fifth. (With 1/4, a map holding
/// exactly `cap/4` keys, which is where growth leaves power-of-two counts, doubled on
/// every purge and shrank on the next removes, copying everything each time.) Not
/// for `widen` rebuilds: their probes are long because of the hash, not tombstones.
///
/// Panics with "capacity overflow" if doubling past `usize::MAX` would be needed
/// (`live` near `usize::MAX / 2`, which no map in memory reaches).
pub(crate) fn next_capacity(cap: usize, min_cap: usize, live: usize, widen: bool) -> usize {
    let mut next = cap;
    while is_crowded(live, next) {
        next = next
            .checked_mul(2)
            .unwrap_or_else(|| panic!("splitmap: capacity overflow"));
    }
    while is_sparse(live, next, min_cap) {
        next /= 2;
    }
    if next == cap && !widen && live as u128 * 16 > next as u128 * 5 {
        // Past `usize::MAX / 2` stay put rather than panic: a purge never needs room.
        next = next.checked_mul(2).unwrap_or(next);
    }
    next.max(min_cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_capacity_cases() {
        // (cap, min_cap, live, widen) -> next
        let cases: &[(usize, usize, usize, bool, usize)] = &[
            (8, 2, 4, false, 16),       // half full: grow
            (8, 2, 3, false, 16),       // 3/8 > 5/16: the purge doubles
            (16, 2, 5, false, 16),      // exactly 5/16: a plain purge
            (16, 2, 6, false, 32),      // above 5/16: a purge doubles
            (16, 2, 6, true, 16),       // ... but not when widening
            (1024, 2, 100, false, 512), // 100 > 1024/16: halve once
            (1024, 2, 0, false, 2),     // empty: down to the minimum
            (1024, 256, 0, false, 256), // never below the minimum
            (2, 2, 1, false, 4),        // tiny table, half full
            (8, 2, 100, false, 256),    // far too small: double until under half
        ];
        for &(cap, min, live, widen, want) in cases {
            let got = next_capacity(cap, min, live, widen);
            assert_eq!(got, want, "next_capacity({cap}, {min}, {live}, {widen})");
        }
    }

    #[test]
    fn migration_triggers() {
        // (cap, min_cap, live, tombstones, dist, tombs) -> migrate?
        let cases: &[(usize, usize, usize, usize, usize, usize, bool)] = &[
            (64, 2, 32, 0, 20, 0, true),   // crowded
            (64, 2, 20, 0, 20, 0, false),  // a live cluster: go past the limit
            (64, 2, 20, 12, 20, 5, true),  // tombstones in the probe and the table
            (64, 2, 20, 11, 20, 5, false), // ... but not yet half the table
            (64, 2, 20, 40, 20, 4, false), // tombstones elsewhere, not in this probe
            (64, 2, 8, 0, 20, 0, true),    // sparse: shrink
            (64, 64, 8, 0, 20, 0, false),  // ... not below the minimum
        ];
        for &(cap, min, live, tombstones, dist, tombs, want) in cases {
            assert_eq!(
                should_migrate(cap, min, live, tombstones, dist, tombs),
                want,
                "should_migrate({cap}, {min}, {live}, {tombstones}, {dist}, {tombs})"
            );
        }
    }
}
