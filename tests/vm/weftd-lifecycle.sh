#!/bin/bash
# weftd's own lifecycle on the real module: startup line, EBUSY and EPERM
# messages, mount/stat/ls/df, MGMT via weft, SIGTERM -> exit 0 and detach.
# Then the control plane: a bad --drive (one line, exit 1, also through
# --daemonize), --daemonize + --pidfile + --log-file + --drive /dev/nvme0n1,
# SIGTERM via the pidfile, a restart with the same --drive keeping the data;
# a file system with --capacity 8M (ENOSPC at 8M, df shows 8M, deleting
# frees it) and `fs update --new-name` keeping the data.
. "$WEFT_TOP/tests/vm/ring-common.inc"
T=weftd-lifecycle
load
mkdir -p /tmp/wl
weftd --name wl --data-dir /tmp/wl/data --queues 2 --queue-depth 64 >/tmp/wl/log 2>&1 &
P=$!
for _ in $(seq 100); do grep -q 'attached as' /tmp/wl/log && break; sleep 0.1; done
grep -qx 'weftd: attached as wl (2 queues x 64 slots)' /tmp/wl/log || fail "startup line: $(cat /tmp/wl/log)"
[ -d /tmp/wl/data ] || fail "data dir not created"
out=$(weftd --name wl --data-dir /tmp/wl/d2 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "weftd: a daemon is already attached as 'wl'" ] || fail "EBUSY: rc=$rc '$out'"
if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all weftd --name x --data-dir /tmp/wl/d3 2>&1); rc=$?
	echo "unprivileged: rc=$rc $out"
	[ $rc = 1 ] && echo "$out" | grep -q 'needs root' || fail "EPERM: rc=$rc '$out'"
fi
mkdir -p /mnt/wl
mount -t weft wl/default /mnt/wl || fail "mount"
stat /mnt/wl >/dev/null || fail "stat"
ls -la /mnt/wl || fail "ls"
df -P /mnt/wl || fail "df"
stat /mnt/wl/missing 2>&1 | grep -q 'No such file' || fail "lookup of a missing name"
mount -t weft wl/nosuchfs /mnt/wl 2>/tmp/wl/m.err && fail "mount of an unknown fs succeeded"
echo "unknown fs: $(cat /tmp/wl/m.err)"
weft status --json && echo || echo "weft status failed"
weft version --json; echo
umount /mnt/wl || fail "umount"
kill -TERM $P
wait $P; rc=$?
cat /tmp/wl/log
[ $rc = 0 ] || fail "weftd exit status $rc after SIGTERM"
grep -q "detached from 'wl'" /tmp/wl/log || fail "no detach line"
# and again after the previous one left: the name is free
weftd --name wl --data-dir /tmp/wl/data >/tmp/wl/log2 2>&1 &
P=$!
for _ in $(seq 100); do grep -q 'attached as' /tmp/wl/log2 && break; sleep 0.1; done
grep -q 'attached as wl' /tmp/wl/log2 || fail "re-attach: $(cat /tmp/wl/log2)"
kill -INT $P; wait $P; rc=$?
[ $rc = 0 ] || fail "weftd exit status $rc after SIGINT"

