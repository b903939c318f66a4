#!/usr/bin/env bash
# Run the loom models in tests/loom.rs: every interleaving of the migration protocol's
# atomics (preemption bound 2) in ten small scenarios, with crossbeam-epoch swapped to
# loom's atomics too. See docs/testing.md, section "loom".
#
#   .ci/loom.sh                 # all models
#   .ci/loom.sh m02             # models whose name contains "m02"
#
# A separate target folder keeps these cfg-flagged builds from invalidating the normal
# ones. Takes several minutes on two cores (the models run two at a time).
set -euo pipefail

cd "$(dirname "$0")/.."

export RUSTFLAGS="--cfg splitmap_loom --cfg crossbeam_loom --cfg crossbeam_sanitize"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/loom}"

start=$(date +%s)
cargo test --release --test loom "$@" -- --nocapture
echo "loom models took $(( $(date +%s) - start )) s (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS)"
