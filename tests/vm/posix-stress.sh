#!/bin/bash
# stress-ng file-system stressors with --verify, then fio with
# verify=crc32c through buffered (psync), O_DIRECT and mmap I/O, on a weft
# mount served by weftd.  Small sizes and short runs: TCG is slow.  Every
# stressor and job must finish with zero errors; the list of what ran is
# printed.  Not run: metamix (stress-ng 0.15 has none); link and symlink
# (one bogo op makes and removes 8192 links, ~200 s under TCG at ~12 ms
# per ring round trip: POSIX_STRESS_SLOW=1 adds them).
. "$(dirname "$0")/posix-common.inc"

STRESSORS="dir dentry rename hdd seek fallocate mmap xattr iomix filename chown chmod utime"
[ "${POSIX_STRESS_SLOW:-0}" = 1 ] && STRESSORS="$STRESSORS link symlink"
SECS=${POSIX_STRESS_SECS:-3}

load
daemon_start pxstress
do_mount pxstress/default /mnt/pxstress
# one stressor at a time, each in its own directory (all at once made
# weftd abort after ENOSPC/EIO under TCG on 6.12: see docs/posix.md)
have=$(stress-ng --stressors 2>/dev/null | tr ' ' '\n')
ran=""
for s in $STRESSORS; do
	if ! echo "$have" | grep -qx "$s"; then
		echo "stress-ng has no '$s' stressor: skipped"
		continue
	fi
	d=/mnt/pxstress/sng-$s
	mkdir -p "$d"
	out=$(cd "$d" && timeout $((SECS * 10 + 60)) stress-ng --"$s" 1 --timeout "${SECS}s" \
		--verify --temp-path "$d" --metrics-brief \
		--hdd-bytes 4m --seek-size 4m --fallocate-bytes 4m --mmap-bytes 4m \
		--iomix-bytes 4m --dentries 256 --dir-dirs 256 2>&1)
	rc=$?
	echo "$out" | grep -E "stress-ng: (info|fail|error)" | grep -v "setting to a\|dispatching"
	[ "$rc" -eq 0 ] || fail "stress-ng --$s: exit $rc: $(echo "$out" | tail -n 5)"
	echo "$out" | grep -qiE "fail|verif.*error|corrupt" &&
		fail "stress-ng --$s reported a failure: $(echo "$out" | grep -iE 'fail|error' | head -n 3)"
	ran="$ran $s"
	rm -rf "$d"
done
echo "stress-ng ran:$ran"

jobs=""
for engine in psync direct mmap; do
	d=/mnt/pxstress/fio-$engine
	mkdir -p "$d"
	args=(--name="$engine" --directory="$d" --size=2m --bs=4k --rw=randwrite
	      --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_dump=0 --numjobs=1)
	case $engine in
	psync) args+=(--ioengine=psync) ;;
	direct) args+=(--ioengine=psync --direct=1) ;;
	mmap) args+=(--ioengine=mmap) ;;
	esac
	out=$(timeout 300 fio "${args[@]}" 2>&1)
	rc=$?
	echo "$out" | grep -E "WRITE:|READ:|err=" | head -n 4
	[ "$rc" -eq 0 ] || fail "fio $engine: exit $rc: $(echo "$out" | tail -n 8)"
	echo "$out" | grep -q "err= 0" || fail "fio $engine: errors: $(echo "$out" | grep err=)"
	echo "$out" | grep -qi "verify.*bad\|crc32c.*mismatch" && fail "fio $engine: verify failed"
	jobs="$jobs $engine"
	rm -rf "$d"
done
echo "fio verify=crc32c ran:$jobs"

do_umount /mnt/pxstress
daemon_kill "$DPID"
# weftd's drive file and namespace live in the VM's /tmp (tmpfs): free it
# for the tests after this one
rm -rf /tmp/weft-data-pxstress
unload
echo "$T: ok"
exit 0
