//! Section 2: throughput on the bustle harness, median of `REPEATS` runs.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use bustle::{Collection, CollectionHandle, Workload};

use crate::collections::{each_map, Visitor, ALL_MAPS, MUTEX, PRESIZE};
use crate::common::report::{push_map_by_threads_table, write_out};
use crate::config::{mix_str, Config, Wl};

struct TputVisitor<'a> {
    wl: Wl,
    threads: usize,
    log2_cap: u8,
    seed: [u8; 32],
    results: &'a mut Vec<(String, &'static str, usize, f64)>,
}

impl Visitor for TputVisitor<'_> {
    fn visit<T: Collection>(&mut self, name: &'static str)
    where
        <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug,
    {
        PRESIZE.store(self.wl.presize, Ordering::Relaxed);
        let m = Workload::new(self.threads, self.wl.mix)
            .initial_capacity_log2(self.log2_cap)
            .prefill_fraction(self.wl.prefill)
            .operations(self.wl.ops)
            .seed(self.seed)
            .run_silently::<T>();
        PRESIZE.store(true, Ordering::Relaxed);
        let mops = m.throughput / 1e6;
        eprint!(" {name}={mops:.2}");
        self.results
            .push((self.wl.name.to_string(), name, self.threads, mops));
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median Mops/s per (workload, map, threads).
pub(crate) type Medians = Vec<(String, &'static str, usize, f64)>;

pub(crate) fn run(cfg: &Config, md: &mut String) -> Medians {
    let wls = cfg.workloads();
    let mut raw = Vec::new();
    for wl in &wls {
        for &t in &cfg.threads {
            for rep in 0..cfg.repeats {
                eprint!(
                    "throughput {} threads={t} rep={}/{}:",
                    wl.name,
                    rep + 1,
                    cfg.repeats
                );
                let mut seed = [0u8; 32];
                seed[0] = rep as u8;
                seed[1] = t as u8;
                each_map(
                    cfg,
                    t,
                    &mut TputVisitor {
                        wl: *wl,
                        threads: t,
                        log2_cap: cfg.log2_cap,
                        seed,
                        results: &mut raw,
                    },
                );
                eprintln!();
            }
        }
    }
    let mut csv = String::from("workload,map,threads,mops\n");
    for (w, m, t, v) in &raw {
        writeln!(csv, "{w},{m},{t},{v:.4}").unwrap();
    }
    write_out(&cfg.out, "throughput_raw.csv", &csv);

    let mut med: Medians = Vec::new();
    for wl in &wls {
        for &t in &cfg.threads {
            for m in ALL_MAPS {
                let mut v: Vec<f64> = raw
                    .iter()
                    .filter(|r| r.0 == wl.name && r.1 == m && r.2 == t)
                    .map(|r| r.3)
                    .collect();
                if !v.is_empty() {
                    med.push((wl.name.to_string(), m, t, median(&mut v)));
                }
            }
        }
    }
    let get = |w: &str, m: &str, t: usize| {
        med.iter()
            .find(|r| r.0 == w && r.1 == m && r.2 == t)
            .map(|r| r.3)
    };
    let mut csv = String::from("workload,map,threads,median_mops,ratio_vs_mutex\n");
    for (w, m, t, v) in &med {
        let ratio = get(w, MUTEX, *t).map(|b| v / b).unwrap_or(f64::NAN);
        writeln!(csv, "{w},{m},{t},{v:.4},{ratio:.4}").unwrap();
    }
    write_out(&cfg.out, "throughput.csv", &csv);

    for wl in &wls {
        writeln!(
            md,
            "\n### Throughput, {} (mix read/insert/remove/update/upsert = {}; prefill {:.0}%, {} start)\n\nMops/s, median of {} runs; in brackets: ratio to `Mutex<HashMap>` in the same run.\n",
            wl.name,
            mix_str(&wl.mix),
            wl.prefill * 100.0,
            if wl.presize { "presized" } else { "empty" },
            cfg.repeats
        )
        .unwrap();
        push_map_by_threads_table(md, &ALL_MAPS, &cfg.threads, |m, t| {
            let v = get(wl.name, m, t)?;
            Some(match get(wl.name, MUTEX, t) {
                Some(b) => format!("{v:.2} ({:.2}x)", v / b),
                None => format!("{v:.2}"),
            })
        });
    }
    med
}
