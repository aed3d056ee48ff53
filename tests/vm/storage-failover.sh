#!/bin/bash
# Redundancy under load, on 3 emulated NVMe drives (scripts/vm-run.sh --nvme 3,
# the default) with a 2-replica file system:
#  (a) fio with crc32c verify (psync, O_DIRECT and buffered, random and
#      sequential) runs while one drive is pulled out of the machine (PCI
#      hot-remove): no fio error, every verify passes; the rebuild restores 2
#      replicas (weft status: nothing degraded or unavailable), the dead
#      drive is removed, redundancy is healthy, and every file reads back
#      the same after drop_caches and after a remount.
#  (b) the drive comes back (PCI rescan) and is re-added; fio with verify
#      runs while garbage is written over the data area of another drive
#      (past its superblock and reserved 1 MiB): no fio error, the files of
#      (a) still read back the same, the integrity counters show the bad
#      blocks found and repaired from the good replica and none
#      unrecoverable; a scrub then repairs what is left and a second scrub
#      finds nothing.
# Tunables: WEFT_SF_SECS (fio run time, default 40), WEFT_SF_MB (MiB per fio
# file, default 16).
T=storage-failover
. "$WEFT_TOP/tests/vm/storage-common.inc"
W=/tmp/failover-test	# not /tmp/sf: the cwd is /tmp, and mount takes an existing sf/data for a path
D=$W/data
M=/mnt/sf
SECS=${WEFT_SF_SECS:-40}
MB=${WEFT_SF_MB:-16}
mkdir -p $W

# fio_job DIR: a job file; 5 files of MB MiB, verified while written
fio_job() {
	cat <<EOF
[global]
directory=$1
ioengine=psync
size=${MB}m
verify=crc32c
verify_fatal=1
verify_backlog=16
do_verify=1
runtime=$SECS
loops=1000
rw=randwrite
[direct]
direct=1
bs=16k
numjobs=2
[buffered]
bsrange=4k-32k
fsync=16
[direct-seq]
rw=write
direct=1
bs=128k
[buffered-seq]
rw=write
bs=64k
fdatasync=8
EOF
}

# run_fio DIR TAG: starts fio in the background; sets FIO
run_fio() {
	mkdir -p "$1" || sc_fail "mkdir $1"
	fio_job "$1" >$W/$2.fio
	fio --output-format=json --output=$W/$2.json $W/$2.fio >$W/$2.err 2>&1 &
	FIO=$!
	t_fio=$SECONDS
}

# wait_fio TAG: fio must exit 0 with no job error, and have verified data
wait_fio() {
	wait "$FIO"
	local rc=$? s
	s=$(sc_fio_summary $W/$1.json) || sc_fail "fio $1: no JSON result (rc $rc): $(head -c 600 $W/$1.err)"
	read -r ferr fread fwrite <<<"$s"
	echo "fio $1: rc $rc, errors $ferr, written $((fwrite >> 20)) MiB, verified $((fread >> 20)) MiB"
	[ "$rc" = 0 ] && [ "$ferr" = 0 ] ||
		sc_fail "fio $1: rc $rc, $ferr errors: $(grep -h -m3 -i 'err\|verify' $W/$1.err $W/$1.json | head -n 5)"
	[ "$fread" -gt 0 ] && [ "$fwrite" -gt 0 ] || sc_fail "fio $1 wrote $fwrite and verified $fread bytes"
}

# fio_midway: until fio has run a quarter of its time (laid out its files
# and is writing and verifying)
fio_midway() {
	while [ $((SECONDS - t_fio)) -lt $((SECS / 4)) ]; do
		kill -0 "$FIO" 2>/dev/null || return 0
		sleep 1
	done
}

# sums FILE: sha256 of every file under $M into FILE
sums() {
	(cd $M && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$1" || sc_fail "sha256sum"
}
same() {	# same FILE WHEN
	(cd $M && sha256sum --quiet -c "$1") >$W/check.out 2>&1 ||
		sc_fail "$2: $(grep -c FAILED $W/check.out) file(s) differ: $(head -n 3 $W/check.out)"
	echo "$2: $(wc -l <"$1") files read back the same"
}

sc_load
sc_start_weftd sf $D $W/weftd.log --log-level info
# Earlier tests of the same boot may have left a superblock or ext4 on them.
d0=$(sc_wait_dev weft0) && d1=$(sc_wait_dev weft1) && d2=$(sc_wait_dev weft2) ||
	sc_fail "want NVMe drives with serials weft0..weft2: run with --nvme 3"
weft drive add --force "$d0" "$d1" "$d2" >/dev/null || sc_fail "drive add $d0 $d1 $d2"
weft fs create data --capacity 2GiB --replication 2 >/dev/null || sc_fail "fs create --replication 2"
sc_mount sf/data $M
r=$(sc_redundancy)
case "$r" in "0 0 0 0 healthy") ;; *) sc_fail "redundancy of the new fs: $r" ;; esac

# ---- (a) a drive dies under fio ------------------------------------------
victim=$d1
run_fio $M/a a
fio_midway
if ! kill -0 "$FIO" 2>/dev/null; then
	wait_fio a
	sc_fail "fio ended $((SECONDS - t_fio)) s after its start, before the drive failure"
