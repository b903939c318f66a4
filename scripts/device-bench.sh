#!/usr/bin/env bash
# The 16-core run behind docs/benchmarks.md: a throughput bench binary built elsewhere
# (`cargo bench --bench throughput --no-run`), run on a borrowed many-core machine in
# one go, under hard time limits, so a machine lent for a few minutes still returns
# results. Every line the bench prints is kept (the progress lines hold every number).
#
#   scripts/device-bench.sh target/release/deps/throughput-<hash> OUT_DIR
set -uo pipefail
bin=$1
out=$2
mkdir -p "$out"
{
    nproc
    lscpu | grep -E "Model name|^CPU\(s\)|Thread|Core|Socket|L2|L3|NUMA node\(s\)"
    ldd --version | head -1
    uptime
    date -u
} > "$out/machine.txt" 2>&1
export MAPS="${MAPS:-splitmap,std,mutex,rwlock,dashmap,papaya,scc}"
export THREADS="${THREADS:-1,2,4,8,16}"
export REPEATS="${REPEATS:-3}"
SECTIONS=throughput BENCH_OUT="$out/throughput" timeout "${TP_LIMIT:-330}" "$bin" --bench 2>&1 |
    tee "$out/throughput.log"
SECTIONS=latency BENCH_OUT="$out/latency" timeout "${LAT_LIMIT:-200}" "$bin" --bench 2>&1 |
    tee "$out/latency.log"
date -u >> "$out/machine.txt"
