#!/bin/bash
# A hostile daemon writes garbage completions (unknown tags, stale and old
# generations, never-issued slots, duplicates, wild cq_tail/sq_head, positive
# and huge errnos, oversized lengths, bad attrs and dirents, late answers):
# each is rejected and counted, the callers get EIO (ETIMEDOUT when never
# answered), nothing oopses or warns; then a good daemon works under the
# same name.
. "$(dirname "$0")/ring-common.inc"

load
mkdir -p /mnt/rh
timeout 120 "$HOSTILE" hostile rh /mnt/rh || fail "weft-hostile hostile failed"
grep -q ' /mnt/rh ' /proc/mounts && fail "/mnt/rh still mounted"

daemon_start rh
do_mount rh/default /mnt/rh attr_timeout=0,entry_timeout=0
stat /mnt/rh >/dev/null || fail "stat with a good daemon failed"
ls /mnt/rh >/dev/null || fail "ls with a good daemon failed"
df /mnt/rh >/dev/null || fail "df with a good daemon failed"
do_umount /mnt/rh
daemon_kill "$DPID"
unload
echo "$T: ok"
exit 0
