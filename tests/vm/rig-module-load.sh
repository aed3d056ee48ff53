#!/bin/bash
# Proof of the rig: weft.ko loads, creates /dev/weft (misc, root only),
# registers the `weft` file system type and netlink family, unloads cleanly.
set -u
fail() { echo "rig-module-load: $*"; exit 1; }

[ -e "$WEFT_KO" ] || fail "no module at $WEFT_KO"
insmod "$WEFT_KO" || fail "insmod failed"
grep -q '^weft ' /proc/modules || fail "weft not in /proc/modules"
for _ in $(seq 20); do [ -c /dev/weft ] && break; sleep 0.1; done
[ -c /dev/weft ] || fail "/dev/weft missing"
grep -q ' weft$' /proc/misc || fail "weft not in /proc/misc"
mode=$(stat -c %a /dev/weft)
[ "$mode" = 600 ] || fail "/dev/weft mode is $mode, want 600"
grep -qw weft /proc/filesystems || fail "file system type weft not registered"
# the generic-netlink family, seen through the kernel's own controller
python3 - <<'PY' || fail "generic netlink family 'weft' not registered"
import socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)  # NETLINK_GENERIC
name = b"weft\0"
attr = struct.pack("HH", 4 + len(name), 2) + name + b"\0" * ((4 - len(name) % 4) % 4)  # CTRL_ATTR_FAMILY_NAME
genl = struct.pack("BBH", 3, 1, 0)  # CTRL_CMD_GETFAMILY
msg = genl + attr
s.send(struct.pack("IHHII", 16 + len(msg), 0x10, 1, 1, 0) + msg)  # GENL_ID_CTRL, NLM_F_REQUEST
r = s.recv(4096)
_, typ = struct.unpack("IH", r[:6])
if typ == 2:  # NLMSG_ERROR
    err = struct.unpack("i", r[16:20])[0]
    raise SystemExit(1 if err else 0)
PY
# an unprivileged user may not open the ring device
if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		python3 -c 'import os
try:
    os.open("/dev/weft", os.O_RDWR)
    print("opened")
except OSError as e:
    print(e.errno)' 2>&1)
	[ "$out" = 13 ] || [ "$out" = 1 ] || fail "unprivileged open of /dev/weft gave '$out', want EACCES/EPERM"
else
	fail "setpriv not installed"
fi
rmmod weft || fail "rmmod failed"
grep -q '^weft ' /proc/modules && fail "weft still loaded after rmmod"
[ -e /dev/weft ] && fail "/dev/weft still present after rmmod"
grep -qw weft /proc/filesystems && fail "file system type still registered after rmmod"
echo "rig-module-load: ok"
exit 0
