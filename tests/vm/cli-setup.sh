#!/bin/bash
# The setup sequence of a new host through the CLI, every step checked with
# --json parsed by python3: weft.ko, weftd, drive scan/add (and the drives
# it must refuse: mounted, of another cluster), fs create/list, mount,
# status with the drives and their capacity, the single-node cluster (create,
# status, update, host list, host add/remove refused), stats counting the
# lookups and getattrs of a few stat calls and the bytes of a known write and
# read (module and weftd), stats --live, fs delete refused while mounted,
# drive remove, and the drives, file systems and cluster name still there
# after a weftd restart.
# Needs 3 emulated NVMe drives (scripts/vm-run.sh --nvme 3).
. "$(dirname "$0")/ring-common.inc"

OUT=/tmp/setup.out
ERR=/tmp/setup.err
CH=setup1

w() { weft "$@" >"$OUT" 2>"$ERR"; }
# wr ARGS...: a relayed command to $CH (a second daemon comes and goes)
wr() { weft "$@" --channel "$CH" >"$OUT" 2>"$ERR"; }
expect_err() {	# expect_err STATUS GREP-PATTERN: failed, one line, matching
	[ "$RC" = "$1" ] || fail "status $RC, want $1 (stderr: $(cat "$ERR"))"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "stderr is not one line: $(cat "$ERR")"
	grep -q -- "$2" "$ERR" || fail "stderr '$(cat "$ERR")' does not match '$2'"
}
pyjson() { python3 -c "import json,sys; d=json.load(open('$OUT')); $1" ||
	fail "JSON check failed: $1 on $(cat "$OUT")"; }

[ "$(daemon_kind)" = weftd ] || fail "needs weftd (build/weftd)"
for n in 0 1 2; do [ -b /dev/nvme${n}n1 ] || fail "no /dev/nvme${n}n1: run with --nvme 3"; done

load
# a fresh data dir: what a new host starts with
rm -rf /tmp/weft-data-$CH /tmp/weft-data-other
daemon_start $CH
W=$DPID

# ---- drives ------------------------------------------------------------------
# no drive configured: a sparse drive file in the data dir, so it works at once
wr drive list --json || fail "drive list: $(cat "$ERR")"
pyjson "assert [x['path'] for x in d] == ['/tmp/weft-data-$CH/default-drive.img'], d"
wr status --json || fail "status: $(cat "$ERR")"
pyjson "assert d['capacity']['raw_bytes'] > 0 and d['redundancy']['state'] == 'healthy', d"

wr drive scan --json || fail "drive scan: $(cat "$ERR")"
pyjson "p = {x['path']: x for x in d}; assert p['/dev/nvme0n1']['state'] == 'available', d; assert p['/dev/nvme0n1']['size_bytes'] > 0, d"

wr drive add /dev/nvme0n1 --json || fail "drive add nvme0n1: $(cat "$ERR")"
pyjson "assert [x['path'] for x in d] == ['/dev/nvme0n1'], d; assert d[0]['state'] == 'up', d"
wr drive list --json || fail "drive list: $(cat "$ERR")"
# the default drive file (if the data dir took O_DIRECT) is retired
pyjson "assert [x['path'] for x in d] == ['/dev/nvme0n1'], d"
wr drive scan --json || fail "drive scan: $(cat "$ERR")"
pyjson "p = {x['path']: x for x in d}; assert p['/dev/nvme0n1']['state'] == 'weft', d"
wr drive add /dev/nvme0n1; RC=$?
expect_err 1 "^weft: /dev/nvme0n1 is already drive"

# a mounted drive is refused, with or without --force
mkfs.ext4 -q -F /dev/nvme1n1 || fail "mkfs.ext4"
mkdir -p /mnt/ext && mount /dev/nvme1n1 /mnt/ext || fail "mount ext4"
wr drive add /dev/nvme1n1; RC=$?
expect_err 1 "^weft: /dev/nvme1n1 is mounted"
wr drive add --force /dev/nvme1n1; RC=$?
expect_err 1 "^weft: /dev/nvme1n1 is mounted"
wr drive scan --json
pyjson "p = {x['path']: x for x in d}; assert p['/dev/nvme1n1']['state'] == 'mounted', d"
umount /mnt/ext

