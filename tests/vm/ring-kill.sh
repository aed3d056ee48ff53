#!/bin/bash
# kill -9 weftd while 64 threads are blocked in stat (attribute caching
# off, daemon stopped): every call returns ENOTCONN within 2 s, later calls
# fail at once, umount and rmmod succeed.
. "$(dirname "$0")/ring-common.inc"

load
daemon_start rk
do_mount rk/default /mnt/rk attr_timeout=0,entry_timeout=0
stat /mnt/rk >/dev/null || fail "stat before the kill failed"

python3 - "$DPID" /mnt/rk <<'PY' || fail "blocked calls did not all fail with ENOTCONN in time"
import errno, os, signal, sys, threading, time
pid, mnt = int(sys.argv[1]), sys.argv[2]
res = [None] * 64
def worker(i):
    try:
        os.stat(mnt)
        res[i] = ("ok", time.monotonic())
    except OSError as e:
        res[i] = (e.errno, time.monotonic())
os.kill(pid, signal.SIGSTOP)
ts = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(64)]
for t in ts: t.start()
time.sleep(3)
done = [r for r in res if r is not None]
if done:
    print("ring-kill: %d calls returned while the daemon was stopped: %s" % (len(done), done[:3]))
    sys.exit(1)
t0 = time.monotonic()
os.kill(pid, signal.SIGKILL)
for t in ts: t.join(10)
bad = [r for r in res if r is None or r[0] != errno.ENOTCONN or r[1] - t0 > 2.0]
if bad:
    print("ring-kill: %d of 64 calls wrong or late: %s" % (len(bad), bad[:3]))
    sys.exit(1)
print("ring-kill: 64 calls failed with ENOTCONN within %.2f s" % (max(r[1] for r in res) - t0))
PY
{ wait "$DPID"; } 2>/dev/null
DAEMON_PIDS=""
t0=$(date +%s%N)
err=$(stat /mnt/rk 2>&1) && fail "stat after the daemon died succeeded"
echo "$err" | grep -q "not connected" || fail "stat after the daemon died: $err"
ls /mnt/rk >/dev/null 2>&1 && fail "ls after the daemon died succeeded"
# "at once" = never waiting for the 60 s request timeout; the bound leaves
# room for starting two processes under TCG on a loaded host
[ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 10000 ] || fail "calls on a dead channel waited (>10 s)"
do_umount /mnt/rk
unload
echo "$T: ok ($(daemon_kind))"
exit 0
