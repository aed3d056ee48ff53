#!/bin/bash
# Runs inside the VM (scripts/bench.sh boots it): sets up weft and its peers
# on the same kernel and drives, measures them, and prints one line
#   === WEFT-BENCH-RESULT {json}
# for the host to collect.  WEFT_BENCH_SECONDS sets each measurement's length
# (the smoke test uses a fraction of a second: it checks the harness only);
# WEFT_BENCH_WEFTD_ARGS adds weftd options (e.g. "--spin-us 0").
set -u
secs=${WEFT_BENCH_SECONDS:-3}
cpus=$(nproc)
declare -A mnt=([tmpfs]=/mnt/b-tmpfs [ext4]=/mnt/b-ext4 [fuse]=/mnt/b-fuse [weft]=/mnt/b-weft)
declare -A setup_error=()

log() { echo "vm-bench: $*" >&2; }

setup_tmpfs() { mkdir -p "${mnt[tmpfs]}" && mount -t tmpfs tmpfs "${mnt[tmpfs]}"; }

setup_ext4() {
	local dev=/dev/nvme0n1
	[ -b "$dev" ] || { echo "no NVMe drive $dev"; return 1; }
	command -v mkfs.ext4 >/dev/null || { echo "mkfs.ext4 not installed"; return 1; }
	mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$dev" && mkdir -p "${mnt[ext4]}" && mount "$dev" "${mnt[ext4]}"
}

# FUSE peer: bindfs over tmpfs with attribute and entry caching off
setup_fuse() {
	command -v bindfs >/dev/null || { echo "bindfs not installed"; return 1; }
	modprobe fuse 2>/dev/null
	mkdir -p /tmp/b-fuse-src "${mnt[fuse]}" &&
		bindfs -o attr_timeout=0,entry_timeout=0,negative_timeout=0 /tmp/b-fuse-src "${mnt[fuse]}"
}

setup_weft() {
	insmod "$WEFT_KO" || { echo "insmod weft.ko failed"; return 1; }
	mkdir -p /tmp/b-weftd "${mnt[weft]}"
	weftd --name bench --data-dir /tmp/b-weftd ${WEFT_BENCH_WEFTD_ARGS:-} >/tmp/b-weftd.log 2>&1 &
	for _ in $(seq 100); do
		grep -q 'attached' /tmp/b-weftd.log && break
		sleep 0.1
	done
	grep -q 'attached' /tmp/b-weftd.log || { echo "weftd did not attach: $(tail -n1 /tmp/b-weftd.log)"; return 1; }
	mount -t weft bench/default "${mnt[weft]}" -o attr_timeout=0,entry_timeout=0
}

peers="tmpfs ext4 fuse weft"
for p in $peers; do
	if ! err=$(setup_$p 2>&1); then
		setup_error[$p]=${err:-setup failed}
		log "$p: ${setup_error[$p]}"
	fi
done

# stat of each file system's root directory: with caching off every call
# is a round trip to the file system's server (weftd, bindfs) or its inode
for p in "${!setup_error[@]}"; do export "SETUP_$p=${setup_error[$p]}"; done
json=$(python3 - "$secs" "$cpus" "$peers" <<'PY'
import json, os, subprocess, sys
secs, cpus, peers = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
mnt = {p: "/mnt/b-" + p for p in peers}
errors = {k[6:]: v for k, v in os.environ.items() if k.startswith("SETUP_")}
out = {"kernel": os.uname().release, "cpus": cpus, "seconds": float(secs), "stat": {}}
for p in peers:
    if p in errors:
        out["stat"][p] = {"error": errors[p]}
        continue
    r = {}
    for t in sorted({1, cpus}):
        res = subprocess.run(["weft-statbench", "--path", mnt[p], "--threads", str(t), "--seconds", secs],
                             capture_output=True, text=True)
        if res.returncode != 0:
            r[f"threads_{t}"] = {"error": res.stderr.strip() or f"exit {res.returncode}"}
        else:
            r[f"threads_{t}"] = json.loads(res.stdout)
    out["stat"][p] = r
print(json.dumps(out, sort_keys=True))
PY
)
echo "=== WEFT-BENCH-RESULT $json"

for p in $peers; do umount "${mnt[$p]}" 2>/dev/null; done
