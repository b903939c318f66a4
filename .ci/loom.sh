#!/usr/bin/env bash
# Run the loom models: every interleaving (up to 2 preemptions) of the migration
# protocol's atomics, with crossbeam-epoch on loom's atomics too. Two sets: the
# migration driver's models inside the crate (src/raw/tests/, run against every slot
# kind), then the public map's models in tests/loom.rs. See docs/testing.md, "loom".
#
#   .ci/loom.sh          # all models: about 8 minutes on two cores once built
#   .ci/loom.sh m04      # only the public map's models whose name contains "m04"
#   .ci/loom.sh boxed::shrink   # only the driver models under raw::tests::boxed::shrink
#
# A separate target folder keeps these cfg-flagged builds from invalidating the normal
# ones (building it from scratch takes a few minutes). The harness runs two models at
# a time; each prints its number of executions.
set -euo pipefail

cd "$(dirname "$0")/.."

export RUSTFLAGS="--cfg splitmap_loom --cfg crossbeam_loom --cfg crossbeam_sanitize"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/loom}"

start=$(date +%s)
# The driver's models: the lib's other unit tests are not loom models, so the filter
# always starts with raw::tests:: (and a filter meant for tests/loom.rs selects none).
cargo test --release --lib "raw::tests::${1:-}" -- --nocapture
cargo test --release --test loom "$@" -- --nocapture
echo "loom models took $(( $(date +%s) - start )) s (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
