#!/bin/bash
# One boot of the power-off test (tests/host/power-off.sh runs it with
# scripts/vm-run.sh --nvme 4 --drives-dir ... --power-cut ...).  Drives by
# serial: weft0..weft2 are weft's, weft3 holds an ext4 with weftd's data
# directory, so everything weftd knows survives the power cut as well.
#   WEFT_PO_ROUND  1: set up (mkfs, drive add, fs create); > 1: the node
#                  after a power cut: weftd starts (recovery), stops,
#                  `weftd --check` must be clean, weftd starts again, and
#                  every acknowledged record must read back byte for byte.
#                  Then (ROUND <= WEFT_PO_LAST) writers run until the power
#                  is cut; after the last round the boot ends cleanly.
#   WEFT_PO_STATE  the host directory (read-only here) with acked.txt
T=power-off
. "$WEFT_TOP/tests/vm/storage-common.inc"
R=${WEFT_PO_ROUND:?}
LAST=${WEFT_PO_LAST:-10}
ACKED=${WEFT_PO_STATE:?}/acked.txt
META=/mnt/po-meta
D=$META/weftd
M=/mnt/po
REC="python3 $WEFT_TOP/tests/host/power_records.py"
W=/tmp/po

mkdir -p $W /dev/weft-po
# stable names for the drives: nvmeX follows probe order, which may change
# from boot to boot; weftd records the path it was given
for i in 0 1 2 3; do
	d=$(sc_wait_dev weft$i) || sc_fail "no NVMe drive with serial weft$i: run with --nvme 4"
	ln -sfn "$d" /dev/weft-po/weft$i
done
sc_load
mkdir -p $META
if [ "$R" = 1 ]; then
	mkfs.ext4 -q -F /dev/weft-po/weft3 || sc_fail "mkfs.ext4 on weft3"
	mount /dev/weft-po/weft3 $META || sc_fail "mount ext4"
	sc_start_weftd po $D $W/weftd-1.log
	weft drive add --force /dev/weft-po/weft0 /dev/weft-po/weft1 /dev/weft-po/weft2 >/dev/null ||
		sc_fail "drive add"
	weft fs create data --capacity 2GiB --replication 2 >/dev/null || sc_fail "fs create"
else
	# ext4 replays its journal: weftd's RocksDB files as they were at the cut
	mount /dev/weft-po/weft3 $META || sc_fail "mount ext4 after the power cut"
	t0=$SECONDS
	sc_start_weftd po $D $W/weftd-1.log
	grep -i 'recover\|reclaim\|intent' $W/weftd-1.log | head -n 5
	sc_stop_weftd
	out=$(weftd --check --data-dir $D 2>&1)
	rc=$?
	[ $rc = 0 ] && echo "$out" | grep -q 'is consistent' || sc_fail "weftd --check after the power cut of round $((R - 1)): exit $rc: $out"
	echo "$out"
	sc_start_weftd po $D $W/weftd-2.log
	echo "recovery, check and restart: $((SECONDS - t0)) s"
	r=$(sc_redundancy)
	case "$r" in "0 0 0 0 healthy") ;; *) sc_fail "redundancy after the power cut: $r" ;; esac
fi
sc_mount po/data $M
if [ -s "$ACKED" ]; then
	$REC verify "$ACKED" $M || sc_fail "acknowledged records lost after the power cut of round $((R - 1))"
fi
if [ "$R" -gt "$LAST" ]; then
	sc_umount $M
	sc_stop_weftd
	out=$(weftd --check --data-dir $D 2>&1)
	rc=$?
	[ $rc = 0 ] && echo "$out" | grep -q 'is consistent' || sc_fail "weftd --check at the end: exit $rc: $out"
	echo "$out"
	umount $META || sc_fail "umount ext4"
	echo "$T: ok"
	exit 0
fi

pids=""
for w in 0 1 2 3; do
	$REC write "$R" $w $M &
	pids="$pids $!"
done
sleep 1
echo "WEFT-POWER-WRITERS-RUNNING round $R"
# The host cuts the power within seconds; if the writers stop before that,
# one of them failed (it printed WEFT-WRITER-ERROR).
for p in $pids; do wait "$p" || sc_fail "a writer exited with status $?"; done
sc_fail "the writers stopped and no power cut came"
