#!/bin/bash
# A large directory through the real module: one python process creates as
# many entries in one directory as it can in WEFT_BIGDIR_SECONDS (default
# 150; at most WEFT_BIGDIR_MAX, default 1,000,000), then `ls -f | wc -l`
# must count every one of them plus . and .., a listing must return each
# name exactly once, and random names must stat with the right inode.
# (The million-entry check of the store itself is the native
# weft_bigdir_tests; TCG makes each create cost milliseconds here.)
export WEFT_TEST_DAEMON=weftd
. "$(dirname "$0")/ring-common.inc"

load
daemon_start bigdir
do_mount bigdir/default /mnt/bigdir
mkdir /mnt/bigdir/d || fail "mkdir failed"
out=$(python3 - /mnt/bigdir/d "${WEFT_BIGDIR_SECONDS:-150}" "${WEFT_BIGDIR_MAX:-1000000}" <<'PY' 2>&1
import os, random, stat, sys, time
d, secs, most = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
t0 = time.monotonic()
inos = []
while len(inos) < most and (len(inos) % 256 or time.monotonic() - t0 < secs):
    p = os.path.join(d, "entry-%08d" % len(inos))
    os.mknod(p, 0o644 | stat.S_IFREG)
    inos.append(os.lstat(p).st_ino if len(inos) % 97 == 0 else 0)
n = len(inos)
print("created %d entries in %.1f s" % (n, time.monotonic() - t0))
names = os.listdir(d)
assert len(names) == n, "listdir: %d names, want %d" % (len(names), n)
assert len(set(names)) == n, "listdir returned a name twice"
assert set(names) == {"entry-%08d" % i for i in range(n)}, "listdir names differ"
rng = random.Random(1)
for _ in range(300):
    i = rng.randrange(0, n)
    st = os.stat(os.path.join(d, "entry-%08d" % i))
    assert stat.S_ISREG(st.st_mode), "entry-%08d is not a file" % i
    if inos[i]:
        assert st.st_ino == inos[i], "entry-%08d changed inode" % i
for i in (n, n + 1):
    try:
        os.stat(os.path.join(d, "entry-%08d" % i))
        raise AssertionError("entry-%08d exists" % i)
    except FileNotFoundError:
        pass
print("N=%d" % n)
PY
)
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "python check failed: $(echo "$out" | tail -n 1)"
n=$(echo "$out" | sed -n 's/^N=//p')
[ -n "$n" ] && [ "$n" -ge 2000 ] || fail "only ${n:-0} entries created"
count=$(ls -f /mnt/bigdir/d | wc -l)
[ "$count" -eq $((n + 2)) ] || fail "ls -f counts $count, want $((n + 2))"
# a second mount (a fresh super block, nothing cached) sees the same
do_mount bigdir/default /mnt/bigdir2 attr_timeout=0,entry_timeout=0
count2=$(ls -f /mnt/bigdir2/d | wc -l)
[ "$count2" -eq $((n + 2)) ] || fail "second mount: ls -f counts $count2, want $((n + 2))"
do_umount /mnt/bigdir2
do_umount /mnt/bigdir
daemon_kill "$DPID"
rm -rf /tmp/weft-data-bigdir
unload
echo "$T: ok ($n entries)"
exit 0