# a drive of another cluster: formatted by another weftd, refused here
daemon_start other
O=$DPID
w drive add --channel other /dev/nvme2n1 || fail "drive add on 'other': $(cat "$ERR")"
kill -TERM $O; wait $O 2>/dev/null
DAEMON_PIDS=$(echo "$DAEMON_PIDS" | sed "s/\b$O\b//")
wr drive add /dev/nvme2n1; RC=$?
expect_err 1 "^weft: /dev/nvme2n1 belongs to weft cluster .*; use --force to reformat it"
wr drive add --force /dev/nvme2n1 --json || fail "drive add --force: $(cat "$ERR")"
wr drive add relative; RC=$?
expect_err 2 "^weft: drive path must be absolute"
wr drive add /dev/null; RC=$?
expect_err 1 "^weft: /dev/null is neither a block device nor a file"
wr drive list --json
pyjson "assert sorted(x['path'] for x in d) == ['/dev/nvme0n1', '/dev/nvme2n1'], d"

# ---- the cluster: one node, named once ---------------------------------------------
HOST=$(hostname)
wr status --json || fail "status: $(cat "$ERR")"
UUID=$(python3 -c "import json; print(json.load(open('$OUT'))['cluster']['uuid'])")
wr cluster status --json || fail "cluster status: $(cat "$ERR")"
pyjson "
assert d['name'] is None and d['id'] == '$UUID' and d['mode'] == 'single-node', d
assert [(h['hostname'], h['state'], h['drives'], h['local']) for h in d['hosts']] == [('$HOST', 'up', 2, True)], d['hosts']
assert d['drives'] == {'total': 2, 'up': 2}, d['drives']
assert d['failure_domains'] == 2 and d['capacity']['raw_bytes'] > 2 * 1000 ** 3, d
assert isinstance(d['epoch'], int) and d['redundancy']['state'] == 'healthy', d
"
wr cluster update --name lab; RC=$?
expect_err 1 "^weft: this node's cluster has no name yet"
wr cluster create lab1 "$HOST" --json || fail "cluster create: $(cat "$ERR")"
pyjson "assert d['name'] == 'lab1' and d['id'] == '$UUID', d"
wr cluster create lab2; RC=$?
expect_err 1 "^weft: this node is already in cluster 'lab1' ($UUID)"
wr cluster create 'bad name'; RC=$?
expect_err 2 "^weft: bad cluster name 'bad name'"
wr cluster update --name lab2 --json || fail "cluster update: $(cat "$ERR")"
pyjson "assert d['name'] == 'lab2', d"
wr cluster status || fail "cluster status text: $(cat "$ERR")"
grep -q "^Name: *lab2$" "$OUT" || fail "cluster status text: $(cat "$OUT")"
wr status --json
pyjson "assert d['cluster']['name'] == 'lab2', d['cluster']"
wr cluster host list --json || fail "host list: $(cat "$ERR")"
pyjson "
assert len(d) == 1, d
h = d[0]
assert h['hostname'] == '$HOST' and h['state'] == 'up' and h['drives'] == 2 and isinstance(h['id'], int), h
"
wr cluster host add node9.example; RC=$?
expect_err 1 "^weft: single-node cluster: adding hosts needs multi-node support, not available yet$"
wr cluster host remove node9.example; RC=$?
expect_err 1 "^weft: single-node cluster: removing hosts needs multi-node support, not available yet$"
wr cluster host remove "$HOST"; RC=$?
expect_err 1 "^weft: host '$HOST' is this host: a node cannot remove the host it runs on$"
wr cluster create lab3 node9.example; RC=$?
expect_err 1 "^weft: single-node cluster: adding hosts needs multi-node support"

