#!/bin/bash
# Mount, stat, ls and df through the ring; `FS` alone with one daemon
# attached; umount; daemon exit; rmmod.
. "$(dirname "$0")/ring-common.inc"

load
daemon_start rm1
do_mount rm1/default /mnt/rm1
grep -q '^rm1/default /mnt/rm1 weft ' /proc/mounts || fail "/proc/mounts lacks rm1/default: $(grep weft /proc/mounts)"
[ "$(stat -c %F /mnt/rm1)" = directory ] || fail "root is not a directory: $(stat /mnt/rm1 2>&1)"
ls -la /mnt/rm1 >/tmp/rm1.ls 2>&1 || fail "ls failed: $(cat /tmp/rm1.ls)"
if [ "$(daemon_kind)" = tool ]; then
	ls /mnt/rm1 | tr '\n' ' ' | grep -q '^hello sub $' || fail "ls shows '$(ls /mnt/rm1 | tr '\n' ' ')'"
	[ "$(stat -c %s:%F /mnt/rm1/hello)" = "5:regular file" ] || fail "stat hello: $(stat /mnt/rm1/hello 2>&1)"
	[ "$(stat -c %F /mnt/rm1/sub)" = directory ] || fail "stat sub: $(stat /mnt/rm1/sub 2>&1)"
	stat /mnt/rm1/nothere >/dev/null 2>&1 && fail "stat of a missing name succeeded"
fi
df -P /mnt/rm1 >/tmp/rm1.df 2>&1 || fail "df failed: $(cat /tmp/rm1.df)"
[ "$(stat -f -c %t /mnt/rm1)" = 57454654 ] || fail "statfs type $(stat -f -c %t /mnt/rm1)"
stat -f /mnt/rm1 | grep -q 'Blocks: Total' || fail "statfs: $(stat -f /mnt/rm1 2>&1)"

# FS alone: exactly one daemon is attached
do_mount default /mnt/rm1b attr_timeout=0,entry_timeout=0
stat /mnt/rm1b >/dev/null || fail "stat through the second mount failed"
# concurrency: 16 threads of stat and listdir through the ring
python3 - /mnt/rm1b <<'PY' || fail "concurrent stat/listdir failed"
import os, sys, threading
mnt, errs = sys.argv[1], []
def worker(i):
    try:
        for _ in range(100):
            os.stat(mnt)
            os.listdir(mnt)
            os.statvfs(mnt)
    except OSError as e:
        errs.append(e)
ts = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
for t in ts: t.start()
for t in ts: t.join()
if errs:
    print("ring-mount: %d threads failed: %s" % (len(errs), errs[:3]))
    sys.exit(1)
PY
do_umount /mnt/rm1b
do_umount /mnt/rm1

daemon_kill "$DPID"
unload
echo "$T: ok ($(daemon_kind))"
exit 0
