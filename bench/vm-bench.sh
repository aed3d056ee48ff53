#!/bin/bash
# Runs inside the VM (scripts/bench.sh boots it with two NVMe drives): sets up
# weft and its peers on the same kernel, runs bench/workloads.py against them
# and prints one line per workload for the host to collect:
#   === WEFT-BENCH-RESULT <workload> {json}
# Peers: tmpfs; ext4 on /dev/nvme0n1; FUSE = bindfs over tmpfs with caching
# off; weft with its data on /dev/nvme1n1 (`weft drive add`), mounted with
# caching off.  Sizes: see bench/workloads.py (WEFT_BENCH_SMOKE=1 picks tiny
# ones that check the harness only); WEFT_BENCH_WEFTD_ARGS adds weftd options.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "${WEFT_BENCH_SMOKE:-0}" = 1 ]; then
	export WEFT_BENCH_SECONDS=${WEFT_BENCH_SECONDS:-0.2}
	export WEFT_BENCH_FILES=${WEFT_BENCH_FILES:-50}
	export WEFT_BENCH_PHASE_SECONDS=${WEFT_BENCH_PHASE_SECONDS:-1}
	export WEFT_BENCH_FIO_SIZE=${WEFT_BENCH_FIO_SIZE:-4M}
	export WEFT_BENCH_FIO_RUNTIME=${WEFT_BENCH_FIO_RUNTIME:-100ms}
	export WEFT_BENCH_VERIFY_SIZE=${WEFT_BENCH_VERIFY_SIZE:-4M}
	# one job per axis: psync and io_uring, buffered and O_DIRECT, read and
	# write, 4 KiB and 1 MiB
	export WEFT_BENCH_FIO_JOBS=${WEFT_BENCH_FIO_JOBS:-randread-4k-direct-qd16,randwrite-4k-buffered-qd1,seqread-1m-buffered-qd1,seqwrite-1m-direct-qd1}
fi
declare -A mnt=([tmpfs]=/mnt/b-tmpfs [ext4]=/mnt/b-ext4 [fuse]=/mnt/b-fuse [weft]=/mnt/b-weft)
declare -A setup_error=()
EXT4_DEV=/dev/nvme0n1
WEFT_DEV=/dev/nvme1n1

log() { echo "vm-bench: $*" >&2; }

setup_tmpfs() { mkdir -p "${mnt[tmpfs]}" && mount -t tmpfs -o size=512m tmpfs "${mnt[tmpfs]}"; }

setup_ext4() {
	[ -b "$EXT4_DEV" ] || { echo "no NVMe drive $EXT4_DEV"; return 1; }
	command -v mkfs.ext4 >/dev/null || { echo "mkfs.ext4 not installed"; return 1; }
	mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 "$EXT4_DEV" &&
		mkdir -p "${mnt[ext4]}" && mount "$EXT4_DEV" "${mnt[ext4]}"
}

# FUSE peer: bindfs over tmpfs with attribute and entry caching off
setup_fuse() {
	command -v bindfs >/dev/null || { echo "bindfs not installed"; return 1; }
	modprobe fuse 2>/dev/null
	mkdir -p /tmp/b-fuse-src "${mnt[fuse]}" &&
		bindfs -o attr_timeout=0,entry_timeout=0,negative_timeout=0 /tmp/b-fuse-src "${mnt[fuse]}"
}

# weft: weftd run the normal way, its data on an NVMe drive of its own
setup_weft() {
	[ -b "$WEFT_DEV" ] || { echo "no NVMe drive $WEFT_DEV"; return 1; }
	insmod "$WEFT_KO" || { echo "insmod weft.ko failed"; return 1; }
	rm -rf /tmp/b-weftd
	mkdir -p /tmp/b-weftd "${mnt[weft]}"
	# shellcheck disable=SC2086
	weftd --name bench --data-dir /tmp/b-weftd ${WEFT_BENCH_WEFTD_ARGS:-} >/tmp/b-weftd.log 2>&1 &
	echo $! >/tmp/b-weftd.pid
	for _ in $(seq 300); do
		grep -q 'attached' /tmp/b-weftd.log && break
		sleep 0.1
	done
	grep -q 'attached' /tmp/b-weftd.log || { echo "weftd did not attach: $(tail -n1 /tmp/b-weftd.log)"; return 1; }
	# --force: the drive may hold another cluster's superblock from an
	# earlier test of the same boot
	weft drive add --force "$WEFT_DEV" --channel bench >/tmp/b-drive.out 2>&1 ||
		{ echo "weft drive add $WEFT_DEV: $(tail -n1 /tmp/b-drive.out)"; return 1; }
	weft drive list --channel bench --json >/tmp/b-drives.json 2>&1 ||
		{ echo "weft drive list: $(tail -n1 /tmp/b-drives.json)"; return 1; }
	python3 -c 'import json,sys; d=json.load(open("/tmp/b-drives.json")); p=[x["path"] for x in d]
sys.exit(0 if p == [sys.argv[1]] else "weft drives are %s, want only %s" % (p, sys.argv[1]))' "$WEFT_DEV" || return 1
	mount -t weft bench/default "${mnt[weft]}" -o attr_timeout=0,entry_timeout=0
}

# a drive an earlier test of the same boot left mounted would refuse mkfs
for dev in "$EXT4_DEV" "$WEFT_DEV"; do
	awk -v d="$dev" '$1 == d { print $2 }' /proc/mounts | while read -r m; do umount "$m"; done
done
peers="tmpfs ext4 fuse weft"
for p in $peers; do
	t0=$(date +%s)
	if ! err=$(setup_$p 2>&1); then
		setup_error[$p]=${err:-setup failed}
		log "$p: ${setup_error[$p]}"
	fi
	log "$p set up in $(($(date +%s) - t0)) s"
done
for p in "${!setup_error[@]}"; do export "SETUP_$p=${setup_error[$p]}"; done

export PATH="$PATH:$WEFT_TOP/build"
# which weft was measured: the tree's commit and the binaries' digests
WEFT_BENCH_BUILD="commit $(git -C "$WEFT_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"
WEFT_BENCH_BUILD+="; weftd sha256 $(sha256sum "$(command -v weftd)" | cut -c1-12)"
WEFT_BENCH_BUILD+=" $(date -u -r "$(command -v weftd)" +%H:%M:%SZ)"
WEFT_BENCH_BUILD+="; weft.ko sha256 $(sha256sum "$WEFT_KO" | cut -c1-12) $(date -u -r "$WEFT_KO" +%H:%M:%SZ)"
export WEFT_BENCH_BUILD
python3 "$here/workloads.py"
rc=$?
WEFTD_PID=$(cat /tmp/b-weftd.pid 2>/dev/null)
# what weftd said, for whoever reads an error in weft's cells
[ -s /tmp/b-weftd.log ] && tail -n 5 /tmp/b-weftd.log | sed 's/^/vm-bench: weftd: /' >&2

for p in $peers; do umount "${mnt[$p]}" 2>/dev/null; done
# leave the drives blank for the next test of the same boot (a weft
# superblock of this cluster, an ext4): weftd stopped first
if [ -n "${WEFTD_PID:-}" ]; then
	kill -TERM "$WEFTD_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$WEFTD_PID" 2>/dev/null || break; sleep 0.1; done
fi
for dev in "$EXT4_DEV" "$WEFT_DEV"; do [ -b "$dev" ] && blkdiscard -f "$dev" 2>/dev/null; done
exit $rc