# ---- file systems --------------------------------------------------------------
wr fs create data --capacity 1GiB --replication 2 --json || fail "fs create: $(cat "$ERR")"
pyjson "assert d['name'] == 'data' and d['replication'] == 2 and d['capacity_bytes'] == 1 << 30, d"
wr fs create r3 --replication 3; RC=$?
expect_err 1 "^weft: replication 3 needs 3 failure domains"
wr fs create big --capacity 100TiB; RC=$?
expect_err 1 "^weft: not enough capacity for 'big'"
wr fs create data; RC=$?
expect_err 1 "^weft: file system 'data' exists"
wr fs list --json || fail "fs list: $(cat "$ERR")"
pyjson "n = {x['name']: x for x in d}; assert set(n) == {'default', 'data'}, d; assert n['data']['replication'] == 2, d"

do_mount $CH/data /mnt/data
do_mount $CH/default /mnt/default attr_timeout=0,entry_timeout=0
# each file system is a namespace of its own
echo data-only >/mnt/data/only-here || fail "create in fs 'data'"
[ "$(cat /mnt/data/only-here)" = data-only ] || fail "read back in fs 'data'"
[ -e /mnt/default/only-here ] && fail "a file created in fs 'data' shows in fs 'default'"
wr fs delete data; RC=$?
expect_err 1 "^weft: file system 'data' is mounted"

# ---- status ------------------------------------------------------------------------
wr status --json || fail "status: $(cat "$ERR")"
pyjson "
paths = sorted(x['path'] for x in d['drives'])
assert paths == ['/dev/nvme0n1', '/dev/nvme2n1'], d['drives']
assert all(x['state'] == 'up' for x in d['drives']), d['drives']
raw = d['capacity']['raw_bytes']
assert raw == sum(x['size_bytes'] for x in d['drives']) and raw > 2 * 1000 ** 3, d['capacity']
assert d['capacity']['provisioned_bytes'] == 2 << 30, d['capacity']
assert d['cluster']['failure_domains'] == 2, d['cluster']
assert d['redundancy']['state'] == 'healthy', d['redundancy']
assert set(d['redundancy']['chunks']) == {'healthy', 'degraded', 'unavailable'}, d['redundancy']
assert {f['name'] for f in d['filesystems']} == {'default', 'data'}, d['filesystems']
"
wr status || fail "status text: $(cat "$ERR")"
grep -q "^Capacity: .* raw" "$OUT" || fail "status text: $(cat "$OUT")"
wr scrub --json || fail "scrub: $(cat "$ERR")"
pyjson "assert d['bad_blocks'] == 0, d"

# ---- stats: LOOKUP and GETATTR counted by the kernel -------------------------------
w stats --json || fail "stats: $(cat "$ERR")"
cp "$OUT" /tmp/stats.before
for i in $(seq 20); do stat /mnt/default/nothing-$i >/dev/null 2>&1; stat /mnt/default >/dev/null; done
w stats --json || fail "stats: $(cat "$ERR")"
python3 - /tmp/stats.before "$OUT" <<'PY' || fail "stats did not grow: $(cat "$OUT")"
import json, sys
a = {o['op']: o for o in json.load(open(sys.argv[1]))['ops']}
b = {o['op']: o for o in json.load(open(sys.argv[2]))['ops']}
grew = lambda op: b[op]['count'] - a.get(op, {'count': 0})['count']
assert grew('LOOKUP') >= 20, (a.get('LOOKUP'), b['LOOKUP'])
assert grew('GETATTR') >= 20, (a.get('GETATTR'), b.get('GETATTR'))
assert b['LOOKUP']['p50_us'] > 0 and b['LOOKUP']['p99_us'] >= b['LOOKUP']['p50_us'], b['LOOKUP']
PY
w stats --op LOOKUP || fail "stats --op: $(cat "$ERR")"
cat "$OUT"
grep -q "^LOOKUP " "$OUT" || fail "stats --op text: $(cat "$OUT")"

