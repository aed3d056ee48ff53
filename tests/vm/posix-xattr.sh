#!/bin/bash
# POSIX xattr, ACL and RENAME_WHITEOUT checks (tests/vm/posix_check.py xattr
# acl whiteout): tmpfs as the control, then weft through weftd.  Then: an
# inherited ACL travels inside the create (ring ABI 2): creating under a
# directory with a default ACL sends no SETXATTR, and the new nodes have it.
. "$(dirname "$0")/posix-common.inc"
posix_run pxxattr xattr acl whiteout

setxattrs() {	# SETXATTR requests the module has sent so far
	weft stats --json --channel pxacl --op SETXATTR | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(o["count"] for o in d["ops"] if o["op"] == "SETXATTR"))'
}
load
daemon_start pxacl
do_mount pxacl/default /mnt/pxacl
mkdir /mnt/pxacl/d || fail "mkdir failed"
setfacl -d -m u:1234:rwx /mnt/pxacl/d || fail "setfacl -d failed"
before=$(setxattrs) || fail "weft stats failed"
touch /mnt/pxacl/d/f && mkdir /mnt/pxacl/d/sub && mknod /mnt/pxacl/d/p p ||
	fail "create under a default ACL failed"
after=$(setxattrs) || fail "weft stats failed"
[ "$before" = "$after" ] || fail "creates sent $((after - before)) SETXATTR (ACLs not in the create)"
for n in f sub p; do
	getfacl -p /mnt/pxacl/d/$n 2>/dev/null | grep -q '^user:1234:' ||
		fail "d/$n did not inherit the ACL"
done
getfacl -p -d /mnt/pxacl/d/sub 2>/dev/null | grep -q '^user:1234:' ||
	fail "d/sub did not inherit the default ACL"
# a fresh mount (nothing cached) reads the same from weftd
do_mount pxacl/default /mnt/pxacl2 attr_timeout=0,entry_timeout=0
getfacl -p /mnt/pxacl2/d/f 2>/dev/null | grep -q '^user:1234:' || fail "ACL of d/f not stored"
do_umount /mnt/pxacl2
do_umount /mnt/pxacl
daemon_kill "$DPID"
rm -rf /tmp/weft-data-pxacl
unload
echo "$T: inherited ACLs inside the create: ok"
exit 0
