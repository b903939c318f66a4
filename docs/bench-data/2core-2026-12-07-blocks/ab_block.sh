#!/bin/sh
# Alternate the 64-slot (base) and 32-slot block binaries, 6 rounds, order swapped each round.
cd /work/main
for r in 1 2 3 4 5 6; do
  if [ $((r % 2)) = 1 ]; then order="b64 b32"; else order="b32 b64"; fi
  for b in $order; do
    MAPS=splitmap,WordMap WORKLOADS=exchange,rapid-grow THREADS=1,4 REPEATS=3 LOG2_CAP=18 \
      SECTIONS=throughput,latency BENCH_OUT=/tmp/abblk/$b.$r /tmp/tp_$b --bench >/dev/null 2>&1
  done
done
echo done
