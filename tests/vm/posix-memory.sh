#!/bin/bash
# weftd --metadata memory (the RAM namespace of tests and benchmarks) serves
# the same POSIX checks as the persistent store: the posix_check sections
# on two mounts of `default`, a file system made with `weft fs create`, and
# the benchmark's create/stat/rename/unlink loop.  (Regression test for a
# report of creates failing with ENOENT under the memory store.)
export WEFT_TEST_DAEMON=weftd
. "$(dirname "$0")/ring-common.inc"

load
mkdir -p /tmp/weft-data-mem /mnt/mem /mnt/mem2 /mnt/memdata
weftd --name mem --data-dir /tmp/weft-data-mem --metadata memory >/tmp/weftd-mem.log 2>&1 &
DPID=$!
DAEMON_PIDS="$DAEMON_PIDS $DPID"
for _ in $(seq 300); do grep -q "attached as" /tmp/weftd-mem.log && break; sleep 0.1; done
grep -q "attached as" /tmp/weftd-mem.log || fail "weftd did not attach: $(tail -n 2 /tmp/weftd-mem.log)"
do_mount mem/default /mnt/mem
do_mount mem/default /mnt/mem2 attr_timeout=0,entry_timeout=0
out=$(POSIX_CHECK_MIRROR=/mnt/mem2 python3 "$WEFT_TOP/tests/vm/posix_check.py" /mnt/mem \
	namespace attr data xattr acl fallocate seek whiteout 2>&1)
echo "$out" | tail -n 5
echo "$out" | grep -q ' 0 failure(s)' || fail "posix_check on the memory store failed"
weft-mdbench --path /mnt/mem2 --files 300 --threads 2 --phase-seconds 20 >/tmp/md.json 2>&1 ||
	fail "weft-mdbench failed: $(tail -c 300 /tmp/md.json)"
python3 - /tmp/md.json <<'PY' || fail "weft-mdbench saw errors"
import json, sys
r = json.load(open(sys.argv[1]))
bad = {k: v["errors"] for k, v in r["phases"].items() if v["errors"] or v["ops"] != 300}
sys.exit("phases with errors or missing ops: %s" % bad if bad else 0)
PY
weft fs create memdata --capacity 1GiB --channel mem >/dev/null || fail "weft fs create failed"
do_mount mem/memdata /mnt/memdata
mkdir /mnt/memdata/d && echo x >/mnt/memdata/d/f && [ "$(cat /mnt/memdata/d/f)" = x ] ||
	fail "create in a catalog file system on the memory store failed"
do_umount /mnt/memdata
do_umount /mnt/mem2
do_umount /mnt/mem
daemon_kill "$DPID"
rm -rf /tmp/weft-data-mem
unload
echo "$T: ok"
exit 0
