#!/bin/bash
# close() sends RELEASE without waiting for weftd (asynchronous requests,
# kmod/req.c): with weftd stopped, closes return at once, also beyond the
# queue's slots (the backlog), and every RELEASE is answered once weftd runs
# again, counted in `weft stats` without errors.  close, unlink and re-create
# of one name in a row keep weftd consistent (its RELEASE may arrive after
# the UNLINK).  A CREATE opens the file it makes: no OPEN for new names.
# RELEASEs left when weftd dies are dropped, counted as errors
# (ENOTCONN), never re-issued: with a grace period to the next weftd, which
# serves the mount; without one umount and rmmod work.  Nothing warns.
. "$(dirname "$0")/ring-common.inc"

command -v weftd >/dev/null || fail "weftd not built"

# weftd with one queue of 4 slots, so 32 closes overflow it into the backlog
start_weftd() {	# start_weftd NAME
	local log=/tmp/weftd-$1-$RANDOM.log
	mkdir -p "/tmp/wd-$1"
	weftd --name "$1" --data-dir "/tmp/wd-$1" --queues 1 --queue-depth 4 >"$log" 2>&1 &
	DPID=$!
	DAEMON_PIDS="$DAEMON_PIDS $DPID"
	for _ in $(seq 300); do
		grep -q "attached as" "$log" && return 0
		kill -0 "$DPID" 2>/dev/null || fail "weftd '$1' exited: $(tail -n 3 "$log")"
		sleep 0.1
	done
	fail "weftd '$1' did not attach: $(tail -n 3 "$log")"
}

# "count errors" of RELEASE in the kernel's stats
release_stats() {
	weft stats --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = [o for o in d["ops"] if o["op"] == "RELEASE"]
print(r[0]["count"], r[0]["errors"]) if r else print(0, 0)'
}

# op_count OP: how many OP requests the kernel counted
op_count() {
	weft stats --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(o["count"] for o in d["ops"] if o["op"] == sys.argv[1]))' "$1"
}

# wait_release COUNT ERRORS: the stats reach exactly that within 20 s
wait_release() {
	local c e
	for _ in $(seq 200); do
		stats=$(release_stats) || fail "weft stats failed"
		read -r c e <<<"$stats"
		[ "$c" = "$1" ] && [ "$e" = "$2" ] && return 0
		sleep 0.1
	done
	fail "RELEASE stats: count $c errors $e, want $1 and $2"
}

# open N files under DIR, stop weftd (pid), close them all: must take < 2 s
# (a close waiting for its answer would hang for the 60 s request timeout)
closes_while_stopped() {	# DIR N PID
	python3 - "$@" <<'PY'
import os, signal, sys, time
d, n, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fds = [os.open("%s/c%d" % (d, i), os.O_CREAT | os.O_RDWR, 0o644) for i in range(n)]
os.kill(pid, signal.SIGSTOP)
t = time.monotonic()
for fd in fds:
    os.close(fd)
dt = time.monotonic() - t
if dt > 2:
    print("%d closes with weftd stopped took %.1f s" % (n, dt))
    sys.exit(1)
PY
}

kmsg_start=$(dmesg | wc -l)
load

# 1: 32 closes while weftd is stopped (4 slots: 28 in the backlog)
start_weftd rr
do_mount rr/default /mnt/rr attr_timeout=0,entry_timeout=0
stats=$(release_stats) || fail "weft stats failed"
read -r c0 e0 <<<"$stats"
closes_while_stopped /mnt/rr 32 "$DPID" || { kill -CONT "$DPID"; fail "close() waited for weftd"; }
kill -CONT "$DPID"
wait_release $((c0 + 32)) "$e0"

# 2: write, close, unlink, re-create the same name, 50 times in a row
python3 - /mnt/rr <<'PY' || fail "close/unlink/re-create in a row"
import os, sys
p = sys.argv[1] + "/u"
for i in range(50):
    fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.write(fd, b"x" * (4096 + i))
    os.close(fd)
    os.unlink(p)
fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
if os.fstat(fd).st_size != 0 or os.read(fd, 10) != b"":
    print("a re-created file is not empty")
    sys.exit(1)
os.close(fd)
os.unlink(p)
if sorted(os.listdir(sys.argv[1])) != sorted("c%d" % i for i in range(32)):
    print("unexpected names: %s" % sorted(os.listdir(sys.argv[1])))
    sys.exit(1)
PY
wait_release $((c0 + 32 + 51)) "$e0"

# 2b: open(O_CREAT|O_EXCL) of a name not in the dcache skips the LOOKUP
# (weft_atomic_open): EEXIST still comes for every kind of existing name,
# the new file is the one a later lookup finds; O_CREAT alone follows a
# dangling symlink and creates its target
python3 - /mnt/rr <<'PY' || fail "exclusive creates (atomic_open)"
import errno, os, sys
d = sys.argv[1] + "/x"
os.mkdir(d)
os.symlink("target", d + "/dangling")
os.mkdir(d + "/sub")
def excl(name):
    return os.open(d + "/" + name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o640)
