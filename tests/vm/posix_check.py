#!/usr/bin/env python3
"""POSIX checks on one directory: names, errnos, attributes and bytes.

    posix_check.py DIR [SECTION...]     (sections: namespace attr data concurrency direct)

With POSIX_CHECK_MIRROR=DIR2 (the same directory through another mount,
with its own page cache), data written through mappings is also read back
through DIR2: proof that it left DIR's page cache.
With POSIX_CHECK_DIRECT=require, O_DIRECT must work and refuse offsets and
lengths that are not 512-byte multiples, like a local file system on a
512-byte-sector drive (memory alignment is left alone: it varies by drive); otherwise a file
system that refuses O_DIRECT at open (tmpfs before 6.6) skips those checks.

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
