#!/usr/bin/env python3
"""POSIX checks on one directory: names, errnos, attributes and bytes.

    posix_check.py DIR [SECTION...]     (sections: namespace attr data concurrency direct
                                         xattr acl fallocate seek whiteout copy_range)

With POSIX_CHECK_MIRROR=DIR2 (the same directory through another mount,
with its own page cache), data written through mappings is also read back
through DIR2: proof that it left DIR's page cache.
With POSIX_CHECK_DIRECT=require, O_DIRECT must work and refuse offsets and
lengths that are not 512-byte multiples, like a local file system on a
512-byte-sector drive (memory alignment is left alone: it varies by drive); otherwise a file
system that refuses O_DIRECT at open (tmpfs before 6.6) skips those checks.

With POSIX_CHECK_FULL=1, features a kernel's tmpfs may lack are required
instead of skipped: user.* xattrs (tmpfs has them from 6.6) and
fallocate's ZERO_RANGE (tmpfs has none).

Run as root.  The same assertions pass on tmpfs (the control) and on weft;
tests/vm/posix-*.sh run both in one VM.  Prints one line per failure and
exits 1 if there was any.
"""
import ctypes
import errno
import mmap
import os
import stat
import sys

ROOT = sys.argv[1]
MIRROR = os.environ.get("POSIX_CHECK_MIRROR")
SECTIONS = sys.argv[2:] or ["namespace", "attr", "data"]
FAILS = []
NOBODY = 65534

libc = ctypes.CDLL(None, use_errno=True)
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
AT_FDCWD = -100


def p(*parts):
    return os.path.join(ROOT, *parts)


def check(cond, what):
    if not cond:
        FAILS.append(what)


def expect_errno(code, fn, *args, **kw):
    try:
        fn(*args, **kw)
    except OSError as e:
        check(e.errno == code, "%s%r: errno %s, expected %s" % (
            fn.__name__, args, errno.errorcode.get(e.errno), errno.errorcode[code]))
        return
    FAILS.append("%s%r succeeded, expected %s" % (fn.__name__, args, errno.errorcode[code]))


def renameat2(old, new, flags):
    if libc.renameat2(AT_FDCWD, old.encode(), AT_FDCWD, new.encode(), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), old)


def link_fd(fd, new):
    """linkat(fd, "", AT_FDCWD, new, AT_EMPTY_PATH)"""
    if libc.linkat(fd, b"", AT_FDCWD, new.encode(), 0x1000) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), new)


def write_file(path, data, mode=0o644):
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
    finally:
        os.close(fd)


def read_file(path):
    with open(path, "rb") as f:
        return f.read()


def as_user(uid, gid, fn):
    """run fn() in a child with the given ids; returns its failures"""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            fn()
        except Exception as e:  # noqa: BLE001 - reported to the parent
            FAILS.append("as uid %d: %r" % (uid, e))
        os.write(w, "\n".join(FAILS).encode())
        os._exit(0)
    os.close(w)
    out = b""
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        out += b
    os.close(r)
    os.waitpid(pid, 0)
    for line in out.decode().splitlines():
        if line and line not in FAILS:
            FAILS.append(line)


FULL = os.environ.get("POSIX_CHECK_FULL") == "1"


def c_getxattr(path, name, size, follow=True):
    """getxattr(2) with an explicit buffer size: (length, bytes)"""
    buf = ctypes.create_string_buffer(max(size, 1))
    fn = libc.getxattr if follow else libc.lgetxattr
    fn.restype = ctypes.c_ssize_t
    n = fn(path.encode(), name.encode(), buf if size else None, ctypes.c_size_t(size))
    if n < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), path)
    return n, buf.raw[:n] if size else b""


def c_listxattr(path, size):
    """listxattr(2) with an explicit buffer size: (length, bytes)"""
    buf = ctypes.create_string_buffer(max(size, 1))
    libc.listxattr.restype = ctypes.c_ssize_t
    n = libc.listxattr(path.encode(), buf if size else None, ctypes.c_size_t(size))
    if n < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), path)
    return n, buf.raw[:n] if size else b""


def c_fallocate(fd, mode, offset, length):
    libc.fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    if libc.fallocate(fd, mode, offset, length) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), "fallocate")


def supported(fn, *args):
    """False when fn(*args) fails with EOPNOTSUPP, True when it works"""
    try:
        fn(*args)
    except OSError as e:
        if e.errno == errno.EOPNOTSUPP:
            return False
        raise
    return True


# ---------------------------------------------------------------- namespace

