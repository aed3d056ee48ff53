#!/bin/bash
# The power-off test, driven from the host: a VM with weftd on 3 emulated
# NVMe drives (2 replicas) and its data directory on an ext4 on a 4th loses
# power (qemu SIGKILLed) a random 2-6 s into writers that fsync/fdatasync
# records and print each acknowledged one on the serial console.  The next
# boot, with the same drive images, recovers, must pass `weftd --check`, and
# must read back every record acknowledged before any cut, byte for byte;
# then its own writers lose power.  Rounds alternate Debian 6.1 and 6.12; a
# last boot checks the last cut and shuts down cleanly.
#   tests/host/power-off.sh [--rounds N] [--log-dir DIR] [--results FILE] [--keep]
# Prints one line per boot and ends with PASS|FAIL power-off (also appended
# to --results).  The drive images live in a temporary directory under
# build/vm/, removed on success unless --keep.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
rounds=10 logdir=$top/build/vm/power-off results="" keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) rounds=$2; shift 2 ;;
	--log-dir) logdir=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "usage: tests/host/power-off.sh [--rounds N] [--log-dir DIR] [--results FILE] [--keep]" >&2; exit 2 ;;
	esac
done
mkdir -p "$logdir" "$top/build/vm" || exit 1
state=$(mktemp -d "$top/build/vm/power-off-XXXXXX") || exit 1
: >"$state/acked.txt"
t_start=$SECONDS

verdict() {	# verdict PASS|FAIL MESSAGE
	echo "$1 power-off: $2"
	[ -n "$results" ] && echo "$1 host power-off" >>"$results"
	if [ "$1" = PASS ] && [ "$keep" = 0 ]; then rm -rf "$state"; else echo "drive images and acknowledgements kept in $state"; fi
	[ "$1" = PASS ]
	exit
}

for r in $(seq 1 $((rounds + 1))); do
	if [ $((r % 2)) = 1 ]; then k=6.1; else k=6.12; fi
	log=$logdir/boot-$r.log
	args=(--kernel "$k" --quiet --nvme 4 --nvme-size 2G --drives-dir "$state" --test-timeout 400
	      --log "$log" --env WEFT_PO_ROUND="$r" --env WEFT_PO_LAST="$rounds" --env WEFT_PO_STATE="$state")
	[ "$r" -le "$rounds" ] && args+=(--power-cut '^WEFT-POWER-WRITERS-RUNNING' --power-cut-delay 2-6)
	t0=$SECONDS
	out=$("$top/scripts/vm-run.sh" "${args[@]}" "$top/tests/host/power-off-guest.sh" 2>&1)
	rc=$?
	grep -h '^verified \|^LOST: \|^power-off: \|^weftd: \|^recovery' "$log" | sed "s/^/    boot $r: /"
	if [ "$rc" != 0 ]; then
		echo "$out" | sed "s/^/    /"
		grep -h -A3 'FAIL' "$log" | grep -v '^\[' | head -n 20 | sed 's/^/    /'
		verdict FAIL "boot $r ($k) failed; console in $log"
	fi
	if grep -q 'WEFT-WRITER-ERROR' "$log"; then
		grep 'WEFT-WRITER-ERROR' "$log" | head -n 5 | sed 's/^/    /'
		verdict FAIL "a writer got an error in round $r ($k); console in $log"
	fi
	if [ "$r" -le "$rounds" ]; then
		# only whole lines: the cut may stop the console mid-line
		n=$(sed -n "s/^WEFT-ACK \($r\) \([0-3]\) \([0-9]*\) end$/\1 \2 \3/p" "$log" | tee -a "$state/acked.txt" | wc -l)
		per=$(sed -n "s/^WEFT-ACK $r \([0-3]\) [0-9]* end$/\1/p" "$log" | sort | uniq -c | awk '{ printf "%s w%s", (NR > 1 ? "," : ""), $2 ":" $1 }')
		cut=$(echo "$out" | sed -n 's/^CUT .*(\(power cut .*\))$/\1/p')
		echo "boot $r ($k): $n records acknowledged ($per) before the $cut; $((SECONDS - t0)) s"
		[ "$n" -gt 0 ] || verdict FAIL "round $r ($k): no record was acknowledged before the cut"
	else
		echo "boot $r ($k): clean shutdown; $((SECONDS - t0)) s"
	fi
done
verdict PASS "$rounds power cuts (6.1 and 6.12 alternating), $(wc -l <"$state/acked.txt") acknowledged records all intact, weftd --check clean after each; $((SECONDS - t_start)) s"
