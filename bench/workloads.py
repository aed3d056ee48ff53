#!/usr/bin/env python3
"""Runs inside the VM (bench/vm-bench.sh sets the peers up): every workload
against every peer, printing one line per workload as soon as it is done,

    === WEFT-BENCH-RESULT <workload> {json}

so a hang later in the run loses only what had not been printed.  Each tool
run has a time limit; a failure or a time-out is recorded in its cell as
{"error": ...} with the command line, and the run goes on.

Workloads (WEFT_BENCH_WORKLOADS, default all three):
  stat     weft-statbench: stat(2) of the mount's root, 1 thread and one per CPU
  mdbench  weft-mdbench: create/stat/open/readdir/rename/unlink of N files,
           1 thread, one per CPU (a directory each) and one per CPU in one directory
  fio      4 KiB random read/write (buffered, O_DIRECT; QD1 psync, QD16 io_uring)
           and 1 MiB sequential read/write (buffered, O_DIRECT; QD1 psync)

Sizes come from the environment (the defaults are the real run's):
  WEFT_BENCH_SECONDS    stat seconds per point (3)
  WEFT_BENCH_FILES      mdbench files per run, all threads together (10000)
  WEFT_BENCH_PHASE_SECONDS mdbench stonewall: a phase stops after this (5; 0: never)
  WEFT_BENCH_FIO_SIZE   fio file size (16M)
  WEFT_BENCH_FIO_RUNTIME fio runtime per job, fio units (2s)
  WEFT_BENCH_FIO_JOBS   comma-separated subset of the job names below (all)
  WEFT_BENCH_VERIFY_SIZE the file fio writes and verifies after the timed jobs (4M)
"""
import datetime
import json
import os
import shlex
import subprocess
import sys
import time

PEERS = ["tmpfs", "ext4", "fuse", "weft"]
CPUS = os.cpu_count() or 1
FIO_JOBS = [
    # name, rw, bs, direct, ioengine, iodepth
    ("randread-4k-buffered-qd1", "randread", "4k", 0, "psync", 1),
    ("randread-4k-direct-qd1", "randread", "4k", 1, "psync", 1),
    ("randread-4k-buffered-qd16", "randread", "4k", 0, "io_uring", 16),
    ("randread-4k-direct-qd16", "randread", "4k", 1, "io_uring", 16),
    ("randwrite-4k-buffered-qd1", "randwrite", "4k", 0, "psync", 1),
    ("randwrite-4k-direct-qd1", "randwrite", "4k", 1, "psync", 1),
    ("randwrite-4k-buffered-qd16", "randwrite", "4k", 0, "io_uring", 16),
    ("randwrite-4k-direct-qd16", "randwrite", "4k", 1, "io_uring", 16),
    ("seqread-1m-buffered-qd1", "read", "1M", 0, "psync", 1),
    ("seqread-1m-direct-qd1", "read", "1M", 1, "psync", 1),
    ("seqwrite-1m-buffered-qd1", "write", "1M", 0, "psync", 1),
    ("seqwrite-1m-direct-qd1", "write", "1M", 1, "psync", 1),
]


def env(name, default):
    return os.environ.get(name) or default


def run(cmd, timeout):
    """Runs cmd; returns (parsed JSON of its stdout, None) or (None, error)."""
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % timeout
    try:
        doc = json.loads(res.stdout)
    except ValueError:
        doc = None
    if res.returncode != 0:
        msg = (res.stderr.strip().splitlines() or ["exit %d" % res.returncode])[-1]
        # the tools' JSON names the first failed operation
        return doc, "exit %d: %s" % (res.returncode, msg)
    if doc is None:
        return None, "unparsable output: " + res.stdout[:200]
    return doc, None


# what each peer is, for the JSON (vm-bench.sh sets them up this way)
MOUNTS = {
    "tmpfs": "tmpfs -o size=512m",
    "ext4": "ext4 (mkfs.ext4 defaults) on /dev/nvme0n1, a QEMU NVMe drive",
    "fuse": "bindfs -o attr_timeout=0,entry_timeout=0,negative_timeout=0 over tmpfs",
    "weft": "mount -t weft bench/default -o attr_timeout=0,entry_timeout=0; "
            "weftd's drive: /dev/nvme1n1 (weft drive add), a QEMU NVMe drive",
}


