#!/bin/bash
# POSIX data and O_DIRECT checks (tests/vm/posix_check.py data direct): tmpfs as the control,
# then weft through weftd; both must pass with the same assertions.
# Then the writeback cache (kmod/file.c): data, size and mtime before and
# after fsync as weftd sees them (through a second mount with its own page
# cache), mmap/write coherence, truncate with dirty pages, O_DIRECT after
# buffered writes, batched writeback (WRITE count of a 64 MiB write), fsync
# of a directory, ENOSPC at writeback reported by fsync and close(), the
# write-through mode (-o nowriteback), and close() after the daemon died.
. "$(dirname "$0")/posix-common.inc"
posix_run pxdata data direct

WB=/mnt/pxwb
MIR=/mnt/pxwb-mirror
load
daemon_start pxwb
do_mount pxwb/default "$WB"
do_mount pxwb/default "$MIR" attr_timeout=0,entry_timeout=0
grep -q " $WB weft .*nowriteback" /proc/mounts && fail "writeback is not the default: $(grep " $WB " /proc/mounts)"
MAX_IO=$(weft local status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["channels"][0]["max_io_bytes"])') ||
	fail "weft local status --json: no max_io_bytes"
echo "$T: max_io $MAX_IO"

cat >/tmp/pxwb.py <<'PY'
import errno, mmap, os, subprocess, sys, time, json

WB, MIR, MAX_IO = sys.argv[1], sys.argv[2], int(sys.argv[3])
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, flush=True)


