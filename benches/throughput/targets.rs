//! The speed targets of issues 12 (the generic map, rows S1-S4) and 13 (`WordMap`, rows
//! W1-W5), checked against the same run's numbers from the throughput and latency
//! sections, at the thread counts the issues name (2+; one thread where they say so).

use std::fmt::Write as _;

use crate::collections::{DASHMAP, MUTEX, RIVALS, SCC, SPLITMAP, STD, WORDMAP};
use crate::common::report::write_out;
use crate::config::Config;
use crate::latency::Tails;
use crate::throughput::Medians;

pub(crate) fn run(cfg: &Config, med: &Medians, tails: &Tails, md: &mut String) {
    let get = |w: &str, m: &str, t: usize| {
        med.iter()
            .find(|r| r.0 == w && r.1 == m && r.2 == t)
            .map(|r| r.3)
    };
    let best_rival = |w: &str, t: usize| {
        RIVALS
            .iter()
            .filter_map(|m| get(w, m, t).map(|v| (v, *m)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    };
    let mut csv = String::from(
        "target,workload,threads,splitmap,reference,reference_value,ratio,required,pass\n",
    );
    md.push_str("\n### Targets (splitmap against the same run's numbers)\n\n| target | workload | threads | splitmap | reference | ratio | required | pass |\n|---|---|---:|---:|---|---:|---:|---|\n");
    let mut row = |target: &str,
                   w: &str,
                   t: usize,
                   s: f64,
                   refname: &str,
                   r: f64,
                   ratio: f64,
                   req: f64,
                   pass: bool| {
        writeln!(
            csv,
            "{target},{w},{t},{s:.3},{refname},{r:.3},{ratio:.3},{req},{}",
            if pass { "yes" } else { "no" }
        )
        .unwrap();
        writeln!(
            md,
            "| {target} | {w} | {t} | {s:.2} | {refname} {r:.2} | {ratio:.2}x | {req} | {} |",
            if pass { "yes" } else { "**no**" }
        )
        .unwrap();
    };
    let multi: Vec<usize> = cfg.threads.iter().copied().filter(|&t| t >= 2).collect();
    for &t in &multi {
        if let (Some(s), Some((r, name))) =
            (get("read-heavy", SPLITMAP, t), best_rival("read-heavy", t))
        {
            row(
                "S1 read-heavy >= 1.0x best rival",
                "read-heavy",
                t,
                s,
                name,
                r,
                s / r,
                1.0,
                s / r >= 1.0,
            );
        }
    }
    for (w, req) in [("exchange", 0.5), ("rapid-grow", 0.75)] {
        for &t in &multi {
            if let (Some(s), Some((r, name))) = (get(w, SPLITMAP, t), best_rival(w, t)) {
                row(
                    &format!("S2 {w} >= {req}x best rival"),
                    w,
                    t,
                    s,
                    name,
                    r,
                    s / r,
                    req,
                    s / r >= req,
                );
            }
        }
    }
    for w in ["read-heavy", "exchange", "rapid-grow"] {
        for &t in &multi {
            if let (Some(s), Some(r)) = (get(w, SPLITMAP, t), get(w, MUTEX, t)) {
                row(
                    "S3 >= 2x Mutex<HashMap>",
                    w,
                    t,
                    s,
                    MUTEX,
                    r,
                    s / r,
                    2.0,
                    s / r >= 2.0,
                );
            }
        }
    }
    // Latency targets: lower is better, so the ratio is reference / splitmap.
    let tail = |w: &str, m: &str, t: usize| {
        tails
            .iter()
            .find(|r| r.0 == w && r.1 == m && r.2 == t)
            .map(|r| r.3 as f64)
    };
    for w in ["read-heavy", "exchange", "rapid-grow"] {
        for &t in &multi {
            let Some(s) = tail(w, SPLITMAP, t) else {
                continue;
            };
            let best = RIVALS
                .iter()
                .filter_map(|m| tail(w, m, t).map(|v| (v, *m)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((r, name)) = best {
                // At most 3x the best rival's p99.9: the ratio rival/splitmap >= 1/3.
                row(
                    "S4 p99.9 <= 3x best rival (ratio = rival/splitmap)",
                    w,
                    t,
                    s,
                    name,
                    r,
                    r / s,
                    0.33,
                    s <= 3.0 * r,
                );
            }
        }
    }
    // WordMap's targets (issue 13), on the same rows.
    for &t in &multi {
        for (w, req) in [("exchange", 1.5), ("rapid-grow", 1.5), ("read-heavy", 1.25)] {
            if let (Some(s), Some((r, name))) = (get(w, WORDMAP, t), best_rival(w, t)) {
                let target = format!("W1 WordMap >= {req}x best rival");
                row(&target, w, t, s, name, r, s / r, req, s / r >= req);
            }
        }
        for w in ["read-heavy", "exchange", "rapid-grow"] {
            if let (Some(s), Some(r)) = (get(w, WORDMAP, t), get(w, MUTEX, t)) {
                row(
                    "W2 WordMap >= 3x Mutex<HashMap>",
                    w,
                    t,
                    s,
                    MUTEX,
                    r,
                    s / r,
                    3.0,
                    s / r >= 3.0,
                );
            }
        }
    }
    for w in ["read-heavy", "exchange", "rapid-grow"] {
        let best = [MUTEX, DASHMAP, SCC]
            .iter()
            .filter_map(|m| get(w, m, 1).map(|v| (v, *m)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let (Some(s), Some((r, name))) = (get(w, WORDMAP, 1), best) {
            row(
                "W3 WordMap 1 thread >= best of Mutex, dashmap, scc",
                w,
                1,
                s,
                name,
                r,
                s / r,
                1.0,
                s / r >= 1.0,
            );
        }
    }
    if let (Some(s), Some(r)) = (get("read-heavy", WORDMAP, 1), get("read-heavy", STD, 1)) {
        row(
            "W4 WordMap 1 thread >= 0.8x std no lock",
            "read-heavy",
            1,
            s,
            STD,
            r,
            s / r,
            0.8,
            s / r >= 0.8,
        );
    }
    for w in ["read-heavy", "exchange", "rapid-grow"] {
        for t in cfg.threads.iter().copied().filter(|&t| t >= 4) {
            let Some(s) = tail(w, WORDMAP, t) else {
                continue;
            };
            let best = RIVALS
                .iter()
                .filter_map(|m| tail(w, m, t).map(|v| (v, *m)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((r, name)) = best {
                row(
                    "W5 WordMap p99.9 <= best rival (ratio = rival/WordMap)",
                    w,
                    t,
                    s,
                    name,
                    r,
                    r / s,
                    1.0,
                    s <= r,
                );
            }
        }
    }
    write_out(&cfg.out, "targets.csv", &csv);
}
