//! Helpers shared by the multi-threaded test files.

/// `n` times `SPLITMAP_STRESS_SCALE` (default 1): `SPLITMAP_STRESS_SCALE=10` makes every
/// stress test ten times longer (used by the ignored long runs and by hand).
pub(crate) fn scale(n: u64) -> u64 {
    let s: u64 = std::env::var("SPLITMAP_STRESS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    n * s
}