# ---- --drive, --daemonize, --pidfile ---------------------------------------------
# /dev/nvme0n1 is left as found (no weft superblock: the first MiB) for the
# tests after this one in the same boot, also when this one fails.
wipe_drive() { dd if=/dev/zero of=/dev/nvme0n1 bs=1M count=1 oflag=direct status=none; }
fail() {
	echo "$T: FAIL: $*"
	cleanup
	wipe_drive
	exit 1
}
wipe_drive || fail "wipe /dev/nvme0n1"
DD=/tmp/wl/dd
PF=/tmp/wl/wd.pid
DLOG=/tmp/wl/wd.log
M=/mnt/wl
wait_gone() {	# wait_gone PID: until it has exited
	for _ in $(seq 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	fail "pid $1 still running"
}
# a bad drive: one line naming it, exit 1, in the foreground and daemonized
out=$(weftd --name wd --data-dir $DD --drive /dev/nosuchdrive 2>&1); rc=$?
echo "bad drive: rc=$rc $out"
[ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q '^weftd: .*/dev/nosuchdrive' ||
	fail "bad --drive: rc=$rc '$out'"
out=$(weftd --daemonize --name wd --data-dir $DD --drive /dev/nosuchdrive --pidfile $PF 2>&1); rc=$?
[ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q '^weftd: .*/dev/nosuchdrive' ||
	fail "bad --drive, daemonized: rc=$rc '$out'"
[ -e $PF ] && fail "pidfile of a daemon that never served"
out=$(weftd --daemonize --name wd --data-dir $DD --drive relative.img 2>&1); rc=$?
[ $rc = 1 ] && [ "$out" = "weftd: drive path must be absolute, not 'relative.img'" ] ||
	fail "relative --drive: rc=$rc '$out'"

t0=$(date +%s%N)
out=$(weftd --daemonize --name wd --data-dir $DD --queues 2 --drive /dev/nvme0n1 --pidfile $PF \
	--log-file $DLOG 2>&1); rc=$?
t1=$(date +%s%N)
echo "daemonize returned in $(( (t1 - t0) / 1000000 )) ms"
[ $rc = 0 ] && [ -z "$out" ] || fail "daemonize: rc=$rc '$out' log: $(cat $DLOG)"
# attached and serving before the parent returned: pidfile, log line, channel
[ -s $PF ] || fail "no pidfile after --daemonize returned"
DP=$(cat $PF)
DAEMON_PIDS="$DAEMON_PIDS $DP"
kill -0 "$DP" || fail "pidfile names $DP, not running"
grep -q 'Z weftd: attached as wd (2 queues x ' $DLOG || fail "log file: $(cat $DLOG)"
# /proc/PID/stat: field 6 is the session, 7 the controlling terminal
sid=$(awk '{print $6}' /proc/"$DP"/stat)
tty=$(awk '{print $7}' /proc/"$DP"/stat)
[ "$sid" = "$DP" ] && [ "$tty" = 0 ] || fail "not a session leader without a terminal: sid=$sid tty=$tty"
[ "$(readlink /proc/"$DP"/fd/0)" = /dev/null ] || fail "stdin: $(readlink /proc/"$DP"/fd/0)"
[ "$(readlink /proc/"$DP"/fd/2)" = $DLOG ] || fail "stderr: $(readlink /proc/"$DP"/fd/2)"
[ "$(readlink /proc/"$DP"/cwd)" = / ] || fail "cwd: $(readlink /proc/"$DP"/cwd)"
weft drive list --channel wd --json >/tmp/wl/drives || fail "drive list"
python3 -c "
import json; d = json.load(open('/tmp/wl/drives'))
assert [x['path'] for x in d] == ['/dev/nvme0n1'] and d[0]['state'] == 'up', d" ||
	fail "drives: $(cat /tmp/wl/drives)"
[ -e $DD/default-drive.img ] && fail "default drive file kept next to --drive"
mount -t weft wd/default $M || fail "mount wd"
head -c 3000000 /dev/urandom >/tmp/wl/payload
cp /tmp/wl/payload $M/payload || fail "write payload"
sync
SUM=$(sha256sum </tmp/wl/payload)
umount $M || fail "umount wd"
kill -TERM "$(cat $PF)" || fail "SIGTERM via the pidfile"
wait_gone "$DP"
[ -e $PF ] && fail "pidfile left after a clean stop"
grep -q "detached from 'wd'" $DLOG || fail "no detach line in the log: $(cat $DLOG)"

# the same --drive again: opened, not re-added or reformatted; data kept
# (no --log-file this time: the daemon logs to syslog)
out=$(weftd --daemonize --name wd --data-dir $DD --drive /dev/nvme0n1 --pidfile $PF 2>&1) ||
	fail "restart: $out"
[ -z "$out" ] || fail "restart printed: $out"
DP=$(cat $PF)
DAEMON_PIDS="$DAEMON_PIDS $DP"
weft drive list --channel wd --json >/tmp/wl/drives || fail "drive list"
python3 -c "
import json; d = json.load(open('/tmp/wl/drives'))
assert [x['path'] for x in d] == ['/dev/nvme0n1'], d" || fail "drives after restart: $(cat /tmp/wl/drives)"
mount -t weft wd/default $M || fail "mount wd after restart"
[ "$(sha256sum <$M/payload)" = "$SUM" ] || fail "payload changed across the restart"

# ---- capacity: fs create --capacity 8M --------------------------------------------
weft fs create small --capacity 8MiB --channel wd || fail "fs create small"
mkdir -p /mnt/small
mount -t weft wd/small /mnt/small || fail "mount small"
df -B1 /mnt/small
size=$(df -B1 --output=size /mnt/small | tail -n 1 | tr -d ' ')
[ "$size" = $((8 << 20)) ] || fail "df size of small: $size"
# direct writes: the refusal comes from the write itself
dd if=/dev/zero of=/mnt/small/f bs=1M count=16 oflag=direct 2>/tmp/wl/dd.err; rc=$?
cat /tmp/wl/dd.err
[ $rc != 0 ] && grep -q 'No space left on device' /tmp/wl/dd.err || fail "16M into 8M: rc=$rc"
got=$(stat -c %s /mnt/small/f)
echo "written before ENOSPC: $got"
[ "$got" = $((8 << 20)) ] || fail "size at ENOSPC: $got"
avail=$(df -B1 --output=avail /mnt/small | tail -n 1 | tr -d ' ')
[ "$avail" = 0 ] || fail "df avail when full: $avail"
# through the page cache: writeback fails, fsync reports it
dd if=/dev/zero of=/mnt/small/g bs=1M count=1 conv=fsync 2>/tmp/wl/dd.err && fail "buffered write past capacity succeeded"
grep -q 'No space left on device' /tmp/wl/dd.err || fail "buffered: $(cat /tmp/wl/dd.err)"
truncate -s 9M /mnt/small/f 2>/tmp/wl/tr.err && fail "truncate past the capacity succeeded"
fallocate -l 9M /mnt/small/f 2>/tmp/wl/tr.err && fail "fallocate past the capacity succeeded"
rm -f /mnt/small/f /mnt/small/g || fail "rm"
for _ in $(seq 50); do	# the last RELEASE may still be on its way
	avail=$(df -B1 --output=avail /mnt/small | tail -n 1 | tr -d ' ')
	[ "$avail" = $((8 << 20)) ] && break
	sleep 0.1
done
[ "$avail" = $((8 << 20)) ] || fail "df avail after rm: $avail"
dd if=/dev/urandom of=/mnt/small/h bs=1M count=6 conv=fsync status=none || fail "write after freeing"
SUM2=$(sha256sum </mnt/small/h)

# ---- fs update --new-name keeps the data ------------------------------------------
umount /mnt/small || fail "umount small"
weft fs update small --new-name tiny --channel wd || fail "fs rename"
mount -t weft wd/small /mnt/small 2>/dev/null && fail "the old name still mounts"
mount -t weft wd/tiny /mnt/small || fail "mount under the new name"
[ "$(sha256sum </mnt/small/h)" = "$SUM2" ] || fail "data lost by the rename"
dd if=/dev/zero of=/mnt/small/i bs=1M count=4 oflag=direct 2>/dev/null && fail "capacity lost by the rename"
umount /mnt/small || fail "umount tiny"
umount $M || fail "umount wd"
kill -TERM "$DP"
wait_gone "$DP"

wipe_drive || fail "wipe /dev/nvme0n1"
rmmod weft || fail "rmmod"
echo "$T: ok"
exit 0
