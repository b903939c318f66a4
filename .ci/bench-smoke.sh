#!/usr/bin/env bash
# Bench smoke test: every bench and example builds, and the throughput bench runs end to end
# in QUICK mode (tiny sizes, one repeat; well under a minute once built). The numbers it prints
# mean nothing; docs/benchmarks.md says how to run the real thing.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo bench --no-run"
cargo bench --no-run

echo "== QUICK=1 cargo bench --bench throughput"
# A separate output folder, so a smoke run never overwrites the results of a full run.
start=$(date +%s)
QUICK=1 BENCH_OUT="${BENCH_OUT:-target/bench-out-quick}" cargo bench --bench throughput
echo "throughput smoke run took $(( $(date +%s) - start )) s"

echo "== QUICK=1 cargo bench --bench word_count"
QUICK=1 WC_THREADS=1,2 cargo bench --bench word_count
