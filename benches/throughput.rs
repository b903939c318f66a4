//! Multi-threaded throughput, latency and memory of `splitmap::HashMap` against other maps.
//!
//! Three sections, each writing CSV files under `BENCH_OUT` (default `target/bench-out/`):
//!
//! 1. **memory**: bytes per entry at `MEM_ENTRIES` (1M) `u64 -> u64` entries, and peak bytes
//!    while growing from empty to that size, from a counting global allocator. Runs first,
//!    single-threaded, before anything else has allocated garbage.
//! 2. **throughput**: the `bustle` harness (mixes of get/insert/remove/update over `u64`
//!    keys) at each thread count, median of `REPEATS` runs. The maps are interleaved inside
//!    each repeat so that a slow or fast phase of a noisy host hits every map alike.
//! 3. **latency**: a small driver with the same mixes that times about one operation in
//!    `SAMPLE_EVERY`, at random gaps, with `Instant` into an HDR histogram per thread,
//!    then merges them.
//!
//! Every map hashes with the same `ahash::RandomState` with fixed seeds.
//!
//! Environment:
//! - `QUICK=1`: tiny sizes and one repeat (a smoke test, well under a minute).
//! - `THREADS=1,2,4,8` (default), `REPEATS=5` (default), `MAPS=splitmap,mutex,...` (filter by
//!   name), `SECTIONS=memory,throughput,latency` (default all), `BENCH_OUT=dir`.
//! - `ALLOC=mimalloc`: run on mimalloc instead of glibc's malloc (the memory section is
//!   skipped then; it measures glibc only). splitmap allocates on every write, so the
//!   allocator matters; write such a run to another `BENCH_OUT`.
//! - `LOG2_CAP` (default 20; quick 12): bustle's initial capacity `2^LOG2_CAP`, which also
//!   sets the key space and the number of operations.
//!
//! Run it as `cargo bench --bench throughput`; it prints markdown tables to stdout and
//! progress to stderr.
//!
//! Layout: one file per section under `benches/throughput/`, plus the bustle adapters
//! (`collections.rs`) and the settings (`config.rs`). The maps under test, the hasher, the
//! counting allocator and report writing are in `benches/common/`, shared with
//! `single_thread.rs`.

use std::fmt::Write as _;
use std::time::Instant;

// Each bench uses only part of the shared code.
#[allow(dead_code)]
mod common;

#[path = "throughput/collections.rs"]
mod collections;
#[path = "throughput/config.rs"]
mod config;
#[path = "throughput/latency.rs"]
mod latency;
#[path = "throughput/memory.rs"]
mod memory;
#[path = "throughput/targets.rs"]
mod targets;
#[path = "throughput/throughput.rs"]
mod throughput;

use common::alloc::{is_mimalloc, CountingAlloc};
use common::report::write_out;
use config::Config;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing special. Ignore
    // the arguments, but do nothing when cargo only lists benchmarks.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let cfg = Config::from_env();
    let start = Instant::now();
    eprintln!(
        "throughput bench: threads {:?}, repeats {}, maps {:?}, sections {:?}, 2^{} initial capacity{}",
        cfg.threads,
        cfg.repeats,
        cfg.maps,
        cfg.sections,
        cfg.log2_cap,
        if cfg.quick { ", QUICK" } else { "" }
    );
    let mut md = String::new();
    writeln!(
        md,
        "## splitmap throughput bench\n\n{} hardware threads; allocator {}; threads {:?}; {} repeat(s); initial capacity 2^{}{}.",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if is_mimalloc() { "mimalloc" } else { "glibc malloc" },
        cfg.threads,
        cfg.repeats,
        cfg.log2_cap,
        if cfg.quick { "; QUICK mode (numbers are not meaningful)" } else { "" }
    )
    .unwrap();
    if cfg.section("memory") {
        memory::run(&cfg, &mut md);
    }
    let med = if cfg.section("throughput") {
        throughput::run(&cfg, &mut md)
    } else {
        Vec::new()
    };
    let tails = if cfg.section("latency") {
        latency::run(&cfg, &mut md)
    } else {
        Vec::new()
    };
    targets::run(&cfg, &med, &tails, &mut md);
    writeln!(
        md,
        "\nTotal bench time: {:.1} s",
        start.elapsed().as_secs_f64()
    )
    .unwrap();
    write_out(&cfg.out, "results.md", &md);
    println!("{md}");
    eprintln!("wrote {}", cfg.out.display());
}
