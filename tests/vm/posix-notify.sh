#!/bin/bash
# Daemon -> kernel invalidation (WEFT_IOC_NOTIFY): tests/tools/weft-notify
# serves a tiny tree with hour-long caches, changes it behind the kernel's
# back and shows that the kernel sees the old values until a notification
# and the new ones right after it; malformed notifications get their errno;
# notifications racing mount/umount cycles.  The rig fails the run on any
# kernel warning.
. "$(dirname "$0")/ring-common.inc"

tool=""
for c in "$(command -v weft-notify 2>/dev/null)" \
	"${WEFT_BUILD:-$WEFT_TOP/build}/cmake/tests/tools/weft-notify" \
	"${WEFT_BUILD:-$WEFT_TOP/build}/weft-notify"; do
	[ -n "$c" ] && [ -x "$c" ] && { tool=$c; break; }
done
[ -n "$tool" ] || fail "weft-notify not built (tests/tools)"

load
mkdir -p /mnt/notify
out=$(timeout 300 "$tool" notify /mnt/notify 2>&1)
rc=$?
echo "$out"
umount /mnt/notify 2>/dev/null
[ $rc -eq 0 ] || fail "weft-notify exited $rc: $(echo "$out" | tail -n 1)"
echo "$out" | grep -q "all checks held" || fail "weft-notify did not finish"
unload
echo "$T: ok"
exit 0