for name in ("sub", "dangling"):
    try:
        os.close(excl(name))
        print("O_EXCL create of the existing %s succeeded" % name)
        sys.exit(1)
    except OSError as e:
        if e.errno != errno.EEXIST:
            print("O_EXCL create of %s: %s, want EEXIST" % (name, e))
            sys.exit(1)
if os.path.lexists(d + "/target"):
    print("O_EXCL followed the dangling symlink")
    sys.exit(1)
fd = excl("new")
st = os.fstat(fd)
os.write(fd, b"abc")
os.close(fd)
if os.stat(d + "/new").st_ino != st.st_ino or (st.st_mode & 0o7777) != 0o640:
    print("the created file is not the one found by name, or mode %o" % st.st_mode)
    sys.exit(1)
fd = os.open(d + "/dangling", os.O_CREAT | os.O_WRONLY, 0o600)
os.close(fd)
if not os.path.isfile(d + "/target") or sorted(os.listdir(d)) != ["dangling", "new", "sub", "target"]:
    print("O_CREAT through a dangling symlink: %s" % sorted(os.listdir(d)))
    sys.exit(1)
with open(d + "/new", "rb") as f:
    if f.read() != b"abc":
        print("data of the created file lost")
        sys.exit(1)
PY
wait_release $((c0 + 32 + 51 + 3)) "$e0"

# 2c: CREATE opens the file it makes (WEFT_CREATE_OPEN): open(O_CREAT) of a
# new name and O_TMPFILE send no OPEN, yet the handle holds the file as an
# OPEN's would (unlinked while open, its data stays readable until close);
# an existing name is still opened with OPEN.  One RELEASE per close.
opens0=$(op_count OPEN) && creates0=$(op_count CREATE) || fail "weft stats failed"
python3 - /mnt/rr <<'PY' || fail "creates that open"
import os, sys
d = sys.argv[1] + "/co"
os.mkdir(d)
fds = [os.open("%s/e%d" % (d, i), os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600) for i in range(5)]
fds.append(os.open(d + "/plain", os.O_CREAT | os.O_RDWR, 0o600))
fds.append(os.open(d, os.O_TMPFILE | os.O_RDWR, 0o600))
for i, fd in enumerate(fds):
    os.write(fd, b"file %d " % i * 1000)
os.unlink(d + "/e0")
for i, fd in enumerate(fds):
    if os.pread(fd, 7000, 0) != b"file %d " % i * 1000:
        print("data read back through descriptor %d differs" % i)
        sys.exit(1)
    os.close(fd)
if sorted(os.listdir(d)) != ["e1", "e2", "e3", "e4", "plain"]:
    print("names after the creates: %s" % sorted(os.listdir(d)))
    sys.exit(1)
PY
opens1=$(op_count OPEN) && creates1=$(op_count CREATE) || fail "weft stats failed"
[ "$opens1" = "$opens0" ] || fail "creates sent $((opens1 - opens0)) OPENs, want none"
[ "$creates1" = $((creates0 + 7)) ] || fail "$((creates1 - creates0)) CREATEs for 7 created files"
[ "$(cat /mnt/rr/co/e1 | head -c 7)" = "file 1 " ] || fail "reading a created file by name"
[ "$(op_count OPEN)" = $((opens0 + 1)) ] || fail "opening an existing file sent no OPEN"
wait_release $((c0 + 32 + 51 + 3 + 8)) "$e0"
do_umount /mnt/rr
daemon_kill "$DPID"

# 3: grace period: 8 RELEASEs pending (4 in flight, 4 in the backlog) when
# weftd dies are dropped, not given to the next weftd, which serves the mount
start_weftd rg
do_mount rg/default /mnt/rg attr_timeout=0,entry_timeout=0,grace=30
stats=$(release_stats) || fail "weft stats failed"
read -r c0 e0 <<<"$stats"
closes_while_stopped /mnt/rg 8 "$DPID" || { kill -CONT "$DPID"; fail "close() waited for weftd (grace)"; }
daemon_kill "$DPID"
start_weftd rg
wait_release $((c0 + 8)) $((e0 + 8))
[ "$(ls /mnt/rg | wc -l)" = 8 ] || fail "the new weftd does not list the 8 files"
echo data >/mnt/rg/c0 || fail "write through the new weftd failed"
[ "$(cat /mnt/rg/c0)" = data ] || fail "read through the new weftd failed"
wait_release $((c0 + 10)) $((e0 + 8))
do_umount /mnt/rg
daemon_kill "$DPID"

# 4: no grace: RELEASEs pending at weftd's death are dropped; umount, rmmod
start_weftd rk
do_mount rk/default /mnt/rk attr_timeout=0,entry_timeout=0
stats=$(release_stats) || fail "weft stats failed"
read -r c0 e0 <<<"$stats"
closes_while_stopped /mnt/rk 8 "$DPID" || { kill -CONT "$DPID"; fail "close() waited for weftd (no grace)"; }
daemon_kill "$DPID"
wait_release $((c0 + 8)) $((e0 + 8))
do_umount /mnt/rk
unload

if dmesg | tail -n +$((kmsg_start + 1)) | grep -E "WARNING|BUG|Oops|refcount_t" ; then
	fail "the kernel complained"
fi
echo "$T: ok"
exit 0
