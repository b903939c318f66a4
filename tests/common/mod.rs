//! Helpers shared by the multi-threaded test files.

/// `n` times `SPLITMAP_STRESS_SCALE` (default 1, at least 1 iteration):
/// `SPLITMAP_STRESS_SCALE=10` makes every stress test ten times longer (the ignored long
/// runs, by hand); a fraction shortens them (`.ci/sanitizers.sh` runs the stress tests
/// under ThreadSanitizer at 0.1: at full scale `shrink_race` once took 760 s there, and
/// TSan needs each racy path to run, not to run a million times).
pub(crate) fn scale(n: u64) -> u64 {
    let s: f64 = std::env::var("SPLITMAP_STRESS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0);
    ((n as f64 * s) as u64).max(1)
}

/// Run `f(t)` on `n` scoped threads and join each one explicitly. (ThreadSanitizer does
/// not see the implicit join at the end of `thread::scope`, which happens inside the
/// uninstrumented std, and would report the map's drop as racing with the workers.)
#[allow(dead_code)] // not every test binary that includes this module uses it
pub(crate) fn on_threads<F: Fn(u64) + Sync>(n: u64, f: F) {
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = (0..n).map(|t| s.spawn(move || f(t))).collect();
        for h in handles {
            h.join().unwrap();
        }
    });
}

/// Sets the flag when dropped, so background threads stop even if the test thread
/// panics (otherwise the scope would wait for them forever).
#[allow(dead_code)] // as `on_threads`
pub(crate) struct StopOnDrop<'a>(pub(crate) &'a std::sync::atomic::AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}
