#!/bin/sh
# Instructions per operation under callgrind, one phase at a time (each phase is an
# #[inline(never)] function of 100,000 operations on a map presized for 2^19 keys and
# holding 196,608). Copy this folder out of the repository, point Cargo.toml's path at
# the checkout, `cargo build --release`, then run this script from that folder.
for m in ${MAPS:-w wp h d c x}; do
  line="$m:"
  for p in ${PHASES:-get_hit get_miss insert_new remove churn}; do
    valgrind --tool=callgrind --callgrind-out-file=cg.$m.$p --collect-atstart=no \
      --toggle-collect="icount::$m::$p" ./target/release/icount $m >/dev/null 2>&1
    t=$(callgrind_annotate cg.$m.$p 2>/dev/null | grep "PROGRAM TOTALS" |
      awk '{gsub(",","",$1); printf "%.0f", $1/100000}')
    line="$line $p=$t"
  done
  echo "$line"
done
