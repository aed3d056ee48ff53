#!/bin/bash
# `make bench`: one VM run per kernel measuring weft against tmpfs, ext4 on an
# emulated NVMe drive and FUSE (bindfs) on the same kernel; results in
# bench/results/*.json and docs/benchmarks.md.  --smoke checks the harness only.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "${1:-}" = --smoke ]; then
	exec scripts/vm-run.sh --quiet --kernel 6.12 tests/vm/bench-smoke.sh
fi

mkdir -p bench/results
for series in 6.1 6.12; do
	scripts/vm-run.sh --quiet --kernel "$series" bench/vm-bench.sh
	kver=$(scripts/kvers.sh | grep "^$series\.")
	sed -n 's/^=== WEFT-BENCH-RESULT //p' "build/vm/$kver.log" >"bench/results/stat-$kver.json"
	[ -s "bench/results/stat-$kver.json" ] || { echo "bench.sh: no result from the $kver run" >&2; exit 1; }
done
python3 bench/report.py bench/results/stat-*.json >docs/benchmarks.md
cat docs/benchmarks.md
