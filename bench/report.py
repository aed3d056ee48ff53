#!/usr/bin/env python3
"""Render bench/results/*.json as docs/benchmarks.md: each weft figure also as
a ratio to each peer measured in the same VM run (never absolute claims)."""
import json
import os
import sys

PEERS = ["tmpfs", "ext4", "fuse"]


def cell(r):
    if "error" in r:
        return "error: " + r["error"].splitlines()[0][:60]
    return "%.0f ops/s, p50 %.1f us, p99 %.1f us" % (r["ops_per_sec"], r["p50_us"], r["p99_us"])


def main(paths):
    out = ["# Benchmarks", "",
           "Produced by `make bench` (scripts/bench.sh, bench/vm-bench.sh, bench/report.py). "
           "Every figure comes from one QEMU/TCG run per kernel on a shared 2-core machine: "
           "absolute numbers are emulated and noisy, the ratios between file systems measured "
           "in the same run are what to read.", ""]
    for path in paths:
        with open(path) as f:
            d = json.load(f)
        out += ["## stat(2), caching off — kernel %s, %d vCPUs, %.0f s per point" %
                (d["kernel"], d["cpus"], d["seconds"]), "",
                "Each thread stats the file system's root directory in a loop. weft is mounted "
                "with attr_timeout=0,entry_timeout=0; the FUSE peer is bindfs over tmpfs with "
                "attr_timeout=0,entry_timeout=0,negative_timeout=0.", "",
                "Command: `weft-statbench --path MOUNT --threads N --seconds S`", ""]
        stat = d["stat"]
        keys = sorted({k for r in stat.values() for k in r if k.startswith("threads_")},
                      key=lambda k: int(k.split("_")[1]))
        out += ["| file system | " + " | ".join(k.replace("_", " ") for k in keys) + " |",
                "|---|" + "---|" * len(keys)]
        for fs in ["weft"] + PEERS:
            r = stat.get(fs, {})
            if "error" in r:
                out.append("| %s | %s |" % (fs, " | ".join(["error: " + r["error"][:60]] * len(keys))))
            else:
                out.append("| %s | %s |" % (fs, " | ".join(cell(r.get(k, {"error": "missing"})) for k in keys)))
        out += ["", "| weft ÷ peer (ops/s) | " + " | ".join(k.replace("_", " ") for k in keys) + " |",
                "|---|" + "---|" * len(keys)]
        w = stat.get("weft", {})
        for fs in PEERS:
            p = stat.get(fs, {})
            row = []
            for k in keys:
                a, b = w.get(k, {}), p.get(k, {})
                if "ops_per_sec" in a and "ops_per_sec" in b and b["ops_per_sec"] > 0:
                    row.append("%.2f×" % (a["ops_per_sec"] / b["ops_per_sec"]))
                else:
                    row.append("n/a")
            out.append("| vs %s | %s |" % (fs, " | ".join(row)))
        out.append("")
        # issue 3's target: weft >= 3x FUSE with one thread and with one per CPU
        for k in keys:
            a, b = w.get(k, {}), stat.get("fuse", {}).get(k, {})
            if "ops_per_sec" in a and "ops_per_sec" in b and b["ops_per_sec"] > 0:
                r = a["ops_per_sec"] / b["ops_per_sec"]
                out.append("- target weft ≥ 3× FUSE, %s: %.2f× — %s" %
                           (k.replace("_", " "), r, "met" if r >= 3 else "NOT met"))
        out.append("")
    engine = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "engine-native.md")
    if os.path.exists(engine):
        with open(engine) as f:
            out.append(f.read())
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
    if os.path.exists(notes):
        with open(notes) as f:
            out.append(f.read())
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
