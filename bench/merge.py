#!/usr/bin/env python3
"""Collects one kernel's `=== WEFT-BENCH-RESULT <workload> {json}` lines from
a VM console log into OUT/<workload>.json, keyed by kernel release:

    {"workload": "fio", "runs": {"6.1.0-56-amd64": {...workload JSON,
        "host": {"load_before": "..", "load_after": "..", "vm_seconds": N,
                 "command": "..", "verdicts": [..]}}, ...}}

The other kernels' runs in an existing file are kept.  Fails when the log
holds no result line or one that does not parse."""
import argparse
import json
import os
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--host-load-before", default="")
    ap.add_argument("--host-load-after", default="")
    ap.add_argument("--vm-seconds", type=int, default=0)
    ap.add_argument("--command", default="")
    ap.add_argument("--verdicts", default="")
    a = ap.parse_args()
    tag = "=== WEFT-BENCH-RESULT "
    found = {}
    with open(a.log, errors="replace") as f:
        for line in f:
            if not line.startswith(tag):
                continue
            workload, _, text = line[len(tag):].strip().partition(" ")
            try:
                found[workload] = json.loads(text)
            except ValueError as e:
                print("merge.py: %s: the %s result does not parse: %s" % (a.log, workload, e), file=sys.stderr)
                return 1
    if not found:
        print("merge.py: %s holds no result line" % a.log, file=sys.stderr)
        return 1
    for workload, doc in found.items():
        doc["host"] = {"load_before": a.host_load_before, "load_after": a.host_load_after,
                       "vm_seconds": a.vm_seconds, "command": a.command,
                       "verdicts": [v for v in a.verdicts.splitlines() if v]}
        path = os.path.join(a.out, workload + ".json")
        merged = {"workload": workload, "runs": {}}
        if os.path.exists(path):
            with open(path) as f:
                merged = json.load(f)
        merged["runs"][doc["kernel"]] = doc
        with open(path + ".tmp", "w") as f:
            json.dump(merged, f, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(path + ".tmp", path)
    print("merge.py: %s from %s" % (", ".join(sorted(found)), os.path.basename(a.log)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