# ---- stats --queues: every queue of the channel, each request polled or slept -----
w stats --queues --json || fail "stats --queues: $(cat "$ERR")"
cp "$OUT" /tmp/queues.before
for i in $(seq 20); do stat /mnt/default >/dev/null; done
w stats --queues --json || fail "stats --queues: $(cat "$ERR")"
python3 - /tmp/queues.before "$OUT" <<'PY' || fail "stats --queues: $(cat "$OUT")"
import json, sys
a, b = (json.load(open(p))['queues'] for p in sys.argv[1:3])
mine = [q for q in b if q['channel'] == 'setup1']
assert mine and sorted(q['queue'] for q in mine) == list(range(len(mine))), b
key = lambda q: (q['channel'], q['queue'])
before = {key(q): q for q in a}
# a caller either polled for its completion or slept for it: one of the two
# per request, and the 20 stats above are at least 20 requests
done = sum(q['polled'] + q['slept'] - before[key(q)]['polled'] - before[key(q)]['slept']
           for q in mine)
assert done >= 20, (a, b)
assert all(isinstance(q['in_flight'], int) and q['in_flight'] >= 0 for q in mine), mine
PY
w stats --queues || fail "stats --queues text: $(cat "$ERR")"
grep -q "POLLED%" "$OUT" || fail "stats --queues text: $(cat "$OUT")"
w stats --queues --live && fail "stats --queues --live was accepted"

# ---- stats: the bytes of a known write and read, module and weftd ----------------
dd if=/dev/urandom of=/tmp/blob bs=64k count=16 status=none || fail "make /tmp/blob"
w stats --json || fail "stats: $(cat "$ERR")"
cp "$OUT" /tmp/stats.before
dd if=/tmp/blob of=/mnt/data/blob bs=64k status=none || fail "write 1 MiB to /mnt/data/blob"
echo 3 >/proc/sys/vm/drop_caches
cmp /tmp/blob /mnt/data/blob || fail "read back 1 MiB"
w stats --json || fail "stats: $(cat "$ERR")"
python3 - /tmp/stats.before "$OUT" <<'PY' || fail "stats bytes: $(cat "$OUT")"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert b['weftd'] is not None and b['weftd']['channel'] == 'setup1', b['weftd']
def ops(d): return {o['op']: o for o in d['ops']}
ka, kb = ops(a), ops(b)
zero = {'count': 0, 'bytes': 0, 'weftd': {'count': 0, 'bytes': 0}}
def grew(op, weftd=False):
    x, y = ka.get(op, zero), kb[op]
    if weftd:
        x, y = x['weftd'] or zero['weftd'], y['weftd']
    return y['count'] - x['count'], y['bytes'] - x['bytes']
wn, wb = grew('WRITE')
assert wb == 1 << 20 and wn >= 1, ('kernel WRITE', wn, wb)
assert grew('WRITE', True)[1] == 1 << 20, ('weftd WRITE', grew('WRITE', True))
rn, rb = grew('READ')
assert 1 << 20 <= rb <= 2 << 20 and rn >= 1, ('kernel READ', rn, rb)
assert grew('READ', True)[1] == rb, ('weftd READ', grew('READ', True), rb)
r = kb['READ']
assert r['bytes_per_s'] > 0 and r['weftd']['p99_us'] > 0 and r['weftd']['p50_us'] <= r['weftd']['p99_us'], r
print('stats bytes ok: WRITE', wn, 'requests', wb, 'bytes; READ', rn, 'requests', rb, 'bytes')
PY
w stats --op READ,WRITE || fail "stats text: $(cat "$ERR")"
cat "$OUT"
grep -q "^WRITE .*/s " "$OUT" || fail "stats text has no WRITE throughput: $(cat "$OUT")"
grep -q "WEFTD-P99" "$OUT" || fail "stats text has no weftd columns: $(cat "$OUT")"

