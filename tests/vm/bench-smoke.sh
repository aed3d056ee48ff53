#!/bin/bash
# The benchmark harness works: every peer (tmpfs, ext4, FUSE, weft on its own
# NVMe drive) is set up and every workload kind (stat, mdbench, fio) runs
# against it with tiny sizes; each result parses and every measured point
# counted operations without errors.  Timings are never judged here:
# docs/benchmarks.md holds real runs.  The result lines are printed so that
# `make bench SMOKE=1` can render a report from them.  Needs 2 NVMe drives.
set -u
err=/tmp/bench-smoke.err
out=$(WEFT_BENCH_SMOKE=1 bash "$WEFT_TOP/bench/vm-bench.sh" 2>"$err")
rc=$?
printf '%s\n' "$out" | grep '^=== WEFT-BENCH-RESULT '
grep -E 'set up in|took' "$err" | tr '\n' ';'; echo
[ "$rc" = 0 ] || { echo "bench-smoke: vm-bench.sh exit $rc; stderr: $(tail -n3 "$err")"; exit 1; }
printf '%s\n' "$out" | python3 -c '
import json, sys
docs = {}
for line in sys.stdin:
    if line.startswith("=== WEFT-BENCH-RESULT "):
        w, j = line.split(" ", 3)[2:]
        docs[w] = json.loads(j)
bad = []
if sorted(docs) != ["fio", "mdbench", "stat"]:
    bad.append("workloads %s, want fio mdbench stat" % sorted(docs))
for w, d in docs.items():
    if d["setup_errors"]:
        bad.append("%s: setup errors %s" % (w, d["setup_errors"]))
    for peer in ("tmpfs", "ext4", "fuse", "weft"):
        r = d["results"].get(peer)
        if not r:
            bad.append("%s %s: no results" % (w, peer))
            continue
        for point, v in r.items():
            # tmpfs (and bindfs over it) refuse O_DIRECT before Linux 6.6
            old = tuple(int(x) for x in d["kernel"].split("-")[0].split(".")[:2]) < (6, 6)
            if "error" in v and old and peer in ("tmpfs", "fuse") and "direct" in point:
                continue
            if "error" in v:
                bad.append("%s %s %s: %s" % (w, peer, point, v["error"]))
            elif w == "mdbench":
                want = {"create", "stat", "open", "readdir", "rename", "unlink"}
                if set(v["phases"]) != want:
                    bad.append("%s %s %s: phases %s" % (w, peer, point, sorted(v["phases"])))
                # a phase may stop at its time limit (stonewall), never at 0
                for ph, m in v["phases"].items():
                    if m["ops"] <= 0 or m["errors"]:
                        bad.append("%s %s %s %s: %d ops, %d errors" % (w, peer, point, ph, m["ops"], m["errors"]))
            elif v["ops"] <= 0 or v.get("errors"):
                bad.append("%s %s %s: %s" % (w, peer, point, v))
    if w == "fio":
        for peer, v in d["verify"].items():
            if "error" in v or v["verified_bytes"] <= 0:
                bad.append("fio verify %s: %s" % (peer, v))
    if w == "fio" and sorted(d["results"].get("weft", {})) != sorted(d["params"]["jobs"]):
        bad.append("fio weft: jobs %s, want %s" % (sorted(d["results"].get("weft", {})), d["params"]["jobs"]))
if bad:
    print("bench-smoke: " + "; ".join(bad[:8]))
    sys.exit(1)
print("bench-smoke: ok: %s" % ", ".join("%s %d points" % (w, sum(len(r) for r in d["results"].values()))
                                         for w, d in sorted(docs.items())))
' || { grep 'vm-bench: weftd:' "$err"; exit 1; }
