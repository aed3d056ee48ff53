#!/bin/bash
# Clear errors: attach twice under one name (EBUSY), /dev/weft without
# CAP_SYS_ADMIN (EPERM), malformed attach/mmap/enter (EINVAL), mounts of an
# unknown daemon, unknown file system, no daemon, ambiguous daemon, bad option.
. "$(dirname "$0")/ring-common.inc"

load
out=$(setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin "$HOSTILE" open 2>&1)
[ "$out" = EPERM ] || fail "open without CAP_SYS_ADMIN gave '$out', want EPERM"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$HOSTILE" open 2>&1)
[ "$out" = EPERM ] || [ "$out" = EACCES ] || fail "open as nobody gave '$out'"
"$HOSTILE" invalid || fail "malformed attach/mmap/enter not refused"

# no daemon at all
dmesg -C
mkdir -p /mnt/re
mount -t weft default /mnt/re 2>/tmp/re.err && fail "mount with no daemon succeeded"
{ cat /tmp/re.err; dmesg; } | grep -q "no weftd attached" || fail "no clear error without daemon: $(cat /tmp/re.err)"

daemon_start re1
out=$("$HOSTILE" attach re1 2>&1)
[ "$out" = EBUSY ] || fail "second attach as re1 gave '$out', want EBUSY"

mount -t weft nosuch/default /mnt/re 2>/tmp/re.err && fail "mount of an unknown daemon succeeded"
{ cat /tmp/re.err; dmesg; } | grep -q "no weftd attached as 'nosuch'" || fail "unclear error for unknown daemon: $(cat /tmp/re.err)"
mount -t weft re1/nofs /mnt/re 2>/tmp/re.err && fail "mount of an unknown fs succeeded"
{ cat /tmp/re.err; dmesg; } | grep -q "has no file system 'nofs'" || fail "unclear error for unknown fs: $(cat /tmp/re.err)"
mount -t weft -o bogus=1 re1/default /mnt/re 2>/tmp/re.err && fail "mount with an unknown option succeeded"
{ cat /tmp/re.err; dmesg; } | grep -q "unknown mount option 'bogus'" || fail "unclear error for a bad option: $(cat /tmp/re.err)"

daemon_start re2
mount -t weft default /mnt/re 2>/tmp/re.err && fail "ambiguous mount succeeded"
{ cat /tmp/re.err; dmesg; } | grep -q "2 weftd attached" || fail "unclear error for an ambiguous mount: $(cat /tmp/re.err)"
do_mount re2/default /mnt/re
do_umount /mnt/re

for p in $DAEMON_PIDS; do daemon_kill "$p"; done
# the names are free again once the daemons are gone
daemon_start re1
daemon_kill "$DPID"
unload
echo "$T: ok"
exit 0
