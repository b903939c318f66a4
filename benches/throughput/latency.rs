//! Section 3: latency. A small driver with the same mixes as the throughput section times
//! one operation in about `SAMPLE_EVERY` with `Instant` into an HDR histogram per thread,
//! then merges them. The timed operations are `SAMPLE_EVERY` apart on average but at
//! random gaps (1 to `2 * SAMPLE_EVERY - 1`), so the sampling cannot line up with
//! periodic work: crossbeam-epoch collects on every 128th pin, and timing every 32nd
//! operation (as this section did before) timed, for a thread that pins once per
//! operation, either every collect (a quarter of the samples) or none, by phase.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::sync::Barrier;
use std::time::Instant;

use bustle::{Collection, CollectionHandle, Mix};
use hdrhistogram::Histogram;

use crate::collections::{each_map, Visitor, ALL_MAPS, PRESIZE};
use crate::common::report::{push_map_by_threads_table, write_out};
use crate::common::scramble::{scramble, shuffle};
use crate::config::{Config, Wl};

/// One operation in this many is timed, on average (see the module docs).
const SAMPLE_EVERY: u64 = 32;

/// The gap to the next timed operation: uniform in `1..2 * SAMPLE_EVERY`, drawn from
/// its own generator so the operations and keys stay those of the untimed runs.
fn next_gap(gen: &mut u64) -> u64 {
    *gen = scramble(*gen);
    1 + *gen % (2 * SAMPLE_EVERY - 1)
}

#[derive(Clone, Copy)]
enum Op {
    Read,
    Insert,
    Remove,
    Update,
}

fn op_table(mix: &Mix, seed: u64) -> Vec<Op> {
    let mut ops = Vec::with_capacity(100);
    for (op, n) in [
        (Op::Read, mix.read),
        (Op::Insert, mix.insert + mix.upsert),
        (Op::Remove, mix.remove),
        (Op::Update, mix.update),
    ] {
        ops.extend(std::iter::repeat(op).take(n as usize));
    }
    // Fisher-Yates with a fixed generator, so every map sees the same order.
    shuffle(&mut ops, seed | 1);
    ops
}

/// The key of thread `t`'s `i`-th insert: distinct across threads and indices.
fn lat_key(t: usize, i: u64) -> u64 {
    scramble(((t as u64) << 40) | i)
}

struct LatVisitor<'a> {
    wl: Wl,
    threads: usize,
    cap: usize,
    total_ops: u64,
    rows: &'a mut Vec<(String, &'static str, usize, Histogram<u64>, f64)>,
}

