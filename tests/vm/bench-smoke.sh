#!/bin/bash
# The benchmark harness works: every peer is set up and measured (briefly).
# Numbers are not judged here; docs/benchmarks.md holds real runs.
set -u
out=$(WEFT_BENCH_SECONDS=0.2 bash "$WEFT_TOP/bench/vm-bench.sh" 2>/tmp/bench-smoke.err)
line=$(printf '%s\n' "$out" | sed -n 's/^=== WEFT-BENCH-RESULT //p')
[ -n "$line" ] || { echo "bench-smoke: no result line; stderr: $(tail -n3 /tmp/bench-smoke.err)"; exit 1; }
printf '%s\n' "$line" | python3 -c '
import json, sys
d = json.load(sys.stdin)
bad = []
for peer in ("tmpfs", "ext4", "fuse", "weft"):
    r = d["stat"].get(peer)
    if r is None or "error" in r:
        bad.append("%s: %s" % (peer, r and r.get("error")))
        continue
    for k, v in r.items():
        if "error" in v or v["ops"] <= 0:
            bad.append(f"{peer} {k}: {v}")
if bad:
    print("bench-smoke: " + "; ".join(bad))
    sys.exit(1)
'
