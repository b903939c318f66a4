#!/usr/bin/env python3
"""Turn the benchmark output into SVG plots and markdown tables.

Reads the CSV files that `cargo bench --bench throughput` writes (under $BENCH_OUT, default
target/bench-out/) and, if present, criterion's estimates from `cargo bench --bench
single_thread` (target/criterion/). Writes SVGs to docs/plots/ (or --plots DIR) and, for the
single-thread numbers, single_thread.csv and single_thread.md next to the other CSVs.

    pip install matplotlib
    python3 scripts/plot.py [--out target/bench-out] [--criterion target/criterion] [--plots docs/plots]
"""

import argparse
import csv
import json
import os
import sys
from collections import defaultdict

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # pragma: no cover
    sys.exit("matplotlib is needed: pip install matplotlib")

# Stable SVG output (no random ids, no date), so re-running on the same data changes nothing.
matplotlib.rcParams["svg.hashsalt"] = "splitmap"
matplotlib.rcParams["font.size"] = 9
SVG_META = {"Date": None}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAP_ORDER = ["splitmap", "std (no lock)", "Mutex<HashMap>", "RwLock<HashMap>", "dashmap", "papaya", "scc", "flurry"]
STYLE = {
    "splitmap": dict(color="#d62728", linewidth=2.5, marker="o"),
    "std (no lock)": dict(color="#7f7f7f", marker="*", linestyle="none", markersize=10),
    "Mutex<HashMap>": dict(color="#8c564b", marker="s", linestyle="--"),
    "RwLock<HashMap>": dict(color="#bcbd22", marker="s", linestyle=":"),
    "dashmap": dict(color="#1f77b4", marker="^"),
    "papaya": dict(color="#2ca02c", marker="v"),
    "scc": dict(color="#9467bd", marker="D"),
    "flurry": dict(color="#17becf", marker="x"),
}


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def ordered(maps):
    return [m for m in MAP_ORDER if m in maps] + sorted(m for m in maps if m not in MAP_ORDER)


def save(fig, plots, name):
    path = os.path.join(plots, name)
    fig.savefig(path, format="svg", bbox_inches="tight", metadata=SVG_META)
    plt.close(fig)
    print("wrote", os.path.relpath(path, ROOT))