impl Visitor for LatVisitor<'_> {
    fn visit<T: Collection>(&mut self, name: &'static str)
    where
        <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug,
    {
        PRESIZE.store(self.wl.presize, Ordering::Relaxed);
        let table = T::with_capacity(self.cap);
        PRESIZE.store(true, Ordering::Relaxed);
        let threads = self.threads;
        let prefill_per_thread = (self.cap as f64 * self.wl.prefill) as u64 / threads as u64;
        {
            let mut h = table.pin();
            for t in 0..threads {
                for i in 0..prefill_per_thread {
                    assert!(h.insert(&lat_key(t, i).into()));
                }
            }
        }
        let ops = op_table(&self.wl.mix, 7);
        let per_thread = self.total_ops / threads as u64;
        let barrier = Barrier::new(threads + 1);
        let (hist, secs) = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let (table, ops, barrier) = (&table, &ops, &barrier);
                    s.spawn(move || {
                        let mut hist =
                            Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
                        let mut h = table.pin();
                        let (mut erase_seq, mut insert_seq) = (0u64, prefill_per_thread);
                        let mut rng = scramble(t as u64 + 1);
                        let mut gaps = scramble(!(t as u64));
                        let mut next_timed = next_gap(&mut gaps) - 1;
                        barrier.wait();
                        for i in 0..per_thread {
                            rng = scramble(rng);
                            let op = ops[(i % 100) as usize];
                            // Reads and updates pick any key this thread ever inserted or will
                            // soon insert, so some miss (removed, or not yet inserted).
                            let any = lat_key(t, rng % (insert_seq + insert_seq / 8 + 1));
                            let key = match op {
                                Op::Read | Op::Update => any,
                                Op::Insert => {
                                    insert_seq += 1;
                                    lat_key(t, insert_seq - 1)
                                }
                                Op::Remove if erase_seq < insert_seq => {
                                    erase_seq += 1;
                                    lat_key(t, erase_seq - 1)
                                }
                                Op::Remove => any,
                            };
                            let key = key.into();
                            let timed = i == next_timed;
                            if timed {
                                next_timed += next_gap(&mut gaps);
                            }
                            let t0 = timed.then(Instant::now);
                            let r = match op {
                                Op::Read => h.get(&key),
                                Op::Insert => h.insert(&key),
                                Op::Remove => h.remove(&key),
                                Op::Update => h.update(&key),
                            };
                            if let Some(t0) = t0 {
                                hist.saturating_record(t0.elapsed().as_nanos() as u64);
                            }
                            std::hint::black_box(r);
                        }
                        barrier.wait();
                        hist
                    })
                })
                .collect();
            barrier.wait();
            let start = Instant::now();
            barrier.wait();
            let secs = start.elapsed().as_secs_f64();
            let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
            for w in workers {
                all.add(w.join().unwrap()).unwrap();
            }
            (all, secs)
        });
        drop(table);
        eprint!(
            " {name}=p50 {}ns/p99 {}ns/p99.9 {}ns",
            hist.value_at_quantile(0.5),
            hist.value_at_quantile(0.99),
            hist.value_at_quantile(0.999)
        );
        let mops = (per_thread * threads as u64) as f64 / secs / 1e6;
        self.rows
            .push((self.wl.name.to_string(), name, threads, hist, mops));
    }
}

/// p99.9 per (workload, map, threads).
pub(crate) type Tails = Vec<(String, &'static str, usize, u64)>;

pub(crate) fn run(cfg: &Config, md: &mut String) -> Tails {
    let mut rows = Vec::new();
    for wl in &cfg.workloads() {
        for &t in &cfg.threads {
            eprint!("latency {} threads={t}:", wl.name);
            each_map(
                cfg,
                t,
                &mut LatVisitor {
                    wl: *wl,
                    threads: t,
                    cap: 1 << cfg.log2_cap,
                    total_ops: cfg.latency_ops,
                    rows: &mut rows,
                },
            );
            eprintln!();
        }
    }
    let mut csv =
        String::from("workload,map,threads,samples,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,mops\n");
    for (w, m, t, h, mops) in &rows {
        writeln!(
            csv,
            "{w},{m},{t},{},{},{},{},{},{},{mops:.4}",
            h.len(),
            h.value_at_quantile(0.5),
            h.value_at_quantile(0.9),
            h.value_at_quantile(0.99),
            h.value_at_quantile(0.999),
            h.max()
        )
        .unwrap();
    }
    write_out(&cfg.out, "latency.csv", &csv);
    for wl in cfg.workloads() {
        writeln!(
            md,
            "\n### Latency, {} (ns, one op in {SAMPLE_EVERY} timed on average, at random gaps; p50 / p99 / p99.9)\n",
            wl.name
        )
        .unwrap();
        push_map_by_threads_table(md, &ALL_MAPS, &cfg.threads, |m, t| {
            let (_, _, _, h, _) = rows
                .iter()
                .find(|r| r.0 == wl.name && r.1 == m && r.2 == t)?;
            Some(format!(
                "{} / {} / {}",
                h.value_at_quantile(0.5),
                h.value_at_quantile(0.99),
                h.value_at_quantile(0.999)
            ))
        });
    }
    rows.into_iter()
        .map(|(w, m, t, h, _)| (w, m, t, h.value_at_quantile(0.999)))
        .collect()
}