fi
echo "(a) fio running for $((SECONDS - t_fio)) s; pulling $victim out (PCI hot-remove)"
t_fail=$SECONDS
echo 1 >/sys/block/"$(basename "$victim")"/device/device/remove || sc_fail "PCI remove of $victim"
[ -b "$victim" ] && sc_fail "$victim still present after PCI remove"
wait_fio a
i=$(sc_integrity)
echo "integrity (checksum_errors repaired unrecoverable drive_failures): $i"
[ "$(echo "$i" | cut -d' ' -f4)" -ge 1 ] || sc_fail "weftd did not count the drive failure: $i"
[ "$(echo "$i" | cut -d' ' -f3)" = 0 ] || sc_fail "unrecoverable blocks after a single drive failure: $i"
sc_wait_rebuilt 600
echo "(a) rebuild complete $((SECONDS - t_fail)) s after the drive failure"
weft drive remove "$victim" >/dev/null || sc_fail "drive remove $victim: $(weft drive list 2>&1)"
r=$(sc_redundancy)
[ "$r" = "0 0 0 0 healthy" ] || sc_fail "redundancy after rebuild and drive remove: $r"
sums $W/a.sums
echo 3 >/proc/sys/vm/drop_caches
same $W/a.sums "(a) after drop_caches"
sc_umount $M
sc_mount sf/data $M
same $W/a.sums "(a) after a remount"

# ---- (b) garbage on a drive under fio --------------------------------------
echo 1 >/sys/bus/pci/rescan || sc_fail "PCI rescan"
back=$(sc_wait_dev weft1) || sc_fail "the removed drive did not come back after a PCI rescan"
weft drive add --force "$back" >/dev/null || sc_fail "re-adding $back"
r=$(sc_redundancy)
[ "$r" = "0 0 0 0 healthy" ] || sc_fail "redundancy after re-adding $back: $r"
bad=$d2
i0=$(sc_integrity)
run_fio $M/b b
fio_midway
# Every chunk of (a) has a replica on $bad; (b) puts 2 of every 3 there.
# Garbage goes to random 64 KiB pieces of the part of the data area that
# holds extents (the allocator fills it from the start), never below 1 MiB.
used=$(sc_wjson "[x['used_bytes'] for x in d if x['path'] == '$bad'][0]" drive list) ||
	sc_fail "drive list: no $bad"
# in 64 KiB units: what it holds now and what the rest of (b) may add
span=$(( (used >> 16) + 5 * MB * 16 ))
echo "(b) corrupting $bad under fio ($((used >> 20)) MiB of extents allocated on it)"
hits=0
while kill -0 "$FIO" 2>/dev/null && [ $hits -lt 300 ]; do
	off=$((16 + (RANDOM * 32768 + RANDOM) % span))
	dd if=/dev/urandom of="$bad" bs=64k seek=$off count=1 oflag=direct conv=notrunc status=none ||
		sc_fail "dd onto $bad at $((off * 64)) KiB"
	hits=$((hits + 1))
	[ $((hits % 10)) = 0 ] && sleep 0.5
done
echo "(b) wrote garbage over $hits pieces of 64 KiB of $bad (in its first $((span / 16)) MiB of data)"
wait_fio b
# reading everything of (a) meets the bad blocks on $bad's replicas
echo 3 >/proc/sys/vm/drop_caches
same $W/a.sums "(b) files of (a) with garbage on $bad"
i1=$(sc_integrity)
echo "integrity before (b): $i0; after fio and a read of everything: $i1"
read -r ce0 rep0 _ _ <<<"$i0"
read -r ce1 rep1 unr1 _ <<<"$i1"
[ "$unr1" = 0 ] || sc_fail "unrecoverable blocks with one corrupted drive: $i1"
[ "$ce1" -gt "$ce0" ] || sc_fail "no checksum error counted after garbage on $bad: $i0 -> $i1"
[ "$rep1" -gt "$rep0" ] || sc_fail "no block repaired after garbage on $bad: $i0 -> $i1"
s1=$(sc_wjson "d['chunks'], d['blocks_checked'], d['bad_blocks'], d['repaired_blocks']" scrub) || sc_fail "scrub"
echo "scrub 1 (chunks, blocks checked, bad, repaired): $s1"
read -r _ chk1 bad1 fix1 <<<"$s1"
[ "$chk1" -gt 0 ] || sc_fail "scrub checked nothing: $s1"
[ "$bad1" = "$fix1" ] || sc_fail "scrub found $bad1 bad blocks but repaired $fix1"
s2=$(sc_wjson "d['chunks'], d['blocks_checked'], d['bad_blocks'], d['repaired_blocks']" scrub) || sc_fail "scrub"
echo "scrub 2: $s2"
read -r _ _ bad2 _ <<<"$s2"
[ "$bad2" = 0 ] || sc_fail "a second scrub still finds $bad2 bad blocks"
i2=$(sc_integrity)
echo "integrity at the end: $i2"
[ "$(echo "$i2" | cut -d' ' -f3)" = 0 ] || sc_fail "unrecoverable blocks: $i2"
sums $W/all.sums
sc_umount $M
sc_mount sf/data $M
same $W/all.sums "(b) everything after a remount"
r=$(sc_redundancy)
[ "$r" = "0 0 0 0 healthy" ] || sc_fail "redundancy at the end: $r"

sc_umount $M
sc_stop_weftd
out=$(weftd --check --data-dir $D 2>&1)
rc=$?
[ $rc = 0 ] && echo "$out" | grep -q 'is consistent' || sc_fail "weftd --check: exit $rc: $out"
echo "$out"
rmmod weft || sc_fail "rmmod"
echo "$T: ok"
exit 0