# --live: one JSON document per interval with that interval's requests: a
# writer (one process) stores 64 KiB files (write-through: each one WRITE to
# weftd) from before the first sample until after the last
rm -f /tmp/loader.stop
dd if=/dev/urandom of=/tmp/blob64 bs=64k count=1 status=none
mkdir -p /mnt/data/live
python3 - <<'PY' &
import os
data, i = open('/tmp/blob64', 'rb').read(), 0
while not os.path.exists('/tmp/loader.stop'):
    with open(f'/mnt/data/live/f{i}', 'wb') as f:
        f.write(data)
    i += 1
PY
LOADER=$!
for _ in $(seq 100); do [ -e /mnt/data/live/f2 ] && break; sleep 0.1; done	# writing
w stats --live --interval 500ms --count 3 --json; RC=$?
touch /tmp/loader.stop; wait $LOADER
[ "$RC" = 0 ] || fail "stats --live: $(cat "$ERR")"
[ "$(wc -l <"$OUT")" = 3 ] || fail "stats --live printed $(wc -l <"$OUT") lines, want 3: $(cat "$OUT")"
python3 - "$OUT" <<'PY' || fail "stats --live JSON: $(cat "$OUT")"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert all(400 <= d['window_ms'] <= 10000 for d in docs), [d['window_ms'] for d in docs]
writes = [[o for o in d['ops'] if o['op'] == 'WRITE'] for d in docs]
wbytes = [w[0]['bytes'] if w else 0 for w in writes]
assert sum(1 for b in wbytes if b > 0) >= 2, wbytes
assert all(b % 65536 == 0 for b in wbytes), wbytes
assert any(w and w[0]['weftd']['count'] > 0 for w in writes), writes
for d, w in zip(docs, writes):
    if w:
        assert abs(w[0]['bytes_per_s'] - w[0]['bytes'] * 1000 / d['window_ms']) <= w[0]['bytes_per_s'] / 100 + 1, (d['window_ms'], w[0])
print('stats --live WRITE bytes per interval:', wbytes)
PY
rm -rf /mnt/data/live

# ---- delete, remove, restart -----------------------------------------------------
do_umount /mnt/data
wr fs delete data --json || fail "fs delete: $(cat "$ERR")"
pyjson "assert d == {'deleted': 'data'}, d"
wr fs delete data; RC=$?
expect_err 1 "^weft: no file system 'data'"
wr drive remove /dev/nvme2n1 --json || fail "drive remove: $(cat "$ERR")"
pyjson "assert d['path'] == '/dev/nvme2n1', d"
wr drive remove 99; RC=$?
expect_err 1 "^weft: no drive '99'"
wr fs create keep --capacity 64MiB --json || fail "fs create keep: $(cat "$ERR")"

do_umount /mnt/default
kill -TERM $W; wait $W 2>/dev/null
DAEMON_PIDS=$(echo "$DAEMON_PIDS" | sed "s/\b$W\b//")
daemon_start $CH
wr drive list --json || fail "drive list after restart: $(cat "$ERR"); weftd: $(tail -n 5 /tmp/daemon-$CH-*.log)"
pyjson "assert [(x['path'], x['state']) for x in d] == [('/dev/nvme0n1', 'up')], d"
wr fs list --json || fail "fs list after restart: $(cat "$ERR")"
pyjson "assert [x['name'] for x in d] == ['default', 'keep'], d"
wr cluster status --json || fail "cluster status after restart: $(cat "$ERR")"
pyjson "assert d['name'] == 'lab2' and d['id'] == '$UUID', d"
do_mount $CH/keep /mnt/keep
stat /mnt/keep >/dev/null || fail "stat of a created fs after restart"
do_umount /mnt/keep

daemon_kill "$DPID"
unload
echo "$T: ok"
exit 0
