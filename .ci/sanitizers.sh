#!/usr/bin/env bash
# Run the test suite under the sanitizers (nightly only; see docs/testing.md).
#
#   .ci/sanitizers.sh          # both
#   .ci/sanitizers.sh tsan     # ThreadSanitizer over the multi-threaded tests only
#   .ci/sanitizers.sh asan     # AddressSanitizer + LeakSanitizer over every test target
#
# Each sanitizer builds into its own target directory (target/tsan, target/asan) so it
# never invalidates the normal build. Doctests are not run (rustdoc would need the
# sanitizer flags too, and they duplicate the examples the tests already cover).
set -euo pipefail

# Test files (tests/<name>.rs) run under ThreadSanitizer: the multi-threaded ones.
TSAN_TESTS="stress shrink_race word_stress"

TARGET=x86_64-unknown-linux-gnu

# As in crossbeam's own sanitizer CI: `--cfg crossbeam_sanitize` makes crossbeam-epoch
# seal a bag every 4 deferred frees (not 64) and free every expired bag on each collection
# (not 8), so removed entries and retired tables are freed as early as the epoch rules
# allow. A premature free in splitmap then becomes a use-after-free that the sanitizer
# sees, instead of memory that happens to still be allocated.
SAN_CFG="--cfg crossbeam_sanitize"

cd "$(dirname "$0")/.."

what="${1:-all}"

run_tsan() {
    local args=()
    for t in $TSAN_TESTS; do
        args+=(--test "$t")
    done
    echo "== ThreadSanitizer: ${TSAN_TESTS}"
    # std is not rebuilt with the sanitizer (no rust-src here), so the ABI check must be
    # waived; crossbeam's build scripts see `sanitize=thread` and switch to the
    # TSan-friendly code paths (`crossbeam_sanitize_thread`), see .ci/tsan.supp.
    # At 0.1 scale (tests/common/mod.rs, `scale`): TSan reports a race from one run of
    # the racing code, not from a million, and at full scale `shrink_race` took 50 s in
    # one run and 760 s in another (2026-12-06: a sealed shrink's copies probed
    # thousands of slots of a clogged `next`; docs/testing.md, "sanitizers", "Scale").
    # At 0.3 it took 17 s in one run and 127 s in the next: the blow-up grows with
    # the square of the map size.
    SPLITMAP_STRESS_SCALE="${SPLITMAP_STRESS_SCALE:-0.1}" \
    RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer $SAN_CFG" \
    TSAN_OPTIONS="suppressions=$PWD/.ci/tsan.supp halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
    CARGO_TARGET_DIR=target/tsan \
        cargo +nightly test --target "$TARGET" --no-fail-fast "${args[@]}"
}

run_asan() {
    echo "== AddressSanitizer + LeakSanitizer: every test target (no doctests)"
    # detect_leaks=1 is the default on x86_64 Linux; spelled out so it is not lost.
    RUSTFLAGS="-Zsanitizer=address $SAN_CFG" \
    ASAN_OPTIONS="detect_leaks=1 ${ASAN_OPTIONS:-}" \
    LSAN_OPTIONS="suppressions=$PWD/.ci/lsan.supp print_suppressions=1 ${LSAN_OPTIONS:-}" \
    CARGO_TARGET_DIR=target/asan \
        cargo +nightly test --target "$TARGET" --tests --no-fail-fast
}

case "$what" in
    tsan) run_tsan ;;
    asan) run_asan ;;
    all)
        # Run both even if the first fails, then fail if either did.
        status=0
        run_tsan || { status=$?; echo "== ThreadSanitizer run FAILED (exit $status)" >&2; }
        run_asan || { status=$?; echo "== AddressSanitizer run FAILED (exit $status)" >&2; }
        exit "$status"
        ;;
    *)
        echo "usage: $0 [tsan|asan|all]" >&2
        exit 2
        ;;
esac
