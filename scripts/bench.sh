#!/bin/bash
# `make bench`: one VM run per kernel (6.1, 6.12) measuring weft against
# tmpfs, ext4 on an emulated NVMe drive and FUSE (bindfs) on the same kernel
# (bench/vm-bench.sh, bench/workloads.py); results merged into
# bench/results/<workload>.json, a chart and docs/benchmarks.md
# (bench/report.py).
#   scripts/bench.sh           the real run (about 15 minutes on TCG)
#   scripts/bench.sh --smoke   tiny sizes on both kernels (tests/vm/bench-smoke.sh):
#                              checks every workload runs and every output
#                              parses and renders; leaves bench/results alone
# WEFT_BENCH_LOG_DIR: where the VM console logs go (default build/vm).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
smoke=0
[ "${1:-}" = --smoke ] && smoke=1
logdir=${WEFT_BENCH_LOG_DIR:-$top/build/vm}
mkdir -p "$logdir"
if [ "$smoke" = 1 ]; then
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
	script=tests/vm/bench-smoke.sh
	limit=300
else
	out=bench/results
	script=bench/vm-bench.sh
	limit=2400
fi
start=$(date +%s)
failed=0
for series in 6.1 6.12; do
	kver=$(scripts/kvers.sh | grep "^$series\.")
	log=$logdir/bench-$kver.log
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	t0=$(date +%s)
	verdicts=$(scripts/vm-run.sh --quiet --kernel "$series" --nvme 2 --test-timeout "$limit" --log "$log" "$script") || failed=1
	printf '%s\n' "$verdicts"
	# merge this kernel's lines into <workload>.json, with the host's side
	# (whatever the verdict: a failed run's results show where it failed)
	python3 bench/merge.py --out "$out" --log "$log" --host-load-before "$load_before" \
		--host-load-after "$(cut -d' ' -f1-3 /proc/loadavg)" --vm-seconds $(($(date +%s) - t0)) \
		--verdicts "$verdicts" --command "scripts/vm-run.sh --kernel $series --nvme 2 $script" || failed=1
done
[ "$failed" = 0 ] || echo "bench.sh: a VM run failed (see the FAIL lines above and $logdir/bench-*.log)" >&2
elapsed=$(($(date +%s) - start))
printf '{"command": "%s", "vm_seconds_both_kernels": %d, "finished": "%s", "host_cpus": %d}\n' \
	"$([ "$smoke" = 1 ] && echo "make bench SMOKE=1" || echo "make bench")" "$elapsed" \
	"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(nproc)" >"$out/run.json"
if [ "$smoke" = 1 ]; then
	python3 bench/report.py --results "$out" --chart "$out/ratios.png" >"$out/benchmarks.md"
	grep -q '^| ' "$out/benchmarks.md" && [ -s "$out/ratios.png" ] ||
		{ echo "bench.sh: the smoke report or chart is empty" >&2; exit 1; }
	echo "bench.sh: smoke run ok in ${elapsed}s (report and chart rendered, not kept)"
else
	python3 bench/report.py --results bench/results --chart bench/results/ratios.png >docs/benchmarks.md
	python3 bench/report.py --results bench/results --table
	echo "bench.sh: ${elapsed}s; docs/benchmarks.md and bench/results/ updated"
fi
[ "$failed" = 0 ]