def header(workload, params, mounts, setup_errors):
    return {
        "workload": workload,
        "kernel": os.uname().release,
        "cpus": CPUS,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "params": params,
        "paths": mounts,
        "peers": MOUNTS,
        "setup_errors": setup_errors,
        "weft_drives": weft_drives(),
        "weft_build": os.environ.get("WEFT_BENCH_BUILD", ""),
        "results": {},
    }


def weft_drives():
    """`weft drive list --json` as vm-bench.sh saw it after `drive add`."""
    try:
        with open("/tmp/b-drives.json") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def emit(doc):
    print("=== WEFT-BENCH-RESULT %s %s" % (doc["workload"], json.dumps(doc, sort_keys=True)), flush=True)


def stat_workload(mnt, errors, ctx):
    secs = env("WEFT_BENCH_SECONDS", "3")
    doc = header("stat", {"seconds": float(secs)}, mnt, errors)
    for p in PEERS:
        r = doc["results"][p] = {}
        for t in sorted({1, CPUS}):
            cmd = ["weft-statbench", "--path", mnt[p], "--threads", str(t), "--seconds", secs]
            cell = {"command": shlex.join(cmd)}
            if p in errors:
                cell["error"] = "setup: " + errors[p]
            else:
                out, err = run(cmd, timeout=float(secs) + 120)
                cell.update(out or {})
                if err:
                    cell["error"] = err
            r["threads_%d" % t] = cell
    return doc


def mdbench_workload(mnt, errors, ctx):
    files = env("WEFT_BENCH_FILES", "10000")
    wall = env("WEFT_BENCH_PHASE_SECONDS", "5")
    doc = header("mdbench", {"files": int(files), "phase_seconds": float(wall)}, mnt, errors)
    variants = [("threads_1", 1, False)]
    if CPUS > 1:
        variants += [("threads_%d" % CPUS, CPUS, False), ("threads_%d_shared" % CPUS, CPUS, True)]
    for p in PEERS:
        r = doc["results"][p] = {}
        for name, t, shared in variants:
            cmd = ["weft-mdbench", "--path", mnt[p], "--files", files, "--threads", str(t),
                   "--phase-seconds", wall]
            if shared:
                cmd.append("--shared")
            cell = {"command": shlex.join(cmd)}
            if p in errors:
                cell["error"] = "setup: " + errors[p]
            else:
                out, err = run(cmd, timeout=600)
                cell.update(out or {})
                if err:
                    first = [ph["first_error"] for ph in (out or {}).get("phases", {}).values()
                             if "first_error" in ph]
                    cell["error"] = first[0] if first else err
            r[name] = cell
    return doc


def fio_cell(job):
    """The figures of one job of fio's JSON that the report uses."""
    d = job["read"] if job["read"]["io_bytes"] else job["write"]
    pct = d["clat_ns"].get("percentile", {})
    return {
        "ops": d["total_ios"],
        "iops": d["iops"],
        "bw_mib_s": d["bw_bytes"] / (1 << 20),
        "p50_us": pct.get("50.000000", 0) / 1000.0,
        "p99_us": pct.get("99.000000", 0) / 1000.0,
        "runtime_s": d["runtime"] / 1000.0,
        "errors": job.get("error", 0),
    }