def pat(n, seed):
    return bytes((i * 7 + seed) & 0xFF for i in range(256)) * (n // 256) + bytes(n % 256)


def mirror_read(name):
    with open(os.path.join(MIR, name), "rb") as f:
        return f.read()


def writes_count():
    out = subprocess.run(["weft", "stats", "--json", "--op", "WRITE"], check=True,
                         capture_output=True, text=True).stdout
    return sum(o["count"] for o in json.loads(out)["ops"] if o["op"] == "WRITE")


# 1. write, read back before and after fsync; weftd sees it only after
data = pat(1 << 20, 1)
fd = os.open(os.path.join(WB, "a"), os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o644)
check(os.write(fd, data) == len(data), "short write")
check(os.pread(fd, len(data) + 10, 0) == data, "read back before fsync differs")
check(os.fstat(fd).st_size == len(data), "size before fsync: %d" % os.fstat(fd).st_size)
check(os.stat(os.path.join(MIR, "a")).st_size == 0,
      "weftd had the data before fsync (write-through?): %d" % os.stat(os.path.join(MIR, "a")).st_size)
time.sleep(1.2)  # attr_timeout=1 expired: a GETATTR must not clobber the local size/mtime
st = os.stat(os.path.join(WB, "a"))
check(st.st_size == len(data), "size after attr expiry with dirty pages: %d" % st.st_size)
mtime_local = st.st_mtime_ns
os.fsync(fd)
check(os.pread(fd, len(data) + 10, 0) == data, "read back after fsync differs")
check(mirror_read("a") == data, "weftd's bytes after fsync differ")
ms = os.stat(os.path.join(MIR, "a"))
check(ms.st_size == len(data), "weftd's size after fsync: %d" % ms.st_size)
check(ms.st_mtime_ns == mtime_local, "weftd's mtime %d != the write's %d" % (ms.st_mtime_ns, mtime_local))
os.close(fd)

# O_APPEND
fd = os.open(os.path.join(WB, "a"), os.O_WRONLY | os.O_APPEND)
os.write(fd, b"tail1")
os.write(fd, b"tail2")
os.close(fd)
check(mirror_read("a") == data + b"tail1tail2", "O_APPEND after close: weftd's bytes differ")

# 2. mmap and write() coherence, then through weftd
fd = os.open(os.path.join(WB, "m"), os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o644)
os.write(fd, pat(65536, 2))
m = mmap.mmap(fd, 65536)
m[100:105] = b"MMAP1"
check(os.pread(fd, 5, 100) == b"MMAP1", "read() does not see an mmap store")
os.pwrite(fd, b"WRIT2", 200)
check(m[200:205] == b"WRIT2", "the mapping does not see a write()")
os.pwrite(fd, b"X" * 10, 65536 - 5)  # grows the file past the mapping
expect = bytearray(pat(65536, 2))
expect[100:105] = b"MMAP1"
expect[200:205] = b"WRIT2"
expect[65531:] = b"X" * 10
m.flush()
m.close()
os.fsync(fd)
check(mirror_read("m") == bytes(expect), "mmap + write() through weftd differ")
os.close(fd)

# 3. truncate with dirty pages: shrink, then grow (zeros), weftd agrees
fd = os.open(os.path.join(WB, "t"), os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o644)
os.write(fd, pat(65536, 3))
os.ftruncate(fd, 10000)
check(os.fstat(fd).st_size == 10000, "size after shrink: %d" % os.fstat(fd).st_size)
check(os.pread(fd, 70000, 0) == pat(65536, 3)[:10000], "bytes after shrinking dirty pages")
os.pwrite(fd, b"after", 10000)  # dirty again at the new end
os.ftruncate(fd, 20000)
want = pat(65536, 3)[:10000] + b"after" + bytes(20000 - 10005)
check(os.pread(fd, 70000, 0) == want, "bytes after growing past dirty pages")
os.fsync(fd)
check(mirror_read("t") == want, "weftd's bytes after truncates differ")
os.close(fd)

# 4. O_DIRECT after buffered writes sees the data; buffered reads after O_DIRECT writes too
fd = os.open(os.path.join(WB, "d"), os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o644)
os.write(fd, pat(16384, 4))
dfd = os.open(os.path.join(WB, "d"), os.O_RDWR | os.O_DIRECT)
buf = mmap.mmap(-1, 16384)
check(os.preadv(dfd, [buf], 0) == 16384 and bytes(buf) == pat(16384, 4),
      "O_DIRECT read after a buffered write differs")
buf[0:4096] = b"D" * 4096
check(os.pwritev(dfd, [memoryview(buf)[0:4096]], 4096) == 4096, "O_DIRECT write")
want = bytearray(pat(16384, 4))
want[4096:8192] = b"D" * 4096
check(os.pread(fd, 16384, 0) == bytes(want), "buffered read after an O_DIRECT write is stale")
os.close(dfd)
os.close(fd)

# 5. a 64 MiB sequential buffered write goes out in large WRITEs
chunk = pat(1 << 20, 5)
before = writes_count()
fd = os.open(os.path.join(WB, "big"), os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
for _ in range(64):
    os.write(fd, chunk)
os.fsync(fd)
os.close(fd)
n = writes_count() - before
limit = (64 << 20) // MAX_IO * 2 + 8
print("64 MiB buffered write: %d WRITEs (max_io %d, limit %d; 4 KiB each would be %d)"
      % (n, MAX_IO, limit, (64 << 20) // 4096), flush=True)
check(0 < n <= limit, "64 MiB write took %d WRITEs, want <= %d" % (n, limit))
with open(os.path.join(MIR, "big"), "rb") as f:
    for i in range(64):
        if f.read(1 << 20) != chunk:
            check(False, "weftd's copy of the 64 MiB file differs at MiB %d" % i)
            break
os.unlink(os.path.join(WB, "big"))

# 6. fsync on a directory succeeds
dfd = os.open(WB, os.O_RDONLY | os.O_DIRECTORY)
try:
    os.fsync(dfd)
    os.fdatasync(dfd)
except OSError as e:
    check(False, "fsync of a directory: %s" % e)
os.close(dfd)

print("%d failure(s)" % len(FAILS))
sys.exit(1 if FAILS else 0)
PY
python3 /tmp/pxwb.py "$WB" "$MIR" "$MAX_IO" || fail "writeback cache checks failed"

# ---- ENOSPC at writeback: a small file system (needs capacity enforcement) ----
if weft fs create pxsmall --capacity 8MiB --channel pxwb >/tmp/pxwb-fs.out 2>&1; then
	do_mount pxwb/pxsmall /mnt/pxsmall
	python3 - /mnt/pxsmall <<'PY' || fail "ENOSPC at writeback was not reported"
import errno, os, sys
d = sys.argv[1]
# first, is capacity enforced at all?  a write-through (O_DIRECT) write past it
fd = os.open(os.path.join(d, "probe"), os.O_CREAT | os.O_WRONLY | os.O_DIRECT, 0o644)
import mmap
buf = mmap.mmap(-1, 1 << 20)
enforced = False
try:
    for i in range(16):
        os.pwritev(fd, [buf], i << 20)
except OSError as e:
    enforced = e.errno in (errno.ENOSPC, errno.EDQUOT)
    if not enforced:
        print("FAIL: O_DIRECT past capacity: %s" % e)
        sys.exit(1)
os.close(fd)
os.unlink(os.path.join(d, "probe"))
if not enforced:
    print("SKIP: ENOSPC at writeback: weftd does not enforce file system capacity yet")
    sys.exit(0)
fd = os.open(os.path.join(d, "f"), os.O_CREAT | os.O_WRONLY, 0o644)
for i in range(16):
    os.write(fd, bytes(1 << 20))  # buffered: succeeds into the page cache
try:
    os.fsync(fd)
    print("FAIL: fsync after writing 16 MiB to an 8 MiB file system succeeded")
    sys.exit(1)
except OSError as e:
    if e.errno not in (errno.ENOSPC, errno.EDQUOT):
        print("FAIL: fsync: %s, want ENOSPC" % e)
        sys.exit(1)
os.write(fd, b"x")
try:
    os.close(fd)
except OSError:
    pass
fd = os.open(os.path.join(d, "g"), os.O_CREAT | os.O_WRONLY, 0o644)
for i in range(16):
    os.write(fd, bytes(1 << 20))
try:
    os.close(fd)
    print("FAIL: close() after writing past capacity reported nothing")
    sys.exit(1)
except OSError as e:
    if e.errno not in (errno.ENOSPC, errno.EDQUOT):
        print("FAIL: close(): %s, want ENOSPC" % e)
        sys.exit(1)
print("ENOSPC at writeback: reported by fsync and close()")
PY
	do_umount /mnt/pxsmall
else
	echo "$T: SKIP: ENOSPC at writeback: no small file system ($(head -n1 /tmp/pxwb-fs.out))"
fi

# ---- write-through mode ----------------------------------------------------
do_mount pxwb/default /mnt/pxwt nowriteback
grep -q " /mnt/pxwt weft .*nowriteback" /proc/mounts || fail "nowriteback not shown in /proc/mounts"
python3 - /mnt/pxwt "$MIR" <<'PY' || fail "write-through mode"
import os, sys
d, mir = sys.argv[1:]
fd = os.open(os.path.join(d, "wt"), os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
os.write(fd, b"w" * 100000)
# no fsync: weftd has it already
with open(os.path.join(mir, "wt"), "rb") as f:
    got = f.read()
os.close(fd)
if got != b"w" * 100000:
    print("FAIL: write-through: weftd has %d bytes before fsync" % len(got))
    sys.exit(1)
PY
do_umount /mnt/pxwt
do_umount "$MIR"

# ---- close() after the daemon died: the error, then umount and rmmod work ----
do_umount "$WB"
do_mount pxwb/default "$WB" grace=0
python3 - "$WB" "$DPID" <<'PY' || fail "close() with a dead daemon"
import errno, os, signal, sys, time
d, pid = sys.argv[1], int(sys.argv[2])
fd = os.open(os.path.join(d, "dead"), os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
os.write(fd, b"z" * 300000)
os.kill(pid, signal.SIGKILL)
time.sleep(1)
try:
    os.close(fd)
    print("FAIL: close() of dirty data with weftd dead reported nothing")
    sys.exit(1)
except OSError as e:
    if e.errno not in (errno.ENOTCONN, errno.EIO):
        print("FAIL: close(): %s, want ENOTCONN or EIO" % e)
        sys.exit(1)
    print("close() with weftd dead: %s" % errno.errorcode[e.errno])
PY
daemon_kill "$DPID"
timeout 60 umount "$WB" || fail "umount after the daemon died"
MOUNTS=$(echo "$MOUNTS" | sed "s#$WB ##")
rm -rf /tmp/weft-data-pxwb
unload
echo "$T: writeback ok"
exit 0
