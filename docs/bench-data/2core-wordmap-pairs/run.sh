#!/usr/bin/env bash
# A/B: base (32-byte slots) vs pairs (24-byte slots), alternating.
set -u
B=/tmp/base/target/release/deps
N=/work/main/target/release/deps
STB=$(ls -t $B/single_thread-* | grep -v '\.d$' | head -1)
STN=$(ls -t $N/single_thread-* | grep -v '\.d$' | head -1)
TPB=$(ls -t $B/throughput-* | grep -v '\.d$' | head -1)
TPN=$(ls -t $N/throughput-* | grep -v '\.d$' | head -1)
out=/tmp/ab/out; mkdir -p $out
for round in 3 4 5; do
  for build in base pairs; do
    if [ $build = base ]; then st=$STB; tp=$TPB; else st=$STN; tp=$TPN; fi
    echo "== round $round $build single_thread"
    (cd /work/main && QUICK=1 KEYS=u64 MAPS=WordMap $st --bench 2>&1 | grep -E "time:|^u64" ) > $out/st-$build-$round.txt
    echo "== round $round $build throughput"
    (cd /work/main && MAPS=WordMap SECTIONS=throughput WORKLOADS=read-heavy,exchange,rapid-grow THREADS=1,2 REPEATS=5 LOG2_CAP=18 BENCH_OUT=$out/tp-$build-$round $tp --bench > $out/tp-$build-$round.log 2>&1)
  done
done
