#!/bin/bash
# Runs inside the test VM (chrooted into the host's read-only root): every
# test of the plan in turn, each followed by a cleanup so the next one starts
# from an unloaded module, then the kernel log for the host to judge.
# shellcheck disable=SC1090
plan=$1
. "$plan"	# sets WEFT_TOP, WEFT_KVER, WEFT_KO, WEFT_TESTS, WEFT_TEST_TIMEOUT
export WEFT_TOP WEFT_KVER WEFT_KO
export WEFT_BUILD="$WEFT_TOP/build"
export PATH="$WEFT_BUILD:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
export HOME=/root TMPDIR=/tmp LANG=C.UTF-8

echo 1 >/proc/sys/kernel/printk_ratelimit 2>/dev/null
modprobe -q nvme 2>/dev/null
for _ in $(seq 50); do ls /dev/nvme*n1 >/dev/null 2>&1 && break; sleep 0.1; done

cleanup() {
	pkill -9 -x weftd 2>/dev/null
	pkill -9 -f weft-hostile 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		pgrep -x weftd >/dev/null || break
		sleep 0.2
	done
	awk '$3 == "weft" { print $2 }' /proc/mounts | sort -r | while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	if grep -q '^weft ' /proc/modules; then
		rmmod weft || echo "=== WEFT-CLEANUP rmmod weft failed"
	fi
	# Each test starts with an empty /tmp: what one leaves there (weftd data
	# directories, drive files, fio files) is tmpfs, i.e. the guest's RAM,
	# and over a whole run it filled /tmp, so a later test's weftd could
	# not even write its log.
	echo "=== WEFT-CLEANUP /tmp held $(du -sm /tmp 2>/dev/null | cut -f1) MiB"
	find /tmp -mindepth 1 -maxdepth 1 -exec rm -rf {} + 2>/dev/null
}

for t in $WEFT_TESTS; do
	name=$(basename "$t" .sh)
	echo "=== WEFT-TEST BEGIN $name"
	start=$(date +%s)
	(cd /tmp && timeout -k 10 "${WEFT_TEST_TIMEOUT:-600}" bash "$t")
	rc=$?
	echo "=== WEFT-TEST END $name rc=$rc secs=$(( $(date +%s) - start ))"
	cleanup
done

echo "=== WEFT-DMESG BEGIN"
dmesg --color=never
echo "=== WEFT-DMESG END"
