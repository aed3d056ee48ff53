#!/bin/bash
# Smoke of weft-engine-bench (ctest EngineBench.Smoke): every workload runs
# on a small drive file and prints its JSON line with operations done.
# Usage: smoke.sh PATH-TO-weft-engine-bench
set -euo pipefail
bench=${1:?usage: smoke.sh weft-engine-bench}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
truncate -s 256M "$dir/drive0"
mkdir "$dir/meta"
"$bench" --dir "$dir/meta" --drives "$dir/drive0" --size $((16 << 20)) --seconds 0.2 \
	--workload seqwrite,seqread,randwrite,randread,checksum > "$dir/out.json"
python3 - "$dir/out.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
want = ["seqwrite", "seqread", "randwrite", "randread", "checksum"]
got = [l["workload"] for l in lines]
if got != want:
    sys.exit("engine bench smoke: workloads %s, want %s" % (got, want))
for l in lines:
    if l["ops"] <= 0 or l["mib_per_sec"] <= 0:
        sys.exit("engine bench smoke: %s did no work: %s" % (l["workload"], l))
print("engine bench smoke: %s" % ", ".join("%s %.0f MiB/s" % (l["workload"], l["mib_per_sec"]) for l in lines))
PY