def namespace():
    d = p("ns")
    os.mkdir(d, 0o755)
    check(stat.S_IMODE(os.stat(d).st_mode) == 0o755, "mkdir mode")
    expect_errno(errno.EEXIST, os.mkdir, d)

    f = p("ns", "f")
    fd = os.open(f, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    os.close(fd)
    check(stat.S_IMODE(os.stat(f).st_mode) == 0o644, "create honours umask 022: %o"
          % stat.S_IMODE(os.stat(f).st_mode))
    expect_errno(errno.EEXIST, os.open, f, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    fd = os.open(f, os.O_CREAT | os.O_WRONLY, 0o600)  # exists: just opens
    os.close(fd)
    expect_errno(errno.ENOENT, os.open, p("ns", "missing"), os.O_RDONLY)
    expect_errno(errno.ENOENT, os.stat, p("ns", "no", "such"))
    expect_errno(errno.ENOTDIR, os.stat, p("ns", "f", "x"))
    expect_errno(errno.ENOTDIR, os.open, p("ns", "f", "x"), os.O_CREAT | os.O_WRONLY)
    expect_errno(errno.ENAMETOOLONG, os.open, p("ns", "n" * 256), os.O_CREAT | os.O_WRONLY)
    os.close(os.open(p("ns", "n" * 255), os.O_CREAT | os.O_WRONLY))
    check(os.path.exists(p("ns", "n" * 255)), "255-byte name")
    os.unlink(p("ns", "n" * 255))

    # mkdir / rmdir / unlink errnos
    sub = p("ns", "sub")
    os.mkdir(sub)
    check(os.stat(d).st_nlink == 3, "dir nlink 2 + subdirs: %d" % os.stat(d).st_nlink)
    os.close(os.open(p("ns", "sub", "inner"), os.O_CREAT | os.O_WRONLY))
    expect_errno(errno.ENOTEMPTY, os.rmdir, sub)
    expect_errno(errno.EISDIR, os.unlink, sub)
    expect_errno(errno.ENOTDIR, os.rmdir, f)
    expect_errno(errno.ENOENT, os.unlink, p("ns", "missing"))
    expect_errno(errno.ENOENT, os.rmdir, p("ns", "missing"))
    os.unlink(p("ns", "sub", "inner"))
    os.rmdir(sub)
    check(not os.path.exists(sub), "rmdir left the directory")
    check(os.stat(d).st_nlink == 2, "dir nlink after rmdir: %d" % os.stat(d).st_nlink)

    # rename
    a, b = p("ns", "a"), p("ns", "b")
    write_file(a, b"A")
    os.rename(a, b)
    check(not os.path.exists(a) and read_file(b) == b"A", "plain rename")
    write_file(a, b"AA")
    os.rename(a, b)  # over an existing file
    check(read_file(b) == b"AA", "rename over a file")
    os.mkdir(p("ns", "d1"))
    os.mkdir(p("ns", "d2"))
    os.close(os.open(p("ns", "d2", "x"), os.O_CREAT | os.O_WRONLY))
    expect_errno(errno.ENOTEMPTY, os.rename, p("ns", "d1"), p("ns", "d2"))
    expect_errno(errno.EISDIR, os.rename, b, p("ns", "d1"))
    expect_errno(errno.ENOTDIR, os.rename, p("ns", "d1"), b)
    expect_errno(errno.EINVAL, os.rename, p("ns", "d2"), p("ns", "d2", "deeper"))
    expect_errno(errno.ENOENT, os.rename, p("ns", "missing"), p("ns", "other"))
    os.rename(p("ns", "d1"), p("ns", "d2", "moved"))
    check(os.path.isdir(p("ns", "d2", "moved")), "directory moved")
    check(os.stat(p("ns", "d2")).st_nlink == 3, "nlink of the new parent")
    check(os.stat(p("ns", "d2", "moved", "..")).st_ino == os.stat(p("ns", "d2")).st_ino,
          ".. follows the move")
    # renameat2
    write_file(a, b"new")
    expect_errno(errno.EEXIST, renameat2, a, b, RENAME_NOREPLACE)
    renameat2(a, p("ns", "c"), RENAME_NOREPLACE)
    check(read_file(p("ns", "c")) == b"new", "RENAME_NOREPLACE to a free name")
    renameat2(p("ns", "c"), b, RENAME_EXCHANGE)
    check(read_file(b) == b"new" and read_file(p("ns", "c")) == b"AA", "RENAME_EXCHANGE files")
    renameat2(p("ns", "c"), p("ns", "d2"), RENAME_EXCHANGE)
    check(os.path.isdir(p("ns", "c")) and read_file(p("ns", "d2")) == b"AA",
          "RENAME_EXCHANGE file and directory")
    expect_errno(errno.ENOENT, renameat2, b, p("ns", "missing"), RENAME_EXCHANGE)
    renameat2(p("ns", "d2"), p("ns", "d2"), 0)  # same name: nothing happens

    # symlinks
    os.symlink("target/of/link", p("ns", "l"))
    check(os.readlink(p("ns", "l")) == "target/of/link", "readlink")
    check(stat.S_ISLNK(os.lstat(p("ns", "l")).st_mode), "lstat of a symlink")
    check(os.lstat(p("ns", "l")).st_size == len("target/of/link"), "symlink size")
    expect_errno(errno.ENOENT, os.stat, p("ns", "l"))  # dangling
    os.symlink("f", p("ns", "lf"))
    check(os.stat(p("ns", "lf")).st_ino == os.stat(f).st_ino, "symlink followed")
    os.symlink("loop2", p("ns", "loop1"))
    os.symlink("loop1", p("ns", "loop2"))
    expect_errno(errno.ELOOP, os.stat, p("ns", "loop1"))
    expect_errno(errno.EEXIST, os.symlink, "x", p("ns", "l"))
    long_target = "t" * 4095
    os.symlink(long_target, p("ns", "longlink"))
    check(os.readlink(p("ns", "longlink")) == long_target, "4095-byte symlink")

    # hard links
    os.link(b, p("ns", "b2"))
    check(os.stat(b).st_nlink == 2 and os.stat(b).st_ino == os.stat(p("ns", "b2")).st_ino,
          "hard link")
    expect_errno(errno.EEXIST, os.link, b, p("ns", "b2"))
    expect_errno(errno.EPERM, os.link, p("ns", "c"), p("ns", "dirlink"))
    os.unlink(b)
    check(os.stat(p("ns", "b2")).st_nlink == 1 and read_file(p("ns", "b2")) == b"new",
          "data survives one unlink")

    # mknod
    os.mkfifo(p("ns", "fifo"), 0o600)
    check(stat.S_ISFIFO(os.stat(p("ns", "fifo")).st_mode), "fifo")
    os.mknod(p("ns", "sock"), stat.S_IFSOCK | 0o600)
    check(stat.S_ISSOCK(os.stat(p("ns", "sock")).st_mode), "socket node")
    os.mknod(p("ns", "null"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
    st = os.stat(p("ns", "null"))
    check(stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(1, 3), "char node")
    os.mknod(p("ns", "blk"), stat.S_IFBLK | 0o600, os.makedev(7, 0))
    st = os.stat(p("ns", "blk"))
    check(stat.S_ISBLK(st.st_mode) and st.st_rdev == os.makedev(7, 0), "block node")
    with open(p("ns", "null"), "wb") as n:
        n.write(b"into the void")
    check(read_file(p("ns", "null")) == b"", "char node behaves as /dev/null")

    # an unlinked open file keeps its data
    write_file(p("ns", "tmp"), b"still readable")
    fd = os.open(p("ns", "tmp"), os.O_RDWR)
    os.unlink(p("ns", "tmp"))
    check(os.pread(fd, 100, 0) == b"still readable", "open unlinked file reads")
    check(os.fstat(fd).st_nlink == 0, "nlink 0 after unlink")
    os.close(fd)

    # O_TMPFILE: nameless until linkat names it; O_EXCL makes it unlinkable
    fd = os.open(d, os.O_TMPFILE | os.O_RDWR, 0o600)
    os.write(fd, b"temporary")
    st = os.fstat(fd)
    check(st.st_nlink == 0 and stat.S_ISREG(st.st_mode), "O_TMPFILE has no link")
    check(sorted(os.listdir(d)).count("tmpnamed") == 0, "O_TMPFILE not listed")
    link_fd(fd, p("ns", "tmpnamed"))
    check(os.fstat(fd).st_nlink == 1, "linked O_TMPFILE has a link")
    os.close(fd)
    check(read_file(p("ns", "tmpnamed")) == b"temporary", "O_TMPFILE data under its name")
    os.unlink(p("ns", "tmpnamed"))
    fd = os.open(d, os.O_TMPFILE | os.O_RDWR | os.O_EXCL, 0o600)
    expect_errno(errno.ENOENT, link_fd, fd, p("ns", "never"))
    os.close(fd)
    expect_errno(errno.ENOTDIR, os.open, f, os.O_TMPFILE | os.O_RDWR, 0o600)

    names = sorted(os.listdir(d))
    want = sorted(["f", "b2", "c", "d2", "l", "lf", "loop1", "loop2", "longlink",
                   "fifo", "sock", "null", "blk"])
    check(names == want, "listing %s != %s" % (names, want))
    listing()


def getdents(fd, size):
    """One getdents64(2) call with a size-byte buffer: [(name, d_off)]."""
    buf = ctypes.create_string_buffer(size)
    n = libc.syscall(217, fd, buf, size)  # SYS_getdents64 on x86_64
    if n < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    out, at, raw = [], 0, buf.raw
    while at < n:
        off = int.from_bytes(raw[at + 8:at + 16], "little", signed=True)
        reclen = int.from_bytes(raw[at + 16:at + 18], "little")
        name = raw[at + 19:at + reclen].split(b"\0", 1)[0].decode()
        out.append((name, off))
        at += reclen
    return out


def list_all(fd, size):
    names = []
    while True:
        got = getdents(fd, size)
        if not got:
            return names
        names += [n for n, _ in got]


def listing():
    """A directory larger than one getdents64 call, read with small buffers,
    with seeks back to a telldir position and rewinds, and by two open files
    in turns: every entry once, in the same order each time."""
    d = p("listing")
    os.mkdir(d)
    want = set()
    for i in range(3000):
        name = "e%d%s" % (i, "x" * (i % 37))
        os.close(os.open(os.path.join(d, name), os.O_CREAT | os.O_WRONLY, 0o644))
        want.add(name)
    want |= {".", ".."}
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    for size in (512, 4096, 32768):
        os.lseek(fd, 0, os.SEEK_SET)
        names = list_all(fd, size)
        check(len(names) == len(set(names)), "getdents64 %d: %d duplicates" % (size, len(names) - len(set(names))))
        check(set(names) == want, "getdents64 %d: %d missing, %d extra" % (
            size, len(want - set(names)), len(set(names) - want)))
    # telldir after a few small calls, read on, seek back: the same entries again
    os.lseek(fd, 0, os.SEEK_SET)
    first = getdents(fd, 1024) + getdents(fd, 1024)
    mark = os.lseek(fd, 0, os.SEEK_CUR)
    check(mark == first[-1][1], "telldir %d is the last entry's d_off %d" % (mark, first[-1][1]))
    ahead = getdents(fd, 1024) + getdents(fd, 1024) + getdents(fd, 1024)
    os.lseek(fd, mark, os.SEEK_SET)
    again = getdents(fd, 4096)
    k = min(len(ahead), len(again))
    check(k > 0 and [n for n, _ in again[:k]] == [n for n, _ in ahead[:k]],
          "after seekdir back: %r != %r" % (again[:3], ahead[:3]))
    rest = list_all(fd, 2048)
    got = [n for n, _ in first] + [n for n, _ in again] + rest
    check(sorted(got) == sorted(want), "listing around a seekdir: %d entries, %d distinct, %d wanted" % (
        len(got), len(set(got)), len(want)))
    # two open files of one directory, read in turns, each complete
    fd2 = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    os.lseek(fd, 0, os.SEEK_SET)
    a, b = [], []
    while True:
        ga, gb = getdents(fd, 700), getdents(fd2, 1500)
        a += [n for n, _ in ga]
        b += [n for n, _ in gb]
        if not ga and not gb:
            break
    check(sorted(a) == sorted(want) and sorted(b) == sorted(want),
          "two open files in turns: %d and %d entries of %d" % (len(a), len(b), len(want)))
    os.close(fd2)
    os.close(fd)


# ---------------------------------------------------------------- attributes

def attr():
    d = p("at")
    os.mkdir(d, 0o755)
    f = p("at", "f")
    write_file(f, b"x")
    os.chmod(f, 0o4751)
    check(stat.S_IMODE(os.stat(f).st_mode) == 0o4751, "chmod")
    os.chown(f, 1000, 1001)
    st = os.stat(f)
    check((st.st_uid, st.st_gid) == (1000, 1001), "chown")
    check(stat.S_IMODE(st.st_mode) == 0o751, "chown clears setuid: %o" % stat.S_IMODE(st.st_mode))
    os.utime(f, ns=(1_000_000_123, 2_000_000_456))
    st = os.stat(f)
    check(st.st_atime_ns == 1_000_000_123 and st.st_mtime_ns == 2_000_000_456,
          "utimens with nanoseconds: %d %d" % (st.st_atime_ns, st.st_mtime_ns))
    os.utime(f, ns=(-1_500_000_000, 4_102_444_800_000_000_001))
    st = os.stat(f)
    check(st.st_atime_ns == -1_500_000_000 and st.st_mtime_ns == 4_102_444_800_000_000_001,
          "times before 1970 and after 2038")
    os.truncate(f, 10000)
    check(os.stat(f).st_size == 10000 and read_file(f) == b"x" + b"\0" * 9999, "truncate grow")
    os.truncate(f, 0)
    check(os.stat(f).st_size == 0 and read_file(f) == b"", "truncate shrink")
    expect_errno(errno.EISDIR, os.truncate, d, 0)

    # setgid directory: group and the bit are inherited
    sg = p("at", "sg")
    os.mkdir(sg)
    os.chown(sg, 0, 1234)
    os.chmod(sg, 0o2775)
    write_file(p("at", "sg", "file"), b"")
    os.mkdir(p("at", "sg", "dir"))
    check(os.stat(p("at", "sg", "file")).st_gid == 1234, "file group from setgid dir")
    st = os.stat(p("at", "sg", "dir"))
    check(st.st_gid == 1234 and st.st_mode & stat.S_ISGID, "subdir inherits setgid")

    # permissions, as nobody
    private = p("at", "private")
    write_file(private, b"secret", 0o600)
    os.chmod(private, 0o600)
    sticky = p("at", "sticky")
    os.mkdir(sticky)
    os.chmod(sticky, 0o1777)
    write_file(p("at", "sticky", "theirs"), b"")
    os.chown(p("at", "sticky", "theirs"), 1000, 1000)
    suid = p("at", "suid")
    write_file(suid, b"")
    os.chmod(suid, 0o6777)

    def unprivileged():
        expect_errno(errno.EACCES, os.open, private, os.O_RDONLY)
        expect_errno(errno.EACCES, os.open, p("at", "new"), os.O_CREAT | os.O_WRONLY)
        expect_errno(errno.EACCES, os.mkdir, p("at", "newdir"))
        expect_errno(errno.EPERM, os.chmod, private, 0o644)
        expect_errno(errno.EPERM, os.chown, private, NOBODY, NOBODY)
        expect_errno(errno.EPERM, os.utime, private, ns=(1, 1))
        expect_errno(errno.EPERM, os.unlink, p("at", "sticky", "theirs"))
        write_file(p("at", "sticky", "mine"), b"")
        os.unlink(p("at", "sticky", "mine"))
        fd = os.open(suid, os.O_WRONLY)
        os.write(fd, b"w")
        os.close(fd)
        m = stat.S_IMODE(os.stat(suid).st_mode)
        check(m == 0o777, "write clears setuid and setgid: %o" % m)

    as_user(NOBODY, NOBODY, unprivileged)


# ---------------------------------------------------------------- data

def data():
    d = p("da")
    os.mkdir(d)
    f = p("da", "f")
    blob = os.urandom(3 * 1024 * 1024 + 12345)  # more than one ring request
    write_file(f, blob)
    check(os.stat(f).st_size == len(blob), "size after write")
    check(read_file(f) == blob, "read back 3 MiB")
    fd = os.open(f, os.O_RDWR)
    check(os.pread(fd, 100, 1_000_001) == blob[1_000_001:1_000_101], "pread")
    os.pwrite(fd, b"PATCH", 4094)  # across a page boundary
    check(os.pread(fd, 9, 4092) == blob[4092:4094] + b"PATCH" + blob[4099:4101],
          "overwrite seen by the next read")
    os.fsync(fd)
    os.fdatasync(fd)
    os.close(fd)

    fd = os.open(f, os.O_WRONLY | os.O_APPEND)
    os.write(fd, b"tail")
    os.close(fd)
    check(read_file(f)[-4:] == b"tail", "O_APPEND")

    # beyond 4 GiB, sparse
    big = p("da", "big")
    fd = os.open(big, os.O_CREAT | os.O_RDWR, 0o644)
    off = 5 * 1024 ** 3 + 7
    os.pwrite(fd, b"far away", off)
    check(os.fstat(fd).st_size == off + 8, "size past 4 GiB")
    check(os.pread(fd, 8, off) == b"far away", "read past 4 GiB")
    check(os.pread(fd, 16, 4 * 1024 ** 3) == b"\0" * 16, "hole reads zeros")
    os.ftruncate(fd, 10)
    check(os.fstat(fd).st_size == 10 and os.pread(fd, 100, 0) == b"\0" * 10, "ftruncate")
    os.close(fd)

    # mmap: shared read-only, private copy-on-write
    small = p("da", "m")
    write_file(small, b"0123456789" * 1000)
    with open(small, "rb") as fo:
        m = mmap.mmap(fo.fileno(), 0, mmap.MAP_SHARED, mmap.PROT_READ)
        check(m[:10] == b"0123456789" and m[-10:] == b"0123456789", "mmap shared read")
        m.close()
    with open(small, "r+b") as fo:
        m = mmap.mmap(fo.fileno(), 0, mmap.MAP_PRIVATE)
        m[:4] = b"XXXX"
        check(m[:4] == b"XXXX", "private mapping written")
        m.close()
    check(read_file(small)[:4] == b"0123", "private mapping does not reach the file")

    # shared writable mapping: stores reach the file, mixed with write()
    shared = p("da", "shm")
    write_file(shared, b"a" * 10000)
    fd = os.open(shared, os.O_RDWR)
    m = mmap.mmap(fd, 0)
    m[5000:5005] = b"HELLO"
    check(os.pread(fd, 5, 5000) == b"HELLO", "read() sees a shared store")
    m[0:3] = b"MAP"
    os.pwrite(fd, b"WR", 1)
    check(m[0:3] == b"MWR", "mapping sees write(): %r" % m[0:3])
    check(os.pread(fd, 3, 0) == b"MWR", "read() sees store then write()")
    m[9998:10000] = b"ZZ"
    m.flush()
    m.close()
    os.fsync(fd)
    got = read_elsewhere(shared)
    os.close(fd)
    check(got[:3] == b"MWR" and got[5000:5005] == b"HELLO" and got[9998:] == b"ZZ"
          and len(got) == 10000, "shared stores reach the file system at fsync")
    # dirty pages written back at close without msync (a file the mirror
    # never cached: weft has no cross-mount invalidation yet)
    lazy = p("da", "lazy")
    write_file(lazy, b"b" * 5000)
    fd = os.open(lazy, os.O_RDWR)
    m = mmap.mmap(fd, 0)
    m[100:104] = b"LAZY"
    m.close()
    os.close(fd)
    check(read_elsewhere(lazy)[100:104] == b"LAZY", "munmap + close writes back")

    # a read that raced nothing: rewrite the whole file, read again
    write_file(small, b"second version")
    check(read_file(small) == b"second version", "rewrite is coherent with the cache")


# ---------------------------------------------------------------- concurrency

def concurrency():
    """4 processes create, rename and unlink in one directory while 2 list
    it: every listing shows each stable name exactly once and no name
    twice; at the end the directory holds exactly what the writers left."""
    d = p("cc")
    os.mkdir(d)
    stable = {"keep%03d" % i for i in range(200)}
    for n in stable:
        os.close(os.open(os.path.join(d, n), os.O_CREAT | os.O_WRONLY))
    writers, listers, rounds = 4, 2, 300

    def writer(w):
        for i in range(rounds):
            a = os.path.join(d, "w%d-%d" % (w, i))
            b = os.path.join(d, "r%d-%d" % (w, i))
            with open(a, "wb") as f:
                f.write(b"%d" % i)
            os.rename(a, b)
            if i % 3:
                os.unlink(b)
            if i % 50 == 0:
                sub = os.path.join(d, "dir%d-%d" % (w, i))
                os.mkdir(sub)
                os.rmdir(sub)

    def lister(_):
        for _ in range(rounds // 3):
            names = os.listdir(d)
            if len(names) != len(set(names)):
                raise RuntimeError("duplicate names in a listing")
            missing = stable - set(names)
            if missing:
                raise RuntimeError("stable names missing: %s" % sorted(missing)[:5])

    pids = []
    for k, fn in [(w, writer) for w in range(writers)] + [(l, lister) for l in range(listers)]:
        pid = os.fork()
        if pid == 0:
            try:
                fn(k)
                os._exit(0)
            except Exception as e:  # noqa: BLE001
                sys.stdout.write("posix_check %s: FAIL: %s %d: %r\n" % (ROOT, fn.__name__, k, e))
                sys.stdout.flush()
                os._exit(1)
        pids.append(pid)
    for pid in pids:
        _, st = os.waitpid(pid, 0)
        check(st == 0, "a concurrent worker failed")
    want = set(stable)
    for w in range(writers):
        want |= {"r%d-%d" % (w, i) for i in range(rounds) if i % 3 == 0}
    got = os.listdir(d)
    check(len(got) == len(set(got)) and set(got) == want,
          "final listing: %d names, expected %d" % (len(got), len(want)))
    for w in range(writers):
        check(read_file(os.path.join(d, "r%d-0" % w)) == b"0", "content after rename")


# ---------------------------------------------------------------- O_DIRECT

def direct():
    require = os.environ.get("POSIX_CHECK_DIRECT") == "require"
    d = p("dio")
    os.mkdir(d)
    f = os.path.join(d, "f")
    write_file(f, b"c" * 12288)
    try:
        fd = os.open(f, os.O_RDWR | os.O_DIRECT)
    except OSError as e:
        check(not require and e.errno == errno.EINVAL, "open(O_DIRECT): %r" % e)
        return
    buf = mmap.mmap(-1, 65536)  # page aligned
    with open(f, "rb") as cached:
        check(cached.read(4) == b"cccc", "buffered read before")
        buf[:8192] = bytes(range(256)) * 32
        check(os.pwritev(fd, [memoryview(buf)[:8192]], 4096) == 8192, "O_DIRECT write")
        cached.seek(4096)
        check(cached.read(8192) == bytes(range(256)) * 32, "buffered read sees O_DIRECT write")
    out = mmap.mmap(-1, 65536)
    n = os.preadv(fd, [memoryview(out)[:8192]], 0)
    check(n == 8192 and out[:4096] == b"c" * 4096 and out[4096:8192] == bytes(range(256)) * 16,
          "O_DIRECT read")
    n = os.preadv(fd, [memoryview(out)[:8192]], 8192)
    check(n == 4096, "O_DIRECT read at end of file is short: %d" % n)
    check(os.preadv(fd, [memoryview(out)[:4096]], 12288) == 0, "O_DIRECT read past EOF")
    # a store through a mapping is seen by an O_DIRECT read
    with open(f, "r+b") as fo:
        m = mmap.mmap(fo.fileno(), 0)
        m[0:4] = b"MMAP"
        os.preadv(fd, [memoryview(out)[:512]], 0)
        check(out[:4] == b"MMAP", "O_DIRECT read after a store through a mapping")
        m.close()
    if require:
        expect_errno(errno.EINVAL, os.preadv, fd, [memoryview(out)[:512]], 100)
        expect_errno(errno.EINVAL, os.preadv, fd, [memoryview(out)[:100]], 0)
        expect_errno(errno.EINVAL, os.pwritev, fd, [memoryview(buf)[:512]], 7)
        check(os.fstat(fd).st_size == 12288, "size after refused writes")
    os.close(fd)
    buf.close()
    out.close()


# ---------------------------------------------------------------- xattr

def xattr():
    d = p("xa")
    os.mkdir(d)
    f = p("xa", "f")
    write_file(f, b"x")
    for ns in ("trusted", "security"):
        n = ns + ".k"
        expect_errno(errno.ENODATA, os.getxattr, f, n)
        os.setxattr(f, n, b"v1")
        check(os.getxattr(f, n) == b"v1", "%s get after set" % n)
        expect_errno(errno.EEXIST, os.setxattr, f, n, b"v2", os.XATTR_CREATE)
        expect_errno(errno.ENODATA, os.setxattr, f, ns + ".absent", b"v", os.XATTR_REPLACE)
        os.setxattr(f, n, b"v2", os.XATTR_REPLACE)
        check(os.getxattr(f, n) == b"v2", "%s replaced" % n)
        os.setxattr(f, ns + ".new", b"", os.XATTR_CREATE)
        check(os.getxattr(f, ns + ".new") == b"", "%s empty value" % ns)
        os.removexattr(f, ns + ".new")
        expect_errno(errno.ENODATA, os.removexattr, f, ns + ".new")
    # binary values, the size probe and ERANGE
    blob = bytes(range(256)) * 3
    os.setxattr(f, "trusted.bin", blob)
    n, _ = c_getxattr(f, "trusted.bin", 0)
    check(n == len(blob), "getxattr size probe: %d" % n)
    expect_errno(errno.ERANGE, c_getxattr, f, "trusted.bin", len(blob) - 1)
    check(c_getxattr(f, "trusted.bin", len(blob))[1] == blob, "binary value, exact buffer")
    check(c_getxattr(f, "trusted.bin", 65536)[1] == blob, "binary value, large buffer")
    # limits: XATTR_SIZE_MAX values, XATTR_NAME_MAX names
    big = os.urandom(65536)
    os.setxattr(f, "trusted.big", big)
    check(os.getxattr(f, "trusted.big") == big, "64 KiB value")
    expect_errno(errno.E2BIG, os.setxattr, f, "trusted.big", big + b"!")
    longname = "trusted." + "n" * (255 - len("trusted."))
    os.setxattr(f, longname, b"l")
    check(os.getxattr(f, longname) == b"l", "255-byte name")
    expect_errno(errno.ERANGE, os.setxattr, f, longname + "n", b"l")
    expect_errno(errno.ERANGE, os.setxattr, f, "", b"l")
    expect_errno(errno.EOPNOTSUPP, os.setxattr, f, "bogus.x", b"l")
    # listxattr: the probe, ERANGE, then the names
    want = {"trusted.k", "security.k", "trusted.bin", "trusted.big", longname}
    n, _ = c_listxattr(f, 0)
    names = c_listxattr(f, n)[1]
    check(names.endswith(b"\0"), "list ends with NUL")
    got = set(x.decode() for x in names.split(b"\0") if x)
    check(got == want, "listxattr names %r" % sorted(got ^ want))
    check(n == sum(len(x) + 1 for x in want), "list size probe %d" % n)
    expect_errno(errno.ERANGE, c_listxattr, f, n - 1)
    check(set(os.listxattr(f)) == want, "os.listxattr")
    # ctime moves, mtime does not
    st = os.stat(f)
    os.setxattr(f, "trusted.k", b"v3")
    st2 = os.stat(f)
    check(st2.st_ctime_ns >= st.st_ctime_ns and st2.st_mtime_ns == st.st_mtime_ns,
          "setxattr touches ctime only")
    # directories carry them too; hard links share them
    os.setxattr(d, "trusted.dir", b"D")
    check(os.getxattr(d, "trusted.dir") == b"D", "xattr on a directory")
    os.link(f, p("xa", "f2"))
    check(os.getxattr(p("xa", "f2"), "trusted.k") == b"v3", "a hard link shares xattrs")
    # survives a rename
    os.rename(f, p("xa", "g"))
    check(os.getxattr(p("xa", "g"), "trusted.bin") == blob, "xattr after rename")
    f = p("xa", "g")

    # as nobody: trusted.* is invisible and unwritable; security.* is visible
    os.chmod(f, 0o666)

    def unprivileged():
        expect_errno(errno.ENODATA, os.getxattr, f, "trusted.k")
        expect_errno(errno.EPERM, os.setxattr, f, "trusted.x", b"1")
        got = set(os.listxattr(f))
        check(got == {"security.k"}, "nobody lists %r" % sorted(got))
        check(os.getxattr(f, "security.k") == b"v2", "nobody reads security.*")
    as_user(NOBODY, NOBODY, unprivileged)

    # user.*: regular files and directories only; write access needed
    if not supported(os.setxattr, f, "user.probe", b"1"):
        check(not FULL, "user.* xattrs refused (EOPNOTSUPP)")
        return
    check(os.getxattr(f, "user.probe") == b"1", "user.* get")
    os.setxattr(d, "user.dir", b"1")
    os.symlink("g", p("xa", "ln"))
    expect_errno(errno.EPERM, os.setxattr, p("xa", "ln"), "user.x", b"1",
                 follow_symlinks=False)
    expect_errno(errno.ENODATA, os.getxattr, p("xa", "ln"), "user.x", follow_symlinks=False)
    # through the link: the target's
    check(os.getxattr(p("xa", "ln"), "user.probe") == b"1", "user.* through a symlink")
    os.mkfifo(p("xa", "fifo"))
    expect_errno(errno.EPERM, os.setxattr, p("xa", "fifo"), "user.x", b"1")
    os.setxattr(p("xa", "ln"), "trusted.lnk", b"L", follow_symlinks=False)
    check(os.getxattr(p("xa", "ln"), "trusted.lnk", follow_symlinks=False) == b"L",
          "trusted.* on a symlink itself")
    ro = p("xa", "ro")
    write_file(ro, b"r", 0o644)
    os.setxattr(ro, "user.mine", b"root")

    def user_ns():
        check(os.getxattr(ro, "user.mine") == b"root", "nobody reads user.* of a 0644 file")
        expect_errno(errno.EACCES, os.setxattr, ro, "user.x", b"1")
        expect_errno(errno.EACCES, os.removexattr, ro, "user.mine")
        os.setxattr(f, "user.nobody", b"n")
        check(os.getxattr(f, "user.nobody") == b"n", "nobody writes user.* of a 0666 file")
    as_user(NOBODY, NOBODY, user_ns)
    os.setxattr(f, "user.big", big)
    check(os.getxattr(f, "user.big") == big, "64 KiB user.* value")


# ---------------------------------------------------------------- acl

def run(*argv):
    import subprocess
    r = subprocess.run(argv, capture_output=True, text=True)
    check(r.returncode == 0, "%s: exit %d: %s" % (" ".join(argv), r.returncode,
                                                  r.stderr.strip()))
    return r.stdout


def getfacl(path):
    return set(run("getfacl", "-cpnE", path).split())


def acl():
    d = p("acl")
    os.mkdir(d)
    os.chmod(d, 0o755)
    f = p("acl", "f")
    write_file(f, b"secret", 0o640)
    plain = p("acl", "plain")
    write_file(plain, b"plain", 0o640)
    run("setfacl", "-m", "u:%d:rw" % NOBODY, f)
    check(stat.S_IMODE(os.stat(f).st_mode) == 0o660, "mask shows in group bits: %o" %
          stat.S_IMODE(os.stat(f).st_mode))
    got = getfacl(f)
    want = {"user::rw-", "user:%d:rw-" % NOBODY, "group::r--", "mask::rw-", "other::---"}
    check(got == want, "getfacl %r" % sorted(got ^ want))
    check("system.posix_acl_access" in os.listxattr(f), "ACL listed as an xattr")

    def reader():
        with open(f, "r+b") as fo:
            check(fo.read() == b"secret", "ACL grants nobody read")
        expect_errno(errno.EACCES, os.open, plain, os.O_RDONLY)
    as_user(NOBODY, NOBODY, reader)
    # chmod narrows the mask: the named user loses access
    os.chmod(f, 0o600)
    got = getfacl(f)
    check("mask::---" in got, "chmod sets the mask: %r" % sorted(got))

    def denied():
        expect_errno(errno.EACCES, os.open, f, os.O_RDONLY)
    as_user(NOBODY, NOBODY, denied)
    # an ACL equal to the mode is only the mode
    run("setfacl", "-b", f)
    check("system.posix_acl_access" not in os.listxattr(f), "setfacl -b removes the ACL")
    run("setfacl", "-m", "u::rw,g::r,o::-", f)
    check(stat.S_IMODE(os.stat(f).st_mode) == 0o640, "minimal ACL sets the mode")
    check("system.posix_acl_access" not in os.listxattr(f), "minimal ACL is not stored")

    # default ACLs are inherited, and replace the umask
    run("setfacl", "-d", "-m", "u:%d:rwx" % NOBODY, d)
    check("default:user:%d:rwx" % NOBODY in getfacl(d), "default ACL set")
    nf = p("acl", "new")
    os.close(os.open(nf, os.O_CREAT | os.O_WRONLY, 0o666))
    check(stat.S_IMODE(os.stat(nf).st_mode) == 0o664, "inherited file mode %o" %
          stat.S_IMODE(os.stat(nf).st_mode))
    got = getfacl(nf)
    want = {"user::rw-", "user:%d:rwx" % NOBODY, "group::r-x", "mask::rw-", "other::r--"}
    check(got == want, "inherited access ACL %r" % sorted(got ^ want))
    sub = p("acl", "sub")
    os.mkdir(sub, 0o777)
    check(stat.S_IMODE(os.stat(sub).st_mode) == 0o775, "inherited dir mode %o" %
          stat.S_IMODE(os.stat(sub).st_mode))
    check("default:user:%d:rwx" % NOBODY in getfacl(sub), "subdirectory inherits the default")

    def writer():
        with open(nf, "wb") as fo:
            fo.write(b"by nobody")
    as_user(NOBODY, NOBODY, writer)
    check(read_file(nf) == b"by nobody", "inherited ACL grants nobody write")
    # without a default ACL the umask applies again
    run("setfacl", "-k", d)
    nf2 = p("acl", "new2")
    os.close(os.open(nf2, os.O_CREAT | os.O_WRONLY, 0o666))
    check(stat.S_IMODE(os.stat(nf2).st_mode) == 0o644, "umask applies without default ACL")
    check("system.posix_acl_access" not in os.listxattr(nf2), "no ACL without a default")
    # only the owner sets ACLs
    os.chmod(nf2, 0o666)

    def not_owner():
        # version 2; USER_OBJ rw-, GROUP_OBJ r--, OTHER r--
        minimal = (b"\x02\x00\x00\x00" b"\x01\x00\x06\x00\xff\xff\xff\xff"
                   b"\x04\x00\x04\x00\xff\xff\xff\xff" b"\x20\x00\x04\x00\xff\xff\xff\xff")
        expect_errno(errno.EPERM, os.setxattr, nf2, "system.posix_acl_access", minimal)
    as_user(NOBODY, NOBODY, not_owner)


# ---------------------------------------------------------------- fallocate

FALLOC_KEEP_SIZE, FALLOC_PUNCH_HOLE, FALLOC_COLLAPSE, FALLOC_ZERO, FALLOC_INSERT = \
    1, 2, 8, 0x10, 0x20


def fallocate():
    os.mkdir(p("fa"))
    f = p("fa", "f")
    write_file(f, b"a" * 100000)
    fd = os.open(f, os.O_RDWR)
    c_fallocate(fd, 0, 200000, 10000)
    check(os.fstat(fd).st_size == 210000, "mode 0 grows the file")
    check(os.pread(fd, 110000, 100000) == b"\0" * 110000, "grown range reads zeros")
    c_fallocate(fd, FALLOC_KEEP_SIZE, 200000, 500000)
    check(os.fstat(fd).st_size == 210000, "KEEP_SIZE keeps the size")
    c_fallocate(fd, 0, 0, 50000)
    check(os.pread(fd, 100000, 0) == b"a" * 100000, "allocating over data keeps it")
    # punch: zeros in the range only, size kept; the page cache forgets it
    check(os.pread(fd, 10, 8192) == b"a" * 10, "cached before the punch")
    c_fallocate(fd, FALLOC_PUNCH_HOLE | FALLOC_KEEP_SIZE, 5000, 20000)
    got = os.pread(fd, 100000, 0)
    check(got == b"a" * 5000 + b"\0" * 20000 + b"a" * 75000, "punched range reads zeros")
    check(os.fstat(fd).st_size == 210000, "punch keeps the size")
    expect_errno(errno.EOPNOTSUPP, c_fallocate, fd, FALLOC_PUNCH_HOLE, 0, 10)
    expect_errno(errno.EOPNOTSUPP, c_fallocate, fd, FALLOC_COLLAPSE, 0, 65536)
    expect_errno(errno.EOPNOTSUPP, c_fallocate, fd, FALLOC_INSERT, 0, 65536)
    expect_errno(errno.EINVAL, c_fallocate, fd, 0, 0, 0)
    expect_errno(errno.EINVAL, c_fallocate, fd, 0, -1, 10)
    expect_errno(errno.EFBIG, c_fallocate, fd, 0, 2 ** 63 - 10, 100)
    # a mapping sees the punch, and what it dirtied elsewhere survives it
    m = mmap.mmap(fd, 0)
    check(m[60000:60004] == b"aaaa", "mapped before")
    m[90000:90004] = b"KEEP"
    m[61000:61004] = b"GONE"
    c_fallocate(fd, FALLOC_PUNCH_HOLE | FALLOC_KEEP_SIZE, 57344, 8192)
    check(m[60000:60004] == b"\0" * 4 and m[61000:61004] == b"\0" * 4,
          "mapping sees the punched range")
    check(m[90000:90004] == b"KEEP", "dirty data outside the punch survives")
    m.close()
    check(os.pread(fd, 4, 90000) == b"KEEP", "dirty data reached the file")
    # ZERO_RANGE (tmpfs has none)
    if supported(c_fallocate, fd, FALLOC_ZERO, 1000, 1000):
        check(os.pread(fd, 3000, 0) == b"a" * 1000 + b"\0" * 1000 + b"a" * 1000,
              "ZERO_RANGE zeroes")
        c_fallocate(fd, FALLOC_ZERO, 200000, 100000)
        check(os.fstat(fd).st_size == 300000, "ZERO_RANGE grows")
        c_fallocate(fd, FALLOC_ZERO | FALLOC_KEEP_SIZE, 250000, 100000)
        check(os.fstat(fd).st_size == 300000, "ZERO_RANGE|KEEP_SIZE keeps the size")
    else:
        check(not FULL, "ZERO_RANGE refused")
    final = os.pread(fd, 400000, 0)
    os.close(fd)
    check(read_elsewhere(f) == final, "punched and zeroed ranges reached the file system")
    # not on a file opened read-only
    fd = os.open(f, os.O_RDONLY)
    expect_errno(errno.EBADF, c_fallocate, fd, 0, 0, 10)
    os.close(fd)


# ---------------------------------------------------------------- seek

SEEK_DATA, SEEK_HOLE = 3, 4


def seek():
    """Extents of G bytes: weft's stores allocate in blocks or chunks that
    divide G, tmpfs in pages.  A store may report allocated zeros as data
    (never data as a hole), so what depends on freeing space is a range."""
    os.mkdir(p("sk"))
    f = p("sk", "f")
    G = 4 << 20
    fd = os.open(f, os.O_CREAT | os.O_RDWR, 0o644)
    os.pwrite(fd, b"a" * G, 0)
    os.pwrite(fd, b"b" * G, 3 * G)
    os.ftruncate(fd, 5 * G)
    check(os.lseek(fd, 0, SEEK_DATA) == 0, "SEEK_DATA at data")
    check(os.lseek(fd, 100, SEEK_DATA) == 100, "SEEK_DATA inside data")
    got = os.lseek(fd, 0, SEEK_HOLE)
    check(got == G, "SEEK_HOLE after the first extent: %d" % got)
    got = os.lseek(fd, G, SEEK_DATA)
    check(got == 3 * G, "SEEK_DATA skips the hole: %d" % got)
    check(os.read(fd, 1) == b"b", "the file position is where SEEK_DATA said")
    got = os.lseek(fd, 3 * G, SEEK_HOLE)
    check(got == 4 * G, "SEEK_HOLE after the second extent: %d" % got)
    expect_errno(errno.ENXIO, os.lseek, fd, 4 * G, SEEK_DATA)
    check(os.lseek(fd, 5 * G - 1, SEEK_HOLE) == 5 * G - 1, "EOF side of the last hole")
    expect_errno(errno.ENXIO, os.lseek, fd, 5 * G, SEEK_HOLE)
    expect_errno(errno.ENXIO, os.lseek, fd, 5 * G, SEEK_DATA)
    expect_errno(errno.ENXIO, os.lseek, fd, -1, SEEK_DATA)
    # a punched extent reads as zeros; it is a hole again, or zeros as data
    c_fallocate(fd, FALLOC_PUNCH_HOLE | FALLOC_KEEP_SIZE, 3 * G, G)
    try:
        got = os.lseek(fd, G, SEEK_DATA)
        check(3 * G <= got < 4 * G and os.pread(fd, 1, got) == b"\0",
              "after the punch: data at %d" % got)
    except OSError as e:
        check(e.errno == errno.ENXIO, "after the punch: %r" % e)
    # data only in dirty pages of a mapping is data, never a hole
    m = mmap.mmap(fd, 0)
    m[3 * G + G // 2] = ord("d")
    got = os.lseek(fd, G, SEEK_DATA)
    check(3 * G <= got <= 3 * G + G // 2, "dirty mapped data is not a hole: %d" % got)
    got = os.lseek(fd, 3 * G + G // 2, SEEK_HOLE)
    check(got > 3 * G + G // 2, "dirty mapped byte is data: hole at %d" % got)
    m.close()
    os.close(fd)
    # an empty file has neither data nor holes
    e = p("sk", "e")
    write_file(e, b"")
    fd = os.open(e, os.O_RDONLY)
    expect_errno(errno.ENXIO, os.lseek, fd, 0, SEEK_DATA)
    expect_errno(errno.ENXIO, os.lseek, fd, 0, SEEK_HOLE)
    os.close(fd)
    # a full file: no hole before EOF
    full = p("sk", "full")
    write_file(full, b"z" * 3 * 65536 + b"z")
    fd = os.open(full, os.O_RDONLY)
    check(os.lseek(fd, 0, SEEK_HOLE) == 3 * 65536 + 1, "SEEK_HOLE of a full file is EOF")
    os.close(fd)


# ---------------------------------------------------------------- whiteout

RENAME_WHITEOUT = 4


def whiteout():
    d = p("wh")
    os.mkdir(d)
    write_file(p("wh", "a"), b"A")
    renameat2(p("wh", "a"), p("wh", "b"), RENAME_WHITEOUT)
    st = os.lstat(p("wh", "a"))
    check(stat.S_ISCHR(st.st_mode) and st.st_rdev == 0, "old name is a 0:0 whiteout")
    check(stat.S_IMODE(st.st_mode) == 0, "whiteout mode 0: %o" % stat.S_IMODE(st.st_mode))
    check(read_file(p("wh", "b")) == b"A", "new name has the file")
    check(sorted(os.listdir(d)) == ["a", "b"], "listing %r" % sorted(os.listdir(d)))
    # over an existing target
    write_file(p("wh", "c"), b"C")
    renameat2(p("wh", "c"), p("wh", "b"), RENAME_WHITEOUT)
    check(read_file(p("wh", "b")) == b"C", "whiteout rename replaces")
    check(stat.S_ISCHR(os.lstat(p("wh", "c")).st_mode), "second whiteout")
    expect_errno(errno.EEXIST, renameat2, p("wh", "b"), p("wh", "a"),
                 RENAME_WHITEOUT | RENAME_NOREPLACE)
    expect_errno(errno.EINVAL, renameat2, p("wh", "b"), p("wh", "a"),
                 RENAME_WHITEOUT | RENAME_EXCHANGE)
    os.unlink(p("wh", "c"))
    # a directory moves under a whiteout too
    os.mkdir(p("wh", "dir"))
    renameat2(p("wh", "dir"), p("wh", "dir2"), RENAME_WHITEOUT)
    check(stat.S_ISDIR(os.stat(p("wh", "dir2")).st_mode) and
          stat.S_ISCHR(os.lstat(p("wh", "dir")).st_mode), "directory whiteout")
    # since Linux 5.8 no CAP_MKNOD is needed: an unprivileged user may too
    os.chmod(d, 0o777)
    write_file(p("wh", "n"), b"N")

    def unprivileged():
        renameat2(p("wh", "n"), p("wh", "n2"), RENAME_WHITEOUT)
        st = os.lstat(p("wh", "n"))
        check(stat.S_ISCHR(st.st_mode) and st.st_rdev == 0, "unprivileged whiteout")
    as_user(NOBODY, NOBODY, unprivileged)
    check(read_file(p("wh", "n2")) == b"N", "unprivileged whiteout rename moved the file")


# ---------------------------------------------------------------- copy_range

def copy_range():
    os.mkdir(p("cr"))
    src, dst = p("cr", "src"), p("cr", "dst")
    blob = os.urandom(3 * 1024 * 1024 + 4321)
    write_file(src, blob)
    write_file(dst, b"D" * 10000)
    fi = os.open(src, os.O_RDONLY)
    fo = os.open(dst, os.O_RDWR)
    done = 0
    while done < len(blob):
        n = os.copy_file_range(fi, fo, len(blob) - done, done, done)
        if n <= 0:
            break
        done += n
    check(done == len(blob), "copied %d of %d" % (done, len(blob)))
    check(read_file(dst) == blob, "copy_file_range bytes")
    # offsets in the middle, a short copy at the source's end
    n = os.copy_file_range(fi, fo, 5000, 1000, 7777)
    check(n == 5000, "partial copy count")
    check(os.pread(fo, 5000, 7777) == blob[1000:6000], "copy at offsets")
    n = os.copy_file_range(fi, fo, 100000, len(blob) - 10, 0)
    check(n == 10, "copy stops at the source's end: %d" % n)
    n = os.copy_file_range(fi, fo, 100, len(blob) + 10, 0)
    check(n == 0, "copy past the end copies nothing")
    # within one file, non-overlapping
    n = os.copy_file_range(fo, fo, 4096, 0, 2 * 1024 * 1024)
    check(os.pread(fo, 4096, 2 * 1024 * 1024) == os.pread(fo, 4096, 0), "copy within a file")
    os.close(fi)
    os.close(fo)
    check(read_elsewhere(dst)[:10] == blob[len(blob) - 10:], "copy reached the file system")


def read_elsewhere(path):
    """path's bytes through the mirror mount if there is one"""
    if MIRROR:
        return read_file(os.path.join(MIRROR, os.path.relpath(path, ROOT)))
    return read_file(path)


def main():
    os.umask(0o022)
    for s in SECTIONS:
        try:
            globals()[s]()
        except Exception as e:  # noqa: BLE001
            FAILS.append("%s: unexpected %r" % (s, e))
    for line in FAILS:
        print("posix_check %s: FAIL: %s" % (ROOT, line))
    print("posix_check %s: %d failure(s) in %s" % (ROOT, len(FAILS), " ".join(SECTIONS)))
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
