#!/bin/bash
# weftd's namespace and file data survive restarts (RocksMetadataStore over
# ChunkStore): files of several sizes, a sparse file, a write past 4 GiB,
# directories, a symlink, a hard link, chmod/chown/utimens with ns are all
# there byte for byte with the same attributes after (1) umount + SIGTERM +
# restart and (2) kill -9 of weftd with the file system mounted (what was
# fsync'd survives; an unlinked-but-open file is reclaimed).  Then the
# offline `weftd --check` finds nothing wrong.
. "$WEFT_TOP/tests/vm/ring-common.inc"
T=persist-restart
W=/tmp/pr
D=$W/data
M=/mnt/pr
mkdir -p $W $M

start_weftd() {	# start_weftd LOG: sets P
	weftd --name pr --data-dir $D --queues 2 >"$1" 2>&1 &
	P=$!
	DAEMON_PIDS="$DAEMON_PIDS $P"
	for _ in $(seq 300); do
		grep -q 'attached as' "$1" && return 0
		kill -0 $P 2>/dev/null || fail "weftd exited: $(tail -n 3 "$1")"
		sleep 0.1
	done
	fail "weftd did not attach: $(tail -n 3 "$1")"
}

# Every entry's type, mode, owner, size, blocks, links, mtime and ctime
# (ns), symlink targets; atime of the files that are never read.
manifest() {
	(cd $M && find . -printf '%p %y %m %U %G %s %n %l\n' | sort)
	(cd $M && find . -mindepth 1 | sort | xargs -d '\n' stat -c '%n %b %y %z')
	stat -c '%n %x' $M/stamped
}

# Contents: whole files, and for the one past 4 GiB its data and a hole.
contents() {
	(cd $M && find . -type f ! -name big ! -name stamped -print0 | sort -z | xargs -0 sha256sum)
	dd if=$M/big bs=4096 skip=1048577 count=16 status=none | sha256sum
	dd if=$M/big bs=1M skip=100 count=1 status=none | sha256sum
}

# (a file's fsync makes every namespace change before it durable too, the
# namespace has one write-ahead log; the directories are fsync'ed as an
# application would, and that must succeed)
fsync_all() {	# fsync every directory and regular file under $M
	python3 - "$M" <<'EOF' || fail "fsync"
import os, sys
for root, dirs, files in os.walk(sys.argv[1]):
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    os.fsync(fd)
    os.close(fd)
    for n in files:
        p = os.path.join(root, n)
        if os.path.islink(p):
            continue
        fd = os.open(p, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
EOF
}

load
start_weftd $W/log1
do_mount pr/default $M noatime

# --- build a tree ------------------------------------------------------
: >$M/empty
printf x >$M/one
head -c 4095 /dev/urandom >$M/f4095
head -c 4097 /dev/urandom >$M/f4097
head -c $((3 << 20)) /dev/urandom >$M/f3m
dd if=/dev/urandom of=$M/sparse bs=4096 count=1 status=none
dd if=/dev/urandom of=$M/sparse bs=1 count=100 seek=$((8 << 20)) conv=notrunc status=none
# 64 KiB just past 4 GiB: the file is 4 GiB + 68 KiB, almost all hole
dd if=/dev/urandom of=$M/big bs=4096 seek=1048577 count=16 status=none
mkdir -p $M/d1/d2/d3
head -c 12345 /dev/urandom >$M/d1/d2/d3/deep
ln -s ../f3m $M/d1/link-to-f3m
ln -s /no/such/target $M/dangling
ln $M/f4097 $M/d1/hard-f4097
chmod 0640 $M/one
chmod 1750 $M/d1
chown 1234:5678 $M/f4097
head -c 777 /dev/urandom >$M/stamped
sha_stamped=$(sha256sum <$M/stamped)
touch -a -d '2001-02-03 04:05:06.123456789' $M/stamped
touch -m -d '2011-12-13 14:15:16.987654321' $M/stamped
touch -m -d '1999-01-01 00:00:00.000000001' $M/d1/d2
fsync_all
[ "$(stat -c %s $M/big)" = $((4 * 1024 * 1024 * 1024 + 69632)) ] || fail "size of big: $(stat -c %s $M/big)"

m1=$(manifest) || fail "manifest"
c1=$(contents) || fail "contents"
echo "$m1"

# --- 1: clean stop and restart ------------------------------------------
do_umount $M
kill -TERM $P
wait $P || fail "weftd exit status $? after SIGTERM"
DAEMON_PIDS=$(echo "$DAEMON_PIDS" | sed "s/\b$P\b//")
ls $D/namespace >/dev/null || fail "no namespace database in $D"
start_weftd $W/log2
do_mount pr/default $M noatime
m2=$(manifest)
[ "$m2" = "$m1" ] || fail "attributes differ after a restart: $(diff <(echo "$m1") <(echo "$m2"))"
[ "$(sha256sum <$M/stamped)" = "$sha_stamped" ] || fail "stamped's contents"
c2=$(contents)
[ "$c2" = "$c1" ] || fail "contents differ after a restart: $(diff <(echo "$c1") <(echo "$c2"))"
echo "restart: same tree, same bytes"

# --- 2: kill -9 with the file system mounted ----------------------------
head -c $((2 << 20)) /dev/urandom >$M/after
printf more >>$M/one
rm $M/f4095
mkdir $M/newdir
mv $M/f3m $M/d1/f3m-moved
ln -sfn d1/f3m-moved $M/d1/link-to-f3m
echo orphan-data >$M/orphan
exec 3<$M/orphan
rm $M/orphan
fsync_all
m3=$(manifest)
c3=$(contents)
kill -9 $P
{ wait $P; } 2>/dev/null
DAEMON_PIDS=$(echo "$DAEMON_PIDS" | sed "s/\b$P\b//")
exec 3<&-
umount $M 2>/dev/null || umount -l $M || fail "umount after kill -9"
MOUNTS=$(echo "$MOUNTS" | sed "s#$M ##")
start_weftd $W/log3
do_mount pr/default $M noatime
m4=$(manifest)
[ "$m4" = "$m3" ] || fail "attributes differ after kill -9: $(diff <(echo "$m3") <(echo "$m4"))"
c4=$(contents)
[ "$c4" = "$c3" ] || fail "contents differ after kill -9: $(diff <(echo "$c3") <(echo "$c4"))"
grep -q 'reclaimed orphan inode' $W/log3 || fail "the unlinked-open file was not reclaimed: $(cat $W/log3)"
[ "$(cat $M/one)" = xmore ] || fail "one: $(cat $M/one)"
echo "kill -9: fsync'd data and metadata survived"

# --- 3: offline check ---------------------------------------------------
do_umount $M
kill -TERM $P
wait $P || fail "weftd exit status $? after SIGTERM"
DAEMON_PIDS=$(echo "$DAEMON_PIDS" | sed "s/\b$P\b//")
out=$(weftd --check --data-dir $D 2>&1); rc=$?
echo "$out"
[ $rc = 0 ] || fail "weftd --check: rc=$rc"
echo "$out" | grep -q 'is consistent' || fail "weftd --check said: $out"
unload
echo "$T: ok"
exit 0