def fio_workload(mnt, errors, ctx):
    """One fio process per peer runs the jobs one after another (stonewall):
    fio's start-up is seconds under TCG.  The file is laid out (written
    through) once, before the first job's measurement, and reused."""
    size = env("WEFT_BENCH_FIO_SIZE", "16M")
    runtime = env("WEFT_BENCH_FIO_RUNTIME", "2s")
    vsize = env("WEFT_BENCH_VERIFY_SIZE", "4M")
    wanted = env("WEFT_BENCH_FIO_JOBS", ",".join(j[0] for j in FIO_JOBS)).split(",")
    fio_jobs = [j for j in FIO_JOBS if j[0] in wanted]
    if len(fio_jobs) != len(wanted):
        raise SystemExit("workloads.py: unknown fio job in WEFT_BENCH_FIO_JOBS=%s" % ",".join(wanted))
    doc = header("fio", {"size": size, "runtime": runtime, "verify_size": vsize, "fio": ctx["fio_version"],
                         "jobs": [j[0] for j in fio_jobs]}, mnt, errors)
    doc["verify"] = {}
    for p in PEERS:
        r = doc["results"][p] = {}
        path = os.path.join(mnt[p], "fio.dat")
        common = ["fio", "--filename=" + path, "--size=" + size, "--time_based",
                  "--runtime=" + runtime, "--fallocate=none", "--randrepeat=0"]
        jobs = {}
        for name, rw, bs, direct, engine, depth in fio_jobs:
            jobs[name] = ["--name=" + name, "--rw=" + rw, "--bs=" + bs, "--direct=%d" % direct,
                          "--ioengine=" + engine, "--iodepth=%d" % depth]
        if p in errors:
            for name in jobs:
                r[name] = {"command": shlex.join(common + jobs[name]), "error": "setup: " + errors[p]}
            doc["verify"][p] = {"error": "setup: " + errors[p]}
            continue
        # buffered and O_DIRECT jobs in two fio processes: fio refuses a
        # whole run up front when the file system refuses O_DIRECT (tmpfs
        # before Linux 6.6, and bindfs over it)
        # The last job of the buffered process is not a measurement: it
        # writes another file in 1 MiB blocks, each with a crc32c, and reads
        # it back checking them (fio's verify), so wrong bytes fail the run
        # even though the timed jobs never look at the data.
        verify = ["--name=verify", "--filename=" + path + ".verify", "--size=" + vsize, "--rw=write",
                  "--bs=1M", "--direct=0", "--ioengine=psync", "--iodepth=1", "--time_based=0",
                  "--runtime=600", "--verify=crc32c", "--do_verify=1", "--verify_fatal=1"]
        jobs_v = dict(jobs, verify=verify)
        by_name, err_of = {}, {}
        for direct in (0, 1):
            names = [j[0] for j in fio_jobs if j[3] == direct] + (["verify"] if direct == 0 else [])
            if not names:
                continue
            cmd = common + ["--output-format=json"] + [a for n in names for a in jobs_v[n] + ["--stonewall"]]
            out, err = run(cmd, timeout=600)
            by_name.update({j.get("jobname"): j for j in (out or {}).get("jobs", [])})
            err_of.update({n: err for n in names})
        for name in jobs:
            err = err_of[name]
            cell = r[name] = {"command": shlex.join(common + jobs[name])}
            job = by_name.get(name)
            if job is None:
                cell["error"] = err or "not in fio's output"
            elif job.get("error"):
                cell["error"] = "fio: error %d (%s)" % (job["error"], os.strerror(job["error"]))
            else:
                try:
                    cell.update(fio_cell(job))
                except (KeyError, IndexError) as e:
                    cell["error"] = "fio JSON without %s" % e
        try:
            os.unlink(path)
        except OSError:
            pass
        vjob = by_name.get("verify")
        vcell = doc["verify"][p] = {"command": shlex.join(common + verify)}
        if vjob is None:
            vcell["error"] = err_of["verify"] or "not in fio's output"
        elif vjob.get("error"):
            vcell["error"] = "fio: error %d (%s)" % (vjob["error"], os.strerror(vjob["error"]))
        else:
            vcell["verified_bytes"] = vjob["read"]["io_bytes"]
        try:
            os.unlink(path + ".verify")
        except OSError:
            pass
    # used_bytes says whether weft's data went to its drive
    res = subprocess.run(["weft", "drive", "list", "--channel", "bench", "--json"], capture_output=True, text=True)
    try:
        doc["weft_drives_after"] = json.loads(res.stdout)
    except ValueError:
        doc["weft_drives_after"] = {"error": (res.stderr.strip() or "exit %d" % res.returncode)[:200]}
    return doc


def main():
    # WEFT_BENCH_MNT_PREFIX: for trying the driver on plain directories
    mnt = {p: env("WEFT_BENCH_MNT_PREFIX", "/mnt/b-") + p for p in PEERS}
    errors = {k[len("SETUP_"):]: v for k, v in os.environ.items() if k.startswith("SETUP_")}
    fio_version = subprocess.run(["fio", "--version"], capture_output=True, text=True).stdout.strip()
    ctx = {"fio_version": fio_version}
    workloads = env("WEFT_BENCH_WORKLOADS", "stat mdbench fio").split()
    fns = {"stat": stat_workload, "mdbench": mdbench_workload, "fio": fio_workload}
    for w in workloads:
        if w not in fns:
            print("workloads.py: unknown workload '%s'" % w, file=sys.stderr)
            return 2
    for w in workloads:
        t0 = time.monotonic()
        emit(fns[w](mnt, errors, ctx))
        print("workloads.py: %s took %.0f s" % (w, time.monotonic() - t0), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
