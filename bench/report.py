#!/usr/bin/env python3
"""Render bench/results/<workload>.json (written by scripts/bench.sh via
bench/merge.py) as docs/benchmarks.md: for every kernel one table with each
weft figure, the peers' figures from the same VM run and weft's ratio to
each of them, and the issue targets marked met / not met.

    report.py --results DIR [--chart PNG]   Markdown on stdout (and the chart)
    report.py --results DIR --table         the same rows as one plain table
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

PEERS = ["tmpfs", "ext4", "fuse"]
MD_PHASES = ["create", "stat", "open", "readdir", "rename", "unlink"]
HERE = os.path.dirname(os.path.abspath(__file__))


def load(results):
    docs = {}
    for w in ("stat", "mdbench", "fio"):
        path = os.path.join(results, w + ".json")
        if os.path.exists(path):
            with open(path) as f:
                docs[w] = json.load(f)
    run = {}
    path = os.path.join(results, "run.json")
    if os.path.exists(path):
        with open(path) as f:
            run = json.load(f)
    return docs, run


def kernels(docs):
    ks = {k for d in docs.values() for k in d["runs"]}
    return sorted(ks, key=lambda k: [int(x) if x.isdigit() else x for x in k.replace("-", ".").split(".")])


class Row:
    """One measured point: each file system's figure and weft's targets."""

    def __init__(self, workload, label, unit, cells, targets):
        self.workload, self.label, self.unit = workload, label, unit
        self.cells = cells      # fs -> {"value", "p50_us", "p99_us"} or {"error"}
        self.targets = targets  # [(issue, peer, minimum ratio)]

    def value(self, fs):
        c = self.cells.get(fs, {"error": "missing"})
        return None if "error" in c else c["value"]

    def ratio(self, peer):
        a, b = self.value("weft"), self.value(peer)
        if a is None or b is None or b <= 0:
            return None
        return a / b

    def verdicts(self):
        """[(issue, text, met)]"""
        out = []
        for issue, peer, want in self.targets:
            r = self.ratio(peer)
            if r is None:
                why = self.cells.get("weft", {}).get("error") or self.cells.get(peer, {}).get("error") or "missing"
                out.append((issue, "≥ %g× %s: no figure (%s)" % (want, peer, why[:60]), False))
            else:
                out.append((issue, "≥ %g× %s: %.2f×" % (want, peer, r), r >= want))
        return out


def cell_of(r, value_key):
    if r is None:
        return {"error": "missing"}
    if "error" in r:
        return {"error": r["error"]}
    return {"value": r[value_key], "p50_us": r.get("p50_us", 0), "p99_us": r.get("p99_us", 0)}


def rows_for(docs, kernel):
    rows = []
    st = docs.get("stat", {}).get("runs", {}).get(kernel)
    if st:
        points = sorted({k for r in st["results"].values() for k in r}, key=lambda k: int(k.split("_")[1]))
        for pt in points:
            t = int(pt.split("_")[1])
            rows.append(Row("stat", "stat, %d thread%s" % (t, "s" if t > 1 else ""), "ops/s",
                            {fs: cell_of(st["results"].get(fs, {}).get(pt), "ops_per_sec")
                             for fs in ["weft"] + PEERS},
                            [("issue 3", "fuse", 3)]))
    md = docs.get("mdbench", {}).get("runs", {}).get(kernel)
    if md:
        variants = list(md["results"].get("weft", {}))
        for v in variants:
            parts = v.split("_")
            t = int(parts[1])
            desc = "1 thread" if t == 1 else "%d threads, %s" % (
                t, "one directory" if v.endswith("shared") else "a directory each")
            for ph in MD_PHASES:
                cells = {}
                for fs in ["weft"] + PEERS:
                    r = md["results"].get(fs, {}).get(v)
                    if r is None:
                        cells[fs] = {"error": "missing"}
                    elif ph in r.get("phases", {}) and not r["phases"][ph].get("errors"):
                        m = r["phases"][ph]
                        cells[fs] = cell_of(m, "ops_per_sec")
                        cells[fs]["stonewalled"] = m.get("stonewalled", False)
                        # weft-mdbench before 2026-11-24 20:00 removed a stonewalled
                        # unlink phase's leftovers inside the phase's time: its
                        # ops/s were too low; ops over the time limit estimates them
                        wall = r.get("phase_seconds", 0)
                        if ph == "unlink" and cells[fs]["stonewalled"] and wall and m["seconds"] > 1.2 * wall:
                            cells[fs]["value"] = m["ops"] / wall
                            cells[fs]["estimated"] = True
                    else:
                        cells[fs] = {"error": r.get("error", "phase missing")}
                rows.append(Row("mdbench", "%s, %s" % (ph, desc), "entries/s" if ph == "readdir" else "ops/s",
                                cells, [("issue 4", "fuse", 3), ("issue 4", "ext4", 0.5)]))
    fio = docs.get("fio", {}).get("runs", {}).get(kernel)
    if fio:
        for job in fio["params"].get("jobs") or list(fio["results"].get("weft", {})):
            seq = job.startswith("seq")
            key = "bw_mib_s" if seq else "iops"
            rows.append(Row("fio", job, "MiB/s" if seq else "IOPS",
                            {fs: cell_of(fio["results"].get(fs, {}).get(job), key) for fs in ["weft"] + PEERS},
                            [("issue 4", "ext4", 0.7)]))
    return rows


def fmt(v):
    if v >= 100:
        return "%.0f" % v
    return "%.1f" % v


def fs_cell(c):
    if "error" in c:
        return "error: " + c["error"].splitlines()[0][:50]
    return fmt(c["value"]) + ("*" if c.get("stonewalled") else "") + ("†" if c.get("estimated") else "")


def lat_cell(c):
    if "error" in c:
        return "—"
    return "%s / %s" % (fmt(c["p50_us"]), fmt(c["p99_us"]))


def ratio_cell(r):
    return "n/a" if r is None else "%.2f×" % r


def verdict_cell(row):
    out = []
    for (issue, peer, want), (_, _, ok) in zip(row.targets, row.verdicts()):
        out.append("%s ≥ %g× %s: %s" % (issue, want, peer, "met" if ok else "**not met**"))
    return "; ".join(out)


def markdown_table(rows):
    out = ["| workload | point | unit | weft | tmpfs | ext4 | fuse | weft÷tmpfs | weft÷ext4 | weft÷fuse | target |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r.workload, r.label, r.unit, fs_cell(r.cells["weft"]),
            *[fs_cell(r.cells[p]) for p in PEERS], *[ratio_cell(r.ratio(p)) for p in PEERS], verdict_cell(r)))
    return out


def latency_table(rows):
    out = ["| workload | point | weft | tmpfs | ext4 | fuse |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %s | %s | %s |" % (r.workload, r.label,
                                          " | ".join(lat_cell(r.cells[fs]) for fs in ["weft"] + PEERS)))
    return out


def summary(rows):
    """Per issue target: how many points meet it."""
    out = []
    groups = [("issue 3: stat ≥ 3× FUSE (1 thread and threads = CPUs)", "stat", "fuse"),
              ("issue 4: every metadata phase ≥ 3× FUSE", "mdbench", "fuse"),
              ("issue 4: every metadata phase ≥ 0.5× ext4", "mdbench", "ext4"),
              ("issue 4: data path (fio) ≥ 0.7× ext4", "fio", "ext4")]
    for title, workload, peer in groups:
        met = total = 0
        missed = []
        for r in rows:
            if r.workload != workload:
                continue
            for _, t, ok in [v for v, tg in zip(r.verdicts(), r.targets) if tg[1] == peer]:
                total += 1
                met += ok
                if not ok:
                    missed.append(r.label)
        if total:
            out.append("- %s: **%s** (%d of %d points)%s" % (
                title, "met" if met == total else "not met", met, total,
                "" if met == total else "; missed: " + "; ".join(missed[:8]) + (" …" if len(missed) > 8 else "")))
    return out


def short_label(r):
    label = r.label.replace(", a directory each", " dirs").replace(", one directory", " shared")
    label = label.replace(" threads", "t").replace(" thread", "t").replace(",", "")
    return {"stat": "stat ", "mdbench": "md ", "fio": ""}[r.workload] + label.replace("stat ", "", r.workload == "stat")


def chart(docs, path):
    """weft ÷ peer for every point, one panel per kernel, log scale, with the
    target lines; gnuplot (gnuplot-nox) draws it."""
    ks = kernels(docs)
    tmp = tempfile.mkdtemp()
    plots = []
    for i, k in enumerate(ks):
        data = os.path.join(tmp, "k%d.dat" % i)
        with open(data, "w") as f:
            for r in rows_for(docs, k):
                vals = [r.ratio(p) for p in PEERS]
                f.write('"%s" %s\n' % (short_label(r),
                                       " ".join("%.4f" % v if v else "NaN" for v in vals)))
        plots.append((k, data))
    script = [
        "set terminal pngcairo size 1800,%d font 'sans,9'" % (700 * len(plots)) if _has_cairo() else
        "set terminal png size 1800,%d" % (700 * len(plots)),
        "set output '%s'" % path,
        "set multiplot layout %d,1" % len(plots),
        "set style data histograms", "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1", "set logscale y", "set yrange [0.0001:1000]",
        "set xtics rotate by -45 font ',8'", "set rmargin 10", "set grid ytics", "set key top right",
        "set ylabel 'weft ÷ peer (same run, log scale)'",
        "set arrow from graph 0, first 3 to graph 1, first 3 nohead dt 2 lc rgb 'red'",
        "set arrow from graph 0, first 0.7 to graph 1, first 0.7 nohead dt 2 lc rgb 'blue'",
        "set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 3 lc rgb 'blue'",
        "set arrow from graph 0, first 1 to graph 1, first 1 nohead lc rgb 'black'",
    ]
    for k, data in plots:
        script += ["set title 'weft vs peers, kernel %s (targets: 3× FUSE red; 0.7× / 0.5× ext4 blue)'" % k,
                   "plot '%s' using 2:xtic(1) title 'vs tmpfs', '' using 3 title 'vs ext4', "
                   "'' using 4 title 'vs FUSE'" % data]
    script.append("unset multiplot")
    res = subprocess.run(["gnuplot"], input="\n".join(script) + "\n", capture_output=True, text=True)
    for f in os.listdir(tmp):
        os.unlink(os.path.join(tmp, f))
    os.rmdir(tmp)
    if res.returncode != 0:
        raise SystemExit("report.py: gnuplot failed: " + res.stderr.strip()[-300:])


def _has_cairo():
    res = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
    return "pngcairo" in (res.stdout + res.stderr)


def markdown(docs, run, chart_path):
    out = ["# Benchmarks", "",
           "Produced by `make bench` (scripts/bench.sh → bench/vm-bench.sh + bench/workloads.py in one "
           "QEMU/TCG VM per kernel → bench/merge.py → bench/results/*.json → bench/report.py). "
           "Every figure comes from an emulated machine (TCG, 2 vCPUs) on a shared 2-core host: "
           "absolute numbers are emulated and noisy; **the ratios between file systems measured in the "
           "same run, on the same kernel, are what to read**.", ""]
    if run:
        out += ["Last run: `%s`, finished %s; the two VM runs took %d s (%.1f min), build not counted." % (
            run.get("command", "make bench"), run.get("finished", "?"), run.get("vm_seconds_both_kernels", 0),
            run.get("vm_seconds_both_kernels", 0) / 60.0), ""]
    out += ["## How it is run", "",
            "- `make bench` — the real run, both kernels (6.1, 6.12), one VM each: "
            "`scripts/vm-run.sh --kernel 6.1|6.12 --nvme 2 bench/vm-bench.sh`. "
            "`make bench SMOKE=1` runs the same harness with tiny sizes (tests/vm/bench-smoke.sh, "
            "also part of `make check`) and keeps nothing.",
            "- Peers, set up in the same VM, same kernel: **tmpfs**; **ext4** on `/dev/nvme0n1` (QEMU NVMe, "
            "a sparse raw file on the host, cache=unsafe); **FUSE**: `bindfs -o attr_timeout=0,entry_timeout=0,"
            "negative_timeout=0` over tmpfs; **weft**: `weftd --name bench --data-dir /tmp/b-weftd`, "
            "`weft drive add --force /dev/nvme1n1` (its own QEMU NVMe drive, the same kind as ext4's), "
            "`mount -t weft bench/default -o attr_timeout=0,entry_timeout=0`.",
            "- **stat**: `weft-statbench --path MOUNT --threads N --seconds S` — stat(2) of the mount's root "
            "in a loop, 1 thread and one per vCPU.",
            "- **mdbench** (mdtest-like): `weft-mdbench --path MOUNT --files N --threads T [--shared]` — "
            "phases create (open O_CREAT|O_EXCL + close), stat, open+close, readdir (getdents64 over the "
            "directory; counted in entries), rename (same directory), unlink; N files in all, split over "
            "T threads, each in a directory of its own or (`--shared`) all in one.",
            "- **fio**: one fio process per file system runs the jobs one after another (`--stonewall`) on "
            "one file: 4 KiB random read and write, buffered and O_DIRECT, QD1 (psync) and QD16 "
            "(io_uring); 1 MiB sequential read and write, buffered and O_DIRECT, QD1. Common options: "
            "`--size=S --time_based --runtime=R --fallocate=none --randrepeat=0 --output-format=json`; "
            "IOPS, bandwidth and completion-latency p50/p99 parsed from fio's JSON.",
            "- Results: `bench/results/stat.json`, `mdbench.json`, `fio.json` (per kernel: date, kernel, "
            "parameters, each point's command line, every file system's figures, the host's load "
            "average before and after); chart `bench/results/ratios.png`.",
            "- Targets: issue 3 — stat ≥ 3× FUSE with 1 thread and threads = CPUs; issue 4 — every "
            "metadata phase ≥ 3× FUSE and ≥ 0.5× ext4, data path ≥ 0.7× ext4 (each fio job).", ""]
    if chart_path:
        out += ["![weft ÷ peer for every point, both kernels](../bench/results/%s)" % os.path.basename(chart_path), ""]
    for k in kernels(docs):
        rows = rows_for(docs, k)
        first = next(d["runs"][k] for d in docs.values() if k in d["runs"])
        params = {w: d["runs"][k]["params"] for w, d in docs.items() if k in d["runs"]}
        host = first.get("host", {})
        out += ["## Kernel %s — %d vCPUs, %s" % (k, first["cpus"], first["date"]), ""]
        desc = []
        if "stat" in params:
            desc.append("stat %g s per point" % params["stat"]["seconds"])
        if "mdbench" in params:
            desc.append("mdbench %d files per run" % params["mdbench"]["files"])
        if "fio" in params:
            desc.append("fio file %s, %s per job (%s)" % (params["fio"]["size"], params["fio"]["runtime"],
                                                          params["fio"]["fio"]))
        try:
            load = max(float(host.get(x, "0").split()[0] or 0) for x in ("load_before", "load_after"))
        except (ValueError, IndexError):
            load = 0
        if load > 2.5:
            out += ["**Warning: taken with the host's 1-minute load average at %.1f (above 2.5).** Under "
                    "TCG every wake-up of another thread (weftd's, bindfs's) then waits for the host's "
                    "scheduler, so weft's and FUSE's figures measure that latency more than themselves; "
                    "tmpfs and ext4 barely notice. See the notes at the end." % load, ""]
        out += ["Sizes: %s. Host load average (1/5/15 min) before the VM: %s, after: %s; VM run %s s." % (
            "; ".join(desc), host.get("load_before", "?"), host.get("load_after", "?"), host.get("vm_seconds", "?")), ""]
        after = docs.get("fio", {}).get("runs", {}).get(k, {}).get("weft_drives_after")
        if isinstance(after, list):
            out += ["weft's drives after the fio jobs (`weft drive list`): %s." % "; ".join(
                "%s %s, %.1f MiB used" % (x.get("path"), x.get("state"), x.get("used_bytes", 0) / 2**20)
                for x in after), ""]
        if first.get("weft_build"):
            out += ["weft measured: %s." % first["weft_build"], ""]
        errs = {p: e for d in docs.values() if k in d["runs"] for p, e in d["runs"][k]["setup_errors"].items()}
        if errs:
            out += ["Setup errors: " + "; ".join("%s: %s" % kv for kv in sorted(errs.items())), ""]
        bad = [v for v in host.get("verdicts", []) if v.startswith("FAIL")]
        if bad:
            out += ["VM verdicts: " + "; ".join(bad), ""]
        ver = docs.get("fio", {}).get("runs", {}).get(k, {}).get("verify")
        if ver:
            out += ["Data check after the fio jobs (fio `--verify=crc32c`: write %s in 1 MiB blocks, read "
                    "back, compare): %s." % (params["fio"].get("verify_size", params["fio"]["size"]), "; ".join(
                        "%s %s" % (fs, "ok" if "error" not in v else "**FAILED: %s**" % v["error"][:80])
                        for fs, v in sorted(ver.items()))), ""]
        out += ["### Summary of targets", ""] + summary(rows) + [""]
        out += ["### Throughput (higher is better) and weft's ratio to each peer", ""] + markdown_table(rows) + [""]
        if any(c.get("stonewalled") for r in rows for c in r.cells.values()):
            out += ["\\* stonewalled: the phase reached its %g s limit before every file was done "
                    "(ops/s over the operations done; the later phases ran on the files that existed)." %
                    params.get("mdbench", {}).get("phase_seconds", 0), ""]
        if any(c.get("estimated") for r in rows for c in r.cells.values()):
            out += ["† estimated as operations ÷ the phase's time limit: the weft-mdbench of this run "
                    "removed a stonewalled unlink phase's leftover files inside the phase's time (fixed "
                    "since), so the measured rate was too low.", ""]
        out += ["### Latency p50 / p99 (µs; mdbench readdir: per getdents64 call; fio: completion latency)", ""]
        out += latency_table(rows) + [""]
    for extra in (os.path.join(HERE, "results", "engine-native.md"), os.path.join(HERE, "notes.md")):
        if os.path.exists(extra):
            with open(extra) as f:
                out.append(f.read())
    return "\n".join(out)


def plain_table(docs):
    head = ["kernel", "workload", "point", "unit", "weft", "tmpfs", "ext4", "fuse", "÷tmpfs", "÷ext4", "÷fuse", "targets"]
    lines = []
    for k in kernels(docs):
        for r in rows_for(docs, k):
            lines.append([k.split("-")[0], r.workload, r.label, r.unit] +
                         [fs_cell(r.cells[fs])[:20] for fs in ["weft"] + PEERS] +
                         [ratio_cell(r.ratio(p)) for p in PEERS] +
                         [" ".join("%s:%s" % (t.split(":")[0].replace("≥ ", ">="), "met" if ok else "NOT")
                                   for _, t, ok in r.verdicts())])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)]
    for line in [head] + lines:
        print("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--chart")
    ap.add_argument("--table", action="store_true")
    a = ap.parse_args()
    docs, run = load(a.results)
    if not docs:
        raise SystemExit("report.py: no stat/mdbench/fio JSON in " + a.results)
    if a.table:
        plain_table(docs)
        return 0
    if a.chart:
        chart(docs, a.chart)
    print(markdown(docs, run, a.chart))
    return 0


if __name__ == "__main__":
    sys.exit(main())
