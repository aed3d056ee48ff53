#!/bin/bash
# POSIX xattr, ACL and RENAME_WHITEOUT checks (tests/vm/posix_check.py xattr
# acl whiteout): tmpfs as the control, then weft through weftd.  Then: an
# inherited ACL travels inside the create (ring ABI 2): creating under a
# directory with a default ACL sends no SETXATTR, and the new nodes have it.
# Cached ACLs: creates in a directory do not read its default ACL again
# (no GETXATTR each), and an ACL changed through another mount reaches the
# first one's cache (weftd's inode invalidation), set and removed.
. "$(dirname "$0")/posix-common.inc"
posix_run pxxattr xattr acl whiteout

op_count() {	# op_count OP: requests of OP the module has sent so far
	weft stats --json --channel pxacl --op "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(o["count"] for o in d["ops"] if o["op"] == sys.argv[1]))' "$1"
}
setxattrs() { op_count SETXATTR; }
inherits() {	# inherits FILE: FILE's ACL has the user:1234 entry
	getfacl -p "$1" 2>/dev/null | grep -q '^user:1234:'
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

# 20 creates in one directory, attributes never cached: its default ACL is
# read once at most, not once per create
do_mount pxacl/default /mnt/pxacl3 attr_timeout=0,entry_timeout=0
mkdir /mnt/pxacl3/e || fail "mkdir e failed"
before=$(op_count GETXATTR) || fail "weft stats failed"
for i in $(seq 20); do touch /mnt/pxacl3/e/f$i || fail "touch e/f$i failed"; done
after=$(op_count GETXATTR) || fail "weft stats failed"
[ $((after - before)) -le 1 ] ||
	fail "20 creates in a directory sent $((after - before)) GETXATTR (default ACL re-read)"

# another mount sets a default ACL on e: new files through this one inherit
# it (at once or within 2 s: the invalidation leaves weftd asynchronously)
setfacl -d -m u:1234:rwx /mnt/pxacl2/e || fail "setfacl -d through the second mount failed"
ok=
for i in $(seq 20); do
	touch /mnt/pxacl3/e/g$i || fail "touch e/g$i failed"
	if inherits /mnt/pxacl3/e/g$i; then ok=1; break; fi
	sleep 0.1
done
[ -n "$ok" ] || fail "a default ACL set through another mount never reached this one's cache"
# and removed through the other mount: new files stop inheriting it
setfacl -k /mnt/pxacl2/e || fail "setfacl -k through the second mount failed"
ok=
for i in $(seq 20); do
	touch /mnt/pxacl3/e/h$i || fail "touch e/h$i failed"
	if ! inherits /mnt/pxacl3/e/h$i; then ok=1; break; fi
	sleep 0.1
done
[ -n "$ok" ] || fail "a default ACL removed through another mount stayed in this one's cache"
# an access ACL set elsewhere grants access here (as the user it names)
echo secret > /mnt/pxacl3/e/s && chmod 600 /mnt/pxacl3/e/s || fail "e/s"
su_read() { setpriv --reuid=1234 --regid=1234 --clear-groups --inh-caps=-all cat "$1" >/dev/null 2>&1; }
su_read /mnt/pxacl3/e/s && fail "uid 1234 read a 0600 file it does not own"
setfacl -m u:1234:r /mnt/pxacl2/e/s || fail "setfacl -m through the second mount failed"
ok=
for i in $(seq 20); do
	if su_read /mnt/pxacl3/e/s; then ok=1; break; fi
	sleep 0.1
done
[ -n "$ok" ] || fail "an access ACL set through another mount was not seen by this one"
do_umount /mnt/pxacl3
do_umount /mnt/pxacl2
do_umount /mnt/pxacl
daemon_kill "$DPID"
rm -rf /tmp/weft-data-pxacl
unload
echo "$T: inherited ACLs inside the create, cached ACLs and other mounts' changes: ok"
exit 0
