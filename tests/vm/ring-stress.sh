#!/bin/bash
# Races under load: callers killed mid-request (zombie slots), the daemon
# killed mid-load without grace (everyone gets ENOTCONN, nobody hangs), and
# killed mid-load within a grace period and restarted (no caller notices).
. "$(dirname "$0")/ring-common.inc"

# load_gen MNT SECONDS OUT: 8 threads of stat/listdir/statvfs; writes
# "ok N" or "err ERRNO..." lines to OUT
load_gen() {
	python3 - "$1" "$2" "$3" <<'PY' &
import os, sys, threading, time
mnt, secs, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
res, end = [], time.monotonic() + secs
def worker():
    n, errs = 0, set()
    while time.monotonic() < end:
        try:
            os.stat(mnt); os.listdir(mnt); os.statvfs(mnt)
            n += 1
        except OSError as e:
            errs.add(e.errno)
    res.append((n, errs))
ts = [threading.Thread(target=worker) for _ in range(8)]
for t in ts: t.start()
for t in ts: t.join()
with open(out, "w") as f:
    for n, errs in res:
        f.write(("ok %d" % n) if not errs else ("err %s" % sorted(errs)))
        f.write("\n")
PY
	LPID=$!
}

load
daemon_start rs
do_mount rs/default /mnt/rs attr_timeout=0,entry_timeout=0,timeout=10

# 1. callers killed mid-request, repeatedly, while the daemon serves
for i in 1 2 3 4 5; do
	load_gen /mnt/rs 5 /tmp/rs-kill-$i
	sleep 0.$((RANDOM % 9 + 1))
	kill -9 "$LPID"
	{ wait "$LPID"; } 2>/dev/null
done
load_gen /mnt/rs 2 /tmp/rs-after
{ wait "$LPID"; } 2>/dev/null
grep -q err /tmp/rs-after && fail "errors after killed callers: $(sort -u /tmp/rs-after)"
grep -q "ok [1-9]" /tmp/rs-after || fail "no progress after killed callers"

# 2. the daemon dies under load, no grace: ENOTCONN for all, promptly
load_gen /mnt/rs 30 /tmp/rs-dead
sleep 2
daemon_kill "$DPID"
t0=$(date +%s)
{ wait "$LPID"; } 2>/dev/null
[ $(( $(date +%s) - t0 )) -le 35 ] || fail "callers hung after the daemon died"
grep -q "ok [0-9]" /tmp/rs-dead && ! grep -q err /tmp/rs-dead && fail "no errors after the daemon died?"
grep -v "err \[107\]" /tmp/rs-dead | grep -q err && fail "errors other than ENOTCONN: $(sort -u /tmp/rs-dead)"
do_umount /mnt/rs

# 3. within a grace period: kill and restart under load, nobody notices
daemon_start rs
do_mount rs/default /mnt/rs attr_timeout=0,entry_timeout=0,grace=30
load_gen /mnt/rs 8 /tmp/rs-grace
sleep 2
daemon_kill "$DPID"
sleep 1
daemon_start rs
{ wait "$LPID"; } 2>/dev/null
grep -q err /tmp/rs-grace && fail "errors across a restart within the grace: $(sort -u /tmp/rs-grace)"
[ "$(grep -c ok /tmp/rs-grace)" = 8 ] || fail "load generator incomplete: $(cat /tmp/rs-grace)"
do_umount /mnt/rs
daemon_kill "$DPID"
unload
echo "$T: ok ($(daemon_kind))"
exit 0
