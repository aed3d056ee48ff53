#!/bin/bash
# With a grace period: stop weftd, block 64 threads in stat, kill -9 it,
# start a new one under the same name: the blocked calls complete with the
# right answers; then umount and rmmod.  Without a restart the calls fail
# with ENOTCONN once the grace expires; rmmod works with a channel in grace.
. "$(dirname "$0")/ring-common.inc"

load
daemon_start rg
do_mount rg/default /mnt/rg attr_timeout=0,entry_timeout=0,grace=60
want=$(stat -c '%f %i %h %u %g' /mnt/rg) || fail "stat before the kill failed"

if [ "$(daemon_kind)" = weftd ]; then
	restart="mkdir -p /tmp/weft-data-rg && exec weftd --name rg --data-dir /tmp/weft-data-rg"
else
	restart="exec $HOSTILE serve rg"
fi
python3 - "$DPID" /mnt/rg "$want" "$restart" <<'PY' || fail "blocked calls did not complete after the restart"
import os, signal, subprocess, sys, threading, time
pid, mnt, want, restart = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
res = [None] * 64
def worker(i):
    try:
        st = os.stat(mnt)
        res[i] = "%x %d %d %d %d" % (st.st_mode, st.st_ino, st.st_nlink, st.st_uid, st.st_gid)
    except OSError as e:
        res[i] = "errno %d" % e.errno
os.kill(pid, signal.SIGSTOP)
ts = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(64)]
for t in ts: t.start()
time.sleep(3)
if any(r is not None for r in res):
    print("ring-grace: calls returned while the daemon was stopped")
    sys.exit(1)
os.kill(pid, signal.SIGKILL)
time.sleep(1)
if any(r is not None for r in res):
    print("ring-grace: calls returned after the kill, within the grace: %s" % [r for r in res if r][:3])
    sys.exit(1)
log = open("/tmp/rg-restart.log", "w")
d = subprocess.Popen(["sh", "-c", restart], stdout=log, stderr=log)
open("/tmp/rg-new.pid", "w").write(str(d.pid))
for t in ts: t.join(60)
bad = [r for r in res if r != want]
if bad:
    print("ring-grace: %d of 64 calls wrong: %s, want %s" % (len(bad), bad[:3], want))
    sys.exit(1)
print("ring-grace: 64 blocked calls completed after the restart")
PY
{ wait "$DPID"; } 2>/dev/null
DAEMON_PIDS="$(cat /tmp/rg-new.pid 2>/dev/null)"
grep -q "attached as" /tmp/rg-restart.log || fail "the new daemon did not attach: $(cat /tmp/rg-restart.log)"
if [ "$(daemon_kind)" = tool ]; then
	grep -q "resumed, 64 pending" /tmp/rg-restart.log ||
		fail "attach did not report 64 resumed requests: $(cat /tmp/rg-restart.log)"
fi
[ "$(stat -c '%f %i %h %u %g' /mnt/rg)" = "$want" ] || fail "stat after the restart differs"
do_umount /mnt/rg
for p in $DAEMON_PIDS; do daemon_kill "$p"; done

# the grace expires with no daemon back: the blocked calls fail with
# ENOTCONN soon after it, not before
daemon_start rg2
do_mount rg2/default /mnt/rg2 attr_timeout=0,entry_timeout=0,grace=3
stat /mnt/rg2 >/dev/null || fail "stat on rg2 failed"
python3 - "$DPID" /mnt/rg2 <<'PY' || fail "calls did not fail with ENOTCONN when the grace expired"
import errno, os, signal, sys, threading, time
pid, mnt = int(sys.argv[1]), sys.argv[2]
res = [None] * 8
def worker(i):
    try:
        os.stat(mnt)
        res[i] = ("ok", time.monotonic())
    except OSError as e:
        res[i] = (e.errno, time.monotonic())
os.kill(pid, signal.SIGSTOP)
ts = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(8)]
for t in ts: t.start()
time.sleep(2)
t0 = time.monotonic()
os.kill(pid, signal.SIGKILL)
for t in ts: t.join(20)
bad = [r for r in res if r is None or r[0] != errno.ENOTCONN or not (2.5 < r[1] - t0 < 6.0)]
if bad:
    print("ring-grace: %d of 8 calls wrong after the grace: %s (t0 %.2f)" % (len(bad), bad[:3], t0))
    sys.exit(1)
print("ring-grace: calls failed with ENOTCONN %.2f s after the kill (grace 3 s)" % (max(r[1] for r in res) - t0))
PY
{ wait "$DPID"; } 2>/dev/null
DAEMON_PIDS=""
do_umount /mnt/rg2

# a channel waiting in its grace period with no mount left: rmmod still works
daemon_start rg3
do_mount rg3/default /mnt/rg3 grace=600
do_umount /mnt/rg3
daemon_kill "$DPID"
dmesg | grep -q "weftd 'rg3' detached; waiting" || fail "rg3 did not enter its grace period"
unload
echo "$T: ok ($(daemon_kind))"
exit 0
