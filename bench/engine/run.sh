#!/bin/bash
# The storage engine against fio on the same drive files (issue 5's native
# benchmark, no VM).  fio runs O_DIRECT + io_uring at queue depth 1 (the
# engine's API is synchronous: one request at a time per calling thread) and
# 32, against the engine with 1 and 32 calling threads.  fio's writes are shown without and with an fdatasync per write;
# the engine's are durable on acknowledgement (fdatasync + a synced RocksDB
# commit, two for overwrites), so the fdatasync column is the fair peer.
#
#   bench/engine/run.sh [--dir D] [--size MiB] [--seconds S]
# Needs weft-engine-bench (build/ or $WEFT_ENGINE_BENCH) and fio.  Prints a
# Markdown table.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=/tmp/weft-engine-bench.$$
size_mib=512
seconds=5
while [ $# -gt 0 ]; do
	case "$1" in
	--dir) dir=$2; shift 2 ;;
	--size) size_mib=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	*) echo "usage: $0 [--dir D] [--size MiB] [--seconds S]" >&2; exit 2 ;;
	esac
done
bench=${WEFT_ENGINE_BENCH:-$top/build/weft-engine-bench}
[ -x "$bench" ] || bench=$top/build/cmake/bench/engine/weft-engine-bench
[ -x "$bench" ] || { echo "run.sh: weft-engine-bench not built" >&2; exit 1; }
command -v fio >/dev/null || { echo "run.sh: fio not installed" >&2; exit 1; }
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

# Drive files: the data area plus weft's 1 MiB header, allocated up front and
# written through once, on both sides alike: reading never-written
# (unwritten extent) blocks would cost the file system nothing, and the first
# write to one would add an extent conversion to every fdatasync.  A real
# NVMe device has neither.
drive() {
	rm -f "$1"
	fallocate -l $(((size_mib + 16) << 20)) "$1"
	dd if=/dev/urandom of="$1" bs=1M count=$((size_mib + 16)) conv=notrunc oflag=direct status=none
}
drive "$dir/fio0"

# fio <rw> <bs> <depth> [fio options] -> "MiB/s IOPS"
fio_run() {
	local rw=$1 bs=$2 depth=$3
	shift 3
	fio "$@" --name=w --filename="$dir/fio0" --offset=1M --size="${size_mib}M" --direct=1 \
		--ioengine=io_uring --rw="$rw" --bs="$bs" --iodepth="$depth" --time_based \
		--runtime="$seconds" --output-format=json 2>/dev/null |
		python3 -c 'import json,sys
j=json.load(sys.stdin)["jobs"][0]; r=j["read"] if j["read"]["io_bytes"] else j["write"]
print("%.1f %.0f" % (r["bw"]/1024, r["iops"]))'
}

# engine <replicas> <threads> -> lines "workload MiB/s IOPS"
engine_run() {
	local drives=()
	for i in $(seq 0 $(($1 - 1))); do drive "$dir/engine$i"; drives+=("$dir/engine$i"); done
	rm -rf "$dir/meta"
	"$bench" --dir "$dir" --drives "$(IFS=,; echo "${drives[*]}")" --replicas "$1" \
		--size $((size_mib << 20)) --seconds "$seconds" --threads "$2" |
		python3 -c 'import json,sys
for l in sys.stdin:
    j=json.loads(l); print(j["workload"], "%.1f" % j["mib_per_sec"], "%.0f" % j["iops"])'
}

declare -A f1 f32 fs1 fs32 e1 e32 e2 e2x32
for w in "seqwrite write 1M" "seqread read 1M" "randwrite randwrite 4k" "randread randread 4k"; do
	set -- $w
	f1[$1]=$(fio_run "$2" "$3" 1)
	f32[$1]=$(fio_run "$2" "$3" 32)
	case $1 in *write)
		fs1[$1]=$(fio_run "$2" "$3" 1 --fdatasync=1)
		fs32[$1]=$(fio_run "$2" "$3" 32 --fdatasync=1) ;;
	esac
done
while read -r w bw iops; do e1[$w]="$bw $iops"; done < <(engine_run 1 1)
while read -r w bw iops; do e32[$w]="$bw $iops"; done < <(engine_run 1 32)
while read -r w bw iops; do e2[$w]="$bw $iops"; done < <(engine_run 2 1)
while read -r w bw iops; do e2x32[$w]="$bw $iops"; done < <(engine_run 2 32)

# The figure that matters: MiB/s for 1 MiB, IOPS for 4 KiB.
val() { [ -n "$2" ] || { echo "-"; return; }; set -- $1 $2; case $1 in seq*) echo "$2" ;; *) echo "$3" ;; esac; }
cell() { local v; v=$(val "$1" "$2"); [ "$v" = - ] && { echo -; return; }; case $1 in seq*) echo "$v MiB/s" ;; *) echo "$v IOPS" ;; esac; }
pct() { local a b; a=$(val "$1" "$2"); b=$(val "$1" "$3"); [ "$a" = - ] || [ "$b" = - ] && { echo -; return; }; python3 -c "print('%.0f%%' % (100 * $a / $b))"; }

echo "Queue depth 1 (one request at a time; seqwrite always runs so):"
echo
echo "| workload | fio | fio, fdatasync per write | engine, 1 replica | engine / fio | engine / fio fdatasync | engine, 2 replicas on 2 drives | 2 replicas / fio |"
echo "|---|---|---|---|---|---|---|---|"
for w in seqwrite seqread randwrite randread; do
	echo "| $w | $(cell $w "${f1[$w]}") | $(cell $w "${fs1[$w]:-}") | $(cell $w "${e1[$w]}") | $(pct $w "${e1[$w]}" "${f1[$w]}") | $(pct $w "${e1[$w]}" "${fs1[$w]:-}") | $(cell $w "${e2[$w]}") | $(pct $w "${e2[$w]}" "${f1[$w]}") |"
done
echo
echo "Queue depth 32 (fio iodepth 32; the engine from 32 threads):"
echo
echo "| workload | fio | fio, fdatasync per write | engine, 1 replica | engine / fio | engine / fio fdatasync | engine, 2 replicas on 2 drives | 2 replicas / fio |"
echo "|---|---|---|---|---|---|---|---|"
for w in seqread randwrite randread; do
	echo "| $w | $(cell $w "${f32[$w]}") | $(cell $w "${fs32[$w]:-}") | $(cell $w "${e32[$w]}") | $(pct $w "${e32[$w]}" "${f32[$w]}") | $(pct $w "${e32[$w]}" "${fs32[$w]:-}") | $(cell $w "${e2x32[$w]}") | $(pct $w "${e2x32[$w]}" "${f32[$w]}") |"
done
