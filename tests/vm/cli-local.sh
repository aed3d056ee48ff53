#!/bin/bash
# `weft local attach|detach` against the real module: no module, attach
# (spawned weftd: pid, pidfile, log, channel attached), attach twice, detach
# refused while mounted, detach (process and channel gone, pidfile removed),
# detach of what is not attached, a weftd that exits early (its last log
# line), weftd not found, a channel with a grace period detached at once,
# and a weftd started by hand stopped through the pid of its status.
. "$(dirname "$0")/ring-common.inc"

OUT=/tmp/local.out
ERR=/tmp/local.err
w() { weft "$@" >"$OUT" 2>"$ERR"; }
expect_err() {	# expect_err STATUS GREP-PATTERN: failed, one line, matching
	[ "$RC" = "$1" ] || fail "status $RC, want $1 (stderr: $(cat "$ERR"))"
	[ "$(wc -l <"$ERR")" = 1 ] || fail "stderr is not one line: $(cat "$ERR")"
	grep -q -- "$2" "$ERR" || fail "stderr '$(cat "$ERR")' does not match '$2'"
}
pyjson() { python3 -c "import json,sys; d=json.load(open('$OUT')); $1" ||
	fail "JSON check failed: $1 on $(cat "$OUT")"; }
running() {	# running PID: exists and is not a zombie
	[ -e "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat")" != Z ]
}
channels() {	# the channel names and states the module lists, "name:state ..."
	weft local status --json | python3 -c \
		'import json,sys; print(" ".join(c["name"] + ":" + c["state"] for c in json.load(sys.stdin)["channels"]))'
}

[ "$(daemon_kind)" = weftd ] || fail "needs weftd (build/weftd)"

w local attach la; RC=$?
expect_err 1 "^weft: kernel module not loaded"

load
rm -rf /tmp/wl-* /run/weft

# ---- attach: spawned, attached when it returns -------------------------------------
w local attach la --data-dir /tmp/wl-la --log /tmp/wl-la.log --json -- --queues 1 ||
	fail "attach: $(cat "$ERR")"
pyjson "assert d['name'] == 'la' and d['via'] == 'spawn' and d['log'] == '/tmp/wl-la.log' and d['data_dir'] == '/tmp/wl-la', d"
P=$(python3 -c "import json; print(json.load(open('$OUT'))['pid'])")
DAEMON_PIDS="$DAEMON_PIDS $P"
[ "$(cat /proc/$P/comm)" = weftd ] || fail "pid $P is not weftd: $(cat /proc/$P/comm)"
[ "$(cat /run/weft/la.pid)" = "$P" ] || fail "pidfile: $(cat /run/weft/la.pid 2>&1), want $P"
[ "$(channels)" = "la:attached" ] || fail "channels after attach: $(channels)"
grep -q "attached as" /tmp/wl-la.log || fail "no 'attached as' in the log: $(cat /tmp/wl-la.log)"
w local status --json
pyjson "assert [c['queues'] for c in d['channels']] == [1], d  # the weftd option got through"
[ "$(awk '{print $6}' /proc/$P/stat)" = "$P" ] || fail "weftd is not in a session of its own"

w local attach la --data-dir /tmp/wl-la --log /tmp/wl-la.log; RC=$?
expect_err 1 "^weft: weftd 'la' is already attached"

# ---- detach: refused while mounted, then the process and the channel go ----------
do_mount la/default /mnt/la
touch /mnt/la/kept || fail "create a file through la"
w local detach la; RC=$?
expect_err 1 "^weft: weftd 'la' serves 1 mount: unmount first$"
do_umount /mnt/la
w local detach la --json || fail "detach: $(cat "$ERR")"
pyjson "assert d == {'name': 'la', 'via': 'signal', 'pid': $P}, d"
[ -z "$(channels)" ] || fail "channels after detach: $(channels)"
for _ in $(seq 50); do running "$P" || break; sleep 0.1; done
running "$P" && fail "weftd $P still runs after detach"
[ -e /run/weft/la.pid ] && fail "pidfile left after detach"
w local detach la; RC=$?
expect_err 1 "^weft: no weftd attached as 'la'$"

# attach again: same data dir, the namespace is still there
w local attach la --data-dir /tmp/wl-la --log /tmp/wl-la.log || fail "re-attach: $(cat "$ERR")"
grep -q "^attached 'la' (weftd pid [0-9]*, log /tmp/wl-la.log)$" "$OUT" || fail "attach text: $(cat "$OUT")"
DAEMON_PIDS="$DAEMON_PIDS $(cat /run/weft/la.pid)"
do_mount la/default /mnt/la
[ -e /mnt/la/kept ] || fail "file lost across detach/attach"
do_umount /mnt/la

# ---- a channel with a grace period is still detached at once ----------------------
w local set --name la --grace 60 || fail "set grace: $(cat "$ERR")"
start=$(date +%s)
w local detach la || fail "detach with grace: $(cat "$ERR")"
grep -q "^detached 'la' (weftd pid [0-9]* stopped)$" "$OUT" || fail "detach text: $(cat "$OUT")"
[ $(($(date +%s) - start)) -lt 20 ] || fail "detach waited for the grace period"
[ -z "$(channels)" ] || fail "channels after detach with grace: $(channels)"

# ---- weftd exits early: its last log line ----------------------------------------
w local attach lb --data-dir /tmp/wl-lb --log /tmp/wl-lb.log -- --device /nonexistent; RC=$?
expect_err 1 "^weft: weftd exited early (exit status 1): weftd: /nonexistent not found: is weft.ko loaded?$"
[ -e /run/weft/lb.pid ] && fail "pidfile left by a weftd that exited"

# ---- weftd not found: a weft with no weftd beside it or on PATH -------------------
mkdir -p /tmp/wl-bin && cp "$(command -v weft)" /tmp/wl-bin/weft
PATH=/tmp/wl-bin:/usr/bin:/bin /tmp/wl-bin/weft local attach lc --data-dir /tmp/wl-lc --log /tmp/wl-lc.log \
	>"$OUT" 2>"$ERR"; RC=$?
if [ -x /usr/local/sbin/weftd ] || [ -x /usr/sbin/weftd ] || [ -x /sbin/weftd ]; then
	echo "$T: weftd installed in an sbin directory: 'not found' not tested"
else
	expect_err 1 "^weft: weftd not found"
fi

# ---- a weftd started by hand: stopped through the pid of its status ---------------
daemon_start manual
M=$DPID
w local detach manual --json || fail "detach of a hand-started weftd: $(cat "$ERR")"
pyjson "assert d['pid'] == $M and d['via'] == 'signal', d"
{ wait "$M"; } 2>/dev/null	# our child: exits on SIGTERM
running "$M" && fail "hand-started weftd $M still runs"
DAEMON_PIDS=$(echo "$DAEMON_PIDS" | sed "s/\b$M\b//")
[ -z "$(channels)" ] || fail "channels at the end: $(channels)"

unload
echo "$T: ok"
exit 0
