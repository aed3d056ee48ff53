#!/usr/bin/env python3
"""posix_idmap_mount.py SRC DST "NSID HOSTID COUNT": an idmapped bind mount.

Debian 12's libmount has no X-mount.idmap, so this does what it would:
a user namespace with that uid_map and gid_map (made by a child that
unshares), open_tree(OPEN_TREE_CLONE) of SRC, mount_setattr(MOUNT_ATTR_IDMAP)
with the namespace, move_mount onto DST.  Exits non-zero with the errno
name on failure.
"""
import ctypes
import errno
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_open_tree, SYS_move_mount, SYS_mount_setattr = 428, 429, 442
OPEN_TREE_CLONE, OPEN_TREE_CLOEXEC = 1, os.O_CLOEXEC
AT_FDCWD, AT_RECURSIVE, AT_EMPTY_PATH = -100, 0x8000, 0x1000
MOVE_MOUNT_F_EMPTY_PATH = 0x4
MOUNT_ATTR_IDMAP = 0x00100000
CLONE_NEWUSER = 0x10000000


class MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def die(what):
    e = ctypes.get_errno()
    sys.exit("posix_idmap_mount: %s: %s" % (what, errno.errorcode.get(e, e)))


def userns_fd(mapping):
    r, w = os.pipe()      # parent -> child: done, exit
    rr, ww = os.pipe()    # child -> parent: in the namespace
    pid = os.fork()
    if pid == 0:
        os.close(w)
        os.close(rr)
        # CLONE_NEWUSER is refused in a chroot (tests/vm run in one): this
        # child only holds the namespace, so it leaves the chroot first
        top = os.open("/", os.O_RDONLY)
        tmp = "/tmp/.idmap-%d" % os.getpid()
        os.mkdir(tmp)
        os.chroot(tmp)
        os.fchdir(top)
        for _ in range(64):
            os.chdir("..")
        os.chroot(".")
        ok = libc.unshare(CLONE_NEWUSER) == 0
        os.write(ww, b"1" if ok else b"0")
        os.read(r, 1)
        os._exit(0 if ok else 1)
    os.close(r)
    os.close(ww)
    if os.read(rr, 1) != b"1":
        sys.exit("posix_idmap_mount: unshare(CLONE_NEWUSER) failed")
    for f in ("uid_map", "gid_map"):
        with open("/proc/%d/%s" % (pid, f), "w") as fo:
            fo.write(mapping + "\n")
    fd = os.open("/proc/%d/ns/user" % pid, os.O_RDONLY)
    os.close(w)
    os.waitpid(pid, 0)
    return fd


def main():
    src, dst, mapping = sys.argv[1:4]
    ns = userns_fd(mapping)
    tree = libc.syscall(SYS_open_tree, AT_FDCWD, src.encode(),
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)
    if tree < 0:
        die("open_tree " + src)
    attr = MountAttr(MOUNT_ATTR_IDMAP, 0, 0, ns)
    if libc.syscall(SYS_mount_setattr, tree, b"", AT_EMPTY_PATH, ctypes.byref(attr),
                    ctypes.c_size_t(ctypes.sizeof(attr))) != 0:
        die("mount_setattr MOUNT_ATTR_IDMAP")
    if libc.syscall(SYS_move_mount, tree, b"", AT_FDCWD, dst.encode(),
                    MOVE_MOUNT_F_EMPTY_PATH) != 0:
        die("move_mount " + dst)


if __name__ == "__main__":
    main()
