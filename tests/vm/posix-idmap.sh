#!/bin/bash
# Idmapped mounts (FS_ALLOW_IDMAP): an idmapped bind mount (user namespace
# uid/gid map "10000 0 1000": on-disk 10000+n shows as n) over a directory of the file system, then
# ownership seen and made through it.  Debian 12's util-linux 2.38 has no
# X-mount.idmap in its libmount, so tests/vm/posix_idmap_mount.py does the
# open_tree + mount_setattr(MOUNT_ATTR_IDMAP) + move_mount itself.  tmpfs is the
# control where its kernel allows idmapped tmpfs (6.3+); both must show
# exactly the expected ids, on disk and through the mapping.
. "$(dirname "$0")/posix-common.inc"

MAP="10000 0 1000"
idmount() { python3 "$WEFT_TOP/tests/vm/posix_idmap_mount.py" "$1" "$2" "$MAP"; }
# what a correct file system shows: key=value, one per line
EXPECTED="through.a.uid=5
through.a.gid=6
disk.b.uid=10000
disk.b.gid=10000
through.b.uid=0
through.b.gid=0
disk.c.uid=10007
disk.c.gid=10008
through.c.uid=7
through.c.gid=8
disk.acl=user:10009:rw-
disk.d.uid=10000
unmapped.e.uid=65534
chown.unmapped=refused"

# idmap_run DIR: DIR is on the file system under test; prints key=value
idmap_run() {
	local base=$1/idm mnt=/tmp/idm-view
	mkdir -p "$base" "$mnt"
	chmod 0777 "$base"
	chown 10000:10000 "$base"	# an unmapped owner would refuse writes (EACCES)
	touch "$base/a" && chown 10005:10006 "$base/a"
	touch "$base/e" && chown 50000:50000 "$base/e"
	idmount "$base" "$mnt" || return 1
	echo "through.a.uid=$(stat -c %u "$mnt/a")"
	echo "through.a.gid=$(stat -c %g "$mnt/a")"
	touch "$mnt/b"
	echo "disk.b.uid=$(stat -c %u "$base/b")"
	echo "disk.b.gid=$(stat -c %g "$base/b")"
	echo "through.b.uid=$(stat -c %u "$mnt/b")"
	echo "through.b.gid=$(stat -c %g "$mnt/b")"
	touch "$mnt/c" && chown 7:8 "$mnt/c"
	echo "disk.c.uid=$(stat -c %u "$base/c")"
	echo "disk.c.gid=$(stat -c %g "$base/c")"
	echo "through.c.uid=$(stat -c %u "$mnt/c")"
	echo "through.c.gid=$(stat -c %g "$mnt/c")"
	setfacl -m u:9:rw "$mnt/c"
	echo "disk.acl=$(getfacl -cpnE "$base/c" | grep '^user:[0-9]')"
	mkdir "$mnt/d"
	echo "disk.d.uid=$(stat -c %u "$base/d")"
	echo "unmapped.e.uid=$(stat -c %u "$mnt/e")"
	if chown 5000:5000 "$mnt/c" 2>/dev/null; then
		echo "chown.unmapped=ok"
	else
		echo "chown.unmapped=refused"
	fi
	umount "$mnt"
}

check_idmap() {	# check_idmap WHAT OUTPUT
	echo "$2" | sed "s/^/$1: /"
	[ "$2" = "$EXPECTED" ] || fail "$1: idmapped mount shows other ids than expected:
$(echo "$EXPECTED" >/tmp/idm-want; echo "$2" >/tmp/idm-got; diff /tmp/idm-want /tmp/idm-got)"
}

mkdir -p /tmp/pxidmap-control
mount -t tmpfs tmpfs /tmp/pxidmap-control || fail "tmpfs mount failed"
mkdir -p /tmp/pxidmap-control/idm
if idmount /tmp/pxidmap-control/idm /tmp/pxidmap-control/idm 2>/dev/null; then
	umount /tmp/pxidmap-control/idm
	check_idmap tmpfs "$(idmap_run /tmp/pxidmap-control)"
else
	echo "tmpfs: no idmapped mounts on $(uname -r); the control is skipped"
fi
umount /tmp/pxidmap-control

load
daemon_start pxidmap
do_mount pxidmap/default /mnt/pxidmap
out=$(idmap_run /mnt/pxidmap) || fail "weft: idmapped bind mount refused"
check_idmap weft "$out"
do_umount /mnt/pxidmap
daemon_kill "$DPID"
rm -rf /tmp/weft-data-pxidmap	# the VM's /tmp is a small tmpfs
unload
echo "$T: ok"
exit 0
