#!/bin/bash
# The demo, inside the VM: one node with three emulated NVMe drives, a file
# system with 2 replicas, data written and verified, a drive pulled out of
# the machine, the data verified again and redundancy restored.  Every
# step prints what it does and must hold, or the demo fails.
#   WEFT_DEMO_MB     megabytes of large files to write (default 200)
#   WEFT_DEMO_FILES  small files to write (default 2000)
set -u
MB=${WEFT_DEMO_MB:-200}
FILES=${WEFT_DEMO_FILES:-2000}
DATA=/tmp/weft-demo
MNT=/mnt/weft
step=0
total=12
t0=$(date +%s)
say() { step=$((step + 1)); printf '[%d/%d] %s\n' "$step" "$total" "$*"; }
die() { printf '      FAILED: %s\n' "$*"; exit 1; }
ok() { printf '      ok%s\n' "${1:+: $1}"; }
indent() { sed 's/^/      /'; }
# jq-less JSON: run python on `weft ... --json` output
wjson() {	# wjson PYTHON-EXPR WEFT-ARGS...: prints the expression's value
	local expr=$1
	shift
	weft "$@" --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($expr)"
}
remount() {
	umount "$MNT" || die "umount"
	mount -t weft demo/data "$MNT" || die "mount"
}
# verify: every file's sha256 matches what was written, read with a cold cache
verify() {
	remount
	(cd "$MNT" && sha256sum --quiet -c /tmp/manifest) >/tmp/verify.out 2>&1 ||
		die "$(grep -c FAILED /tmp/verify.out) file(s) differ: $(head -n3 /tmp/verify.out)"
	ok "$(wc -l </tmp/manifest) files, $(du -sm "$MNT" | cut -f1) MB: every byte as written"
}

say "load weft.ko ($(modinfo -F version "$WEFT_KO") for $(uname -r))"
insmod "$WEFT_KO" || die "insmod"
[ -c /dev/weft ] || die "/dev/weft missing"
ok "/dev/weft, file system type and netlink family registered"

say "start weftd --name demo --data-dir $DATA"
weftd --name demo --data-dir "$DATA" >/tmp/weftd.log 2>&1 &
WEFTD=$!
for _ in $(seq 150); do grep -q attached /tmp/weftd.log && break; sleep 0.1; done
grep -q attached /tmp/weftd.log || die "weftd did not attach: $(tail -n2 /tmp/weftd.log)"
ok "$(grep -m1 attached /tmp/weftd.log)"

say "weft drive add: three NVMe drives, formatted by weft"
drives=$(ls /dev/nvme[0-9]n1 2>/dev/null)
[ "$(echo "$drives" | wc -l)" -ge 3 ] || die "want 3 NVMe drives, have: $drives"
# shellcheck disable=SC2086
weft drive add $drives >/dev/null || die "drive add"
weft drive list | indent || die "drive list"

say "weft fs create data --replication 2, and mount it"
weft fs create data --capacity 2GiB --replication 2 >/dev/null || die "fs create"
weft fs list | indent
mkdir -p "$MNT"
mount -t weft demo/data "$MNT" || die "mount -t weft demo/data $MNT"
df -h "$MNT" | indent

say "write $MB MB in 8 large files and $FILES small files in 20 directories"
: >/tmp/manifest
per=$((MB / 8))
for i in $(seq 0 7); do
	head -c "${per}M" /dev/urandom >"$MNT/large-$i" || die "write large-$i"
	printf '      large-%d: %d MB\n' "$i" "$per"
done
for d in $(seq 0 19); do
	mkdir -p "$MNT/dir-$d" || die "mkdir dir-$d"
	for f in $(seq 0 $((FILES / 20 - 1))); do
		echo "file $d/$f $RANDOM$RANDOM" >"$MNT/dir-$d/f-$f" || die "write dir-$d/f-$f"
	done
	[ $((d % 5)) = 4 ] && printf '      small files: %d/%d\n' $(((d + 1) * (FILES / 20))) "$FILES"
done
sync -f "$MNT/large-0" || die "syncfs"
(cd "$MNT" && find . -type f -print0 | xargs -0 sha256sum) >/tmp/manifest || die "sha256sum"
ok "$(wc -l </tmp/manifest) files written and synced; checksums kept outside weft"

say "read everything back with a cold cache"
verify

say "every chunk has 2 replicas on 2 different drives"
red=$(wjson "d['redundancy']['state'], d['redundancy']['chunks']['healthy'], d['redundancy']['chunks']['degraded']" status)
echo "$red" | grep -q "^healthy [1-9][0-9]* 0$" || die "redundancy before the failure: $red"
ok "redundancy (state, healthy chunks, degraded chunks): $red"

victim=/dev/nvme1n1
say "pull $victim out of the machine (PCI hot-remove, as a dead drive would)"
echo 1 >/sys/block/nvme1n1/device/device/remove || die "PCI remove of $victim"
[ -b $victim ] && die "$victim still present"
ok "$victim is gone from the system"

say "read everything again: served from the surviving replicas"
verify
weft drive list | indent

say "rebuild restores 2 replicas on the remaining drives; then drive remove"
# chunks (degraded, unavailable) and rebuild_remaining, until nothing is left
left=
for _ in $(seq 1500); do
	left=$(wjson "d['redundancy']['chunks']['degraded'], d['redundancy']['chunks']['unavailable'], d['redundancy']['rebuild_remaining']" status) || die "status"
	[ "$left" = "0 0 0" ] && break
	[ $((SECONDS % 15)) = 0 ] && printf '      chunks degraded, unavailable, rebuild remaining: %s\n' "$left"
	sleep 1
done
[ "$left" = "0 0 0" ] || die "rebuild did not finish: degraded, unavailable, remaining = $left"
# the failed drive holds nothing now: the administrator retires it
weft drive remove "$victim" >/dev/null || die "drive remove $victim"
state=$(wjson "d['redundancy']['state'], d['redundancy']['failed_drives']" status)
[ "$state" = "healthy 0" ] || die "redundancy after rebuild and drive remove: $state"
ok "every chunk has 2 replicas again, on the 2 remaining drives; $victim retired"
verify

say "weft status and weft stats"
weft status | indent || die "weft status"
weft stats | indent || die "weft stats"

say "umount, stop weftd (SIGTERM), unload the module"
umount "$MNT" || die "umount"
kill -TERM "$WEFTD" && wait "$WEFTD" || die "weftd did not stop cleanly"
rmmod weft || die "rmmod"
ok "clean"

printf '\nsummary: 3 drives, fs "data" with 2 replicas, %s MB + %s files written and verified\n' "$MB" "$FILES"
printf '         3 times (cold cache), %s pulled out, redundancy rebuilt: all in %ss\n' "$victim" "$(($(date +%s) - t0))"
