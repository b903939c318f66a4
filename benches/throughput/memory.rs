//! Section 1: bytes per entry, and the peak while growing, from the counting allocator.

use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use bustle::{Collection, CollectionHandle};

use crate::collections::{each_map, Visitor, PRESIZE};
use crate::common::alloc::{is_mimalloc, Counting, Usage};
use crate::common::report::write_out;
use crate::common::scramble::scramble;
use crate::config::Config;

struct MemRow {
    map: &'static str,
    entries: u64,
    usage: Usage,
}

struct MemVisitor<'a> {
    entries: u64,
    rows: &'a mut Vec<MemRow>,
}

/// Give epoch collectors a chance to free what they hold: crossbeam-epoch (splitmap's)
/// through explicit flushes, the others through ordinary pinned operations.
fn settle<H: CollectionHandle>(h: &mut H, n: u64) {
    for i in 0..4096u64 {
        std::hint::black_box(h.get(&H::Key::from(scramble(i % n))));
        crossbeam_epoch::pin().flush();
    }
}

impl Visitor for MemVisitor<'_> {
    fn visit<T: Collection>(&mut self, name: &'static str)
    where
        <T::Handle as CollectionHandle>::Key: Send + std::fmt::Debug,
    {
        PRESIZE.store(false, Ordering::Relaxed);
        let keys: Vec<<T::Handle as CollectionHandle>::Key> =
            (0..self.entries).map(|i| scramble(i).into()).collect();
        let counting = Counting::start();
        let map = T::with_capacity(0);
        {
            let mut h = map.pin();
            for k in &keys {
                assert!(h.insert(k));
            }
            settle(&mut h, self.entries);
        }
        let row = MemRow {
            map: name,
            entries: self.entries,
            usage: counting.usage(),
        };
        drop(map);
        counting.stop();
        PRESIZE.store(true, Ordering::Relaxed);
        eprintln!(
            "  memory {name:<16} {:6.1} B/entry (glibc {:6.1}), peak {:7.1} MiB",
            row.usage.req_bytes as f64 / row.entries as f64,
            row.usage.real_bytes as f64 / row.entries as f64,
            row.usage.real_peak as f64 / (1 << 20) as f64
        );
        self.rows.push(row);
    }
}

pub(crate) fn run(cfg: &Config, md: &mut String) {
    if is_mimalloc() {
        eprintln!("memory: skipped (the counting allocator only measures glibc's malloc)");
        return;
    }
    eprintln!(
        "memory: {} u64 -> u64 entries inserted into an empty map",
        cfg.mem_entries
    );
    let mut rows = Vec::new();
    each_map(
        cfg,
        1,
        &mut MemVisitor {
            entries: cfg.mem_entries,
            rows: &mut rows,
        },
    );
    let mut csv =
        String::from("map,entries,bytes_requested,bytes_glibc,peak_requested,peak_glibc\n");
    for r in &rows {
        let u = &r.usage;
        writeln!(
            csv,
            "{},{},{},{},{},{}",
            r.map, r.entries, u.req_bytes, u.real_bytes, u.req_peak, u.real_peak
        )
        .unwrap();
    }
    write_out(&cfg.out, "memory.csv", &csv);
    writeln!(
        md,
        "\n### Memory: {} `u64 -> u64` entries, grown from an empty map\n",
        cfg.mem_entries
    )
    .unwrap();
    md.push_str(
        "| map | bytes/entry (requested) | bytes/entry (glibc chunks) | peak during growth (MiB, glibc) | peak bytes/entry |\n|---|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        let n = r.entries as f64;
        writeln!(
            md,
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            r.map,
            r.usage.req_bytes as f64 / n,
            r.usage.real_bytes as f64 / n,
            r.usage.real_peak as f64 / (1 << 20) as f64,
            r.usage.real_peak as f64 / n
        )
        .unwrap();
    }
}