def plot_throughput(rows, plots):
    by_wl = defaultdict(list)
    for r in rows:
        by_wl[r["workload"]].append(r)
    for wl, rs in by_wl.items():
        fig, ax = plt.subplots(figsize=(6, 4))
        for m in ordered({r["map"] for r in rs}):
            pts = sorted((int(r["threads"]), float(r["median_mops"])) for r in rs if r["map"] == m)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=m, **STYLE.get(m, {}))
        ax.set_xscale("log", base=2)
        threads = sorted({int(r["threads"]) for r in rs})
        ax.set_xticks(threads, [str(t) for t in threads])
        ax.set_xlabel("threads")
        ax.set_ylabel("Mops/s (median)")
        ax.set_ylim(bottom=0)
        ax.set_title(f"throughput: {wl}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
        save(fig, plots, f"throughput_{wl}.svg")


def plot_latency(rows, plots):
    by_wl = defaultdict(list)
    for r in rows:
        by_wl[r["workload"]].append(r)
    for wl, rs in by_wl.items():
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
        for ax, (col, label) in zip(axes, [("p50_ns", "p50"), ("p99_ns", "p99"), ("p999_ns", "p99.9")]):
            for m in ordered({r["map"] for r in rs}):
                pts = sorted((int(r["threads"]), float(r[col])) for r in rs if r["map"] == m)
                ax.plot([p[0] for p in pts], [p[1] for p in pts], label=m, **STYLE.get(m, {}))
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            threads = sorted({int(r["threads"]) for r in rs})
            ax.set_xticks(threads, [str(t) for t in threads])
            ax.set_xlabel("threads")
            ax.set_title(f"{wl}: {label}")
            ax.grid(alpha=0.3, which="both")
        axes[0].set_ylabel("latency (ns, log scale)")
        axes[-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
        save(fig, plots, f"latency_{wl}.svg")


def plot_memory(rows, plots):
    if not rows:
        return
    maps = ordered({r["map"] for r in rows})
    by = {r["map"]: r for r in rows}
    n = [int(by[m]["entries"]) for m in maps]
    steady = [int(by[m]["bytes_glibc"]) / e for m, e in zip(maps, n)]
    peak = [int(by[m]["peak_glibc"]) / e for m, e in zip(maps, n)]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    xs = range(len(maps))
    ax.bar([x - 0.2 for x in xs], steady, width=0.4, label="after growth")
    ax.bar([x + 0.2 for x in xs], peak, width=0.4, label="peak during growth")
    ax.set_xticks(list(xs), maps, rotation=30, ha="right")
    ax.set_ylabel("bytes per entry (glibc chunks)")
    ax.set_title(f"memory at {n[0]} u64 -> u64 entries")
    ax.grid(alpha=0.3, axis="y")
    ax.legend()
    save(fig, plots, "memory.svg")


OPS = ["get_hit", "get_miss", "insert_new", "insert_overwrite", "remove", "update", "iter", "growth"]
ST_MAPS = ["splitmap-pinned", "splitmap-percall", "std", "Mutex", "RwLock", "dashmap", "papaya", "scc", "flurry"]
BATCH = 1024


def criterion_rows(crit):
    """ns per operation from criterion's estimates: (key, map, op, ns/op, ci_low, ci_high)."""
    rows = []
    if not os.path.isdir(crit):
        return rows
    for group in sorted(os.listdir(crit)):
        # Group directories are "<key>_<map>" (criterion replaces '/').
        gdir = os.path.join(crit, group)
        if "_" not in group or not os.path.isdir(gdir):
            continue
        key, mp = group.split("_", 1)
        for op in os.listdir(gdir):
            est = os.path.join(gdir, op, "new", "estimates.json")
            bench = os.path.join(gdir, op, "new", "benchmark.json")
            if not os.path.exists(est) or not os.path.exists(bench):
                continue
            with open(est) as f:
                e = json.load(f)
            with open(bench) as f:
                b = json.load(f)
            thr = b.get("throughput") or {}
            per = thr.get("Elements") or BATCH
            med = e["median"]
            rows.append((key, mp, op, med["point_estimate"] / per,
                         med["confidence_interval"]["lower_bound"] / per,
                         med["confidence_interval"]["upper_bound"] / per))
    return rows


def single_thread(crit, out, plots):
    rows = criterion_rows(crit)
    if not rows:
        return
    with open(os.path.join(out, "single_thread.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["key", "map", "op", "ns_per_op", "ci_low", "ci_high"])
        for r in rows:
            w.writerow([r[0], r[1], r[2], f"{r[3]:.2f}", f"{r[4]:.2f}", f"{r[5]:.2f}"])
    table = {(k, m, o): v for k, m, o, v, _, _ in rows}
    keys = [k for k in ["u64", "str16", "str64"] if any(r[0] == k for r in rows)]
    maps = [m for m in ST_MAPS if any(r[1] == m for r in rows)]
    md = []
    for k in keys:
        md.append(f"\n#### {k} keys (ns per operation, median; `iter` and `growth` per entry)\n")
        md.append("| map | " + " | ".join(OPS) + " |")
        md.append("|---|" + "---:|" * len(OPS))
        for m in maps:
            cells = []
            for o in OPS:
                v = table.get((k, m, o))
                cells.append("-" if v is None else f"{v:.1f}")
            md.append(f"| {m} | " + " | ".join(cells) + " |")
        if ("std" in maps) and ("splitmap-pinned" in maps):
            cells = []
            for o in OPS:
                s, b = table.get((k, "splitmap-pinned", o)), table.get((k, "std", o))
                cells.append("-" if not s or not b else f"{s / b:.2f}x")
            md.append("| *splitmap-pinned / std* | " + " | ".join(cells) + " |")
    with open(os.path.join(out, "single_thread.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("wrote", os.path.relpath(os.path.join(out, "single_thread.md"), ROOT))
    for k in keys:
        fig, ax = plt.subplots(figsize=(11, 4))
        width = 0.8 / max(1, len(maps))
        for i, m in enumerate(maps):
            vals = [table.get((k, m, o), 0) for o in OPS]
            ax.bar([x + (i - len(maps) / 2) * width + width / 2 for x in range(len(OPS))], vals, width=width, label=m)
        ax.set_xticks(range(len(OPS)), OPS)
        ax.set_yscale("log")
        ax.set_ylabel("ns per operation (log)")
        ax.set_title(f"single thread, {k} keys")
        ax.grid(alpha=0.3, axis="y", which="both")
        ax.legend(fontsize=7, ncol=3)
        save(fig, plots, f"single_thread_{k}.svg")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.environ.get("BENCH_OUT", os.path.join(ROOT, "target", "bench-out")))
    p.add_argument("--criterion", default=os.path.join(ROOT, "target", "criterion"))
    p.add_argument("--plots", default=os.path.join(ROOT, "docs", "plots"))
    a = p.parse_args()
    os.makedirs(a.plots, exist_ok=True)
    tp = read_csv(os.path.join(a.out, "throughput.csv"))
    lat = read_csv(os.path.join(a.out, "latency.csv"))
    mem = read_csv(os.path.join(a.out, "memory.csv"))
    if not (tp or lat or mem):
        print(f"no CSV files under {a.out}; run `cargo bench --bench throughput` first", file=sys.stderr)
    plot_throughput(tp, a.plots)
    plot_latency(lat, a.plots)
    plot_memory(mem, a.plots)
    single_thread(a.criterion, a.out, a.plots)


if __name__ == "__main__":
    main()
