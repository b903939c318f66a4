#!/usr/bin/env bash
# Run the loom models in tests/loom.rs: every interleaving (up to 2 preemptions) of the
# migration protocol's atomics in the design's ten scenarios, with crossbeam-epoch on
# loom's atomics too. See docs/testing.md, section "loom".
#
#   .ci/loom.sh          # all models: about 1 minute on two cores once built
#   .ci/loom.sh m04      # only the models whose name contains "m04"
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
cargo test --release --test loom "$@" -- --nocapture
echo "loom models took $(( $(date +%s) - start )) s (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
