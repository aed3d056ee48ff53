#!/bin/bash
# weftd's own lifecycle on the real module: startup line, EBUSY and EPERM
# messages, mount/stat/ls/df, MGMT via weft, SIGTERM -> exit 0 and detach.
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
rmmod weft || fail "rmmod"
echo "$T: ok"
exit 0
