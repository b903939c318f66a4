#!/bin/sh
# A/B: alternate base and new harness binaries, splitmap only, then medians.
NEW=/work/main/target/release/deps/throughput-6094eba80d0863d2; BASE=/tmp/base/target/release/deps/throughput-6094eba80d0863d2
OUT=${OUT:-/tmp/ab.txt}; rm -f $OUT
for i in $(seq 1 ${ROUNDS:-12}); do for v in ${ORDER:-base new}; do B=$BASE; [ $v = new ] && B=$NEW
MAPS=splitmap WORKLOADS=exchange,rapid-grow,read-heavy THREADS=1,2,4,8 REPEATS=1 LOG2_CAP=18 SECTIONS=throughput BENCH_OUT=/tmp/ab/x $B --bench 2>&1 | grep "rep=" | sed "s/^/$v /" >> $OUT; done; done
python3 - $OUT <<'PY'
import re,sys,statistics as st,collections
d=collections.defaultdict(list)
for l in open(sys.argv[1]):
    m=re.match(r'(\w+) throughput (\S+) threads=(\d+) .*splitmap=([\d.]+)',l)
    if m: d[(m[2],int(m[3]),m[1])].append(float(m[4]))
for wl in ['read-heavy','exchange','rapid-grow']:
    for t in [1,2,4,8]:
        b=d[(wl,t,'base')];n=d[(wl,t,'new')]
        print(f"{wl:11} {t} base {st.median(b):6.2f} new {st.median(n):6.2f} ratio {st.median(n)/st.median(b):.2f}  n={len(b)}")
PY
