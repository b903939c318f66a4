//! The run's settings, from environment variables, and the workloads.

use std::path::PathBuf;

use bustle::Mix;

use crate::collections::ALL_MAPS;
use crate::common::env::{env_list, env_num, matches_prefix, quick};

pub(crate) struct Config {
    pub(crate) quick: bool,
    pub(crate) threads: Vec<usize>,
    pub(crate) repeats: usize,
    /// The selected maps' names, in display order.
    pub(crate) maps: Vec<String>,
    pub(crate) sections: Vec<String>,
    workloads: Option<Vec<String>>,
    pub(crate) out: PathBuf,
    pub(crate) log2_cap: u8,
    pub(crate) mem_entries: u64,
    pub(crate) latency_ops: u64,
}

impl Config {
    pub(crate) fn from_env() -> Config {
        let quick = quick();
        let threads = env_list("THREADS")
            .map(|v| {
                v.iter()
                    .map(|t| t.parse().expect("THREADS: comma-separated numbers"))
                    .collect()
            })
            .unwrap_or_else(|| vec![1, 2, 4, 8]);
        // `MAPS=std` selects "std (no lock)" by prefix, like every other name.
        let maps = match env_list("MAPS") {
            Some(sel) => ALL_MAPS
                .iter()
                .filter(|m| matches_prefix(&sel, m))
                .map(|m| m.to_string())
                .collect(),
            None => ALL_MAPS.iter().map(|m| m.to_string()).collect(),
        };
        Config {
            quick,
            threads,
            repeats: env_num("REPEATS").unwrap_or(if quick { 1 } else { 5 }),
            maps,
            workloads: env_list("WORKLOADS"),
            sections: env_list("SECTIONS")
                .unwrap_or_else(|| vec!["memory".into(), "throughput".into(), "latency".into()]),
            out: std::env::var_os("BENCH_OUT")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-out")
                }),
            log2_cap: env_num("LOG2_CAP").unwrap_or(if quick { 12 } else { 20 }),
            mem_entries: env_num("MEM_ENTRIES").unwrap_or(if quick { 1 << 14 } else { 1 << 20 }),
            latency_ops: env_num("LATENCY_OPS").unwrap_or(if quick { 20_000 } else { 4_000_000 }),
        }
    }
    pub(crate) fn section(&self, s: &str) -> bool {
        self.sections.iter().any(|x| x == s)
    }
    /// The workloads selected by `WORKLOADS` (all by default).
    pub(crate) fn workloads(&self) -> Vec<Wl> {
        workloads(self.quick)
            .into_iter()
            .filter(|w| {
                self.workloads
                    .as_ref()
                    .map_or(true, |l| l.iter().any(|x| x == w.name))
            })
            .collect()
    }
}

/// A workload: bustle's mix plus how the table starts.
#[derive(Clone, Copy)]
pub(crate) struct Wl {
    pub(crate) name: &'static str,
    pub(crate) mix: Mix,
    /// Fraction of the initial capacity inserted before the run.
    pub(crate) prefill: f64,
    /// Operations as a multiple of the initial capacity.
    pub(crate) ops: f64,
    /// Build the map with the initial capacity (true) or empty at its default size (false).
    pub(crate) presize: bool,
}

fn workloads(quick: bool) -> [Wl; 3] {
    let scale = if quick { 1.0 } else { 4.0 };
    [
        Wl {
            name: "read-heavy",
            // 94% read, 2% insert, 1% remove, 3% update.
            mix: Mix::read_heavy(),
            prefill: 0.75,
            ops: scale,
            presize: true,
        },
        Wl {
            name: "exchange",
            mix: Mix {
                read: 10,
                insert: 40,
                remove: 40,
                update: 10,
                upsert: 0,
            },
            prefill: 0.75,
            ops: scale,
            presize: true,
        },
        Wl {
            name: "rapid-grow",
            mix: Mix {
                read: 5,
                insert: 80,
                remove: 5,
                update: 10,
                upsert: 0,
            },
            prefill: 0.0,
            ops: scale / 4.0,
            presize: false,
        },
    ]
}

pub(crate) fn mix_str(m: &Mix) -> String {
    format!(
        "{}/{}/{}/{}/{}",
        m.read, m.insert, m.remove, m.update, m.upsert
    )
}
