#!/bin/bash
# Boot a Debian kernel in QEMU (TCG) with weft.ko built for it, run test
# scripts inside, and judge the run: each test's exit status, and the kernel
# log (BUG, WARNING, Oops, general protection, soft lockup, hung task fail it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

usage() {
	cat <<USAGE
usage: scripts/vm-run.sh --kernel 6.1|6.12|RELEASE [options] TEST.sh...
  --nvme N          emulated NVMe drives (default 3; /dev/nvme0n1...)
  --nvme-size SIZE  size of each drive (default 4G, sparse)
  --mem MB          guest memory (default 2048)
  --cpus N          guest CPUs (default 2)
  --test-timeout S  per-test limit in seconds (default 600)
  --results FILE    append "PASS|FAIL <kernel> <test>" lines here
  --quiet           print only the verdicts, not the guest console
  --log FILE        keep the console log here (default build/vm/KVER.log)
  --drives-dir DIR  keep the drive images in DIR (nvme0.img ...): created if
                    missing, used as they are if present, never deleted, so a
                    later run boots with the same drives
  --env NAME=VALUE  export NAME=VALUE to the tests (repeatable)
  --power-cut REGEX once a console line matches REGEX, wait a random time
                    within --power-cut-delay and SIGKILL qemu: the guest loses
                    power with no shutdown; tests cut short are not failures
                    (those that ended before the cut are judged), the kernel
                    log still is, and no cut at all is a failure
  --power-cut-delay MIN-MAX  seconds (default 2-8)
Runs every TEST.sh in one boot, as root, in a chroot of this machine's root
(read-only, with tmpfs on /tmp /run /mnt /root /var/tmp).  Tests see
WEFT_TOP, WEFT_BUILD, WEFT_KVER and WEFT_KO (weft.ko for the booted kernel),
with build/ on PATH.  The console log is kept in build/vm/KVER.log.
USAGE
}

log="" kernel="" nvme=3 nvme_size=4G mem=2048 cpus=2 test_timeout=600 results="" quiet=0
drives_dir="" power_cut="" cut_delay=2-8
tests=() envs=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift 2 ;;
	--nvme) nvme=$2; shift 2 ;;
	--nvme-size) nvme_size=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	--test-timeout) test_timeout=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--log) log=$2; shift 2 ;;
	--drives-dir) drives_dir=$2; shift 2 ;;
	--env) envs+=("$2"); shift 2 ;;
	--power-cut) power_cut=$2; shift 2 ;;
	--power-cut-delay) cut_delay=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	-*) echo "vm-run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*) tests+=("$(realpath "$1")"); shift ;;
	esac
done
[ -n "$kernel" ] || { echo "vm-run.sh: --kernel is required" >&2; exit 2; }
[ ${#tests[@]} -gt 0 ] || { echo "vm-run.sh: no test scripts given" >&2; exit 2; }
for t in "${tests[@]}"; do
	[ -f "$t" ] || { echo "vm-run.sh: no such test '$t'" >&2; exit 2; }
done
for e in "${envs[@]}"; do
	[[ "$e" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "vm-run.sh: --env wants NAME=VALUE, not '$e'" >&2; exit 2; }
done
[[ "$cut_delay" =~ ^[0-9]+-[0-9]+$ ]] && [ "${cut_delay%-*}" -le "${cut_delay#*-}" ] ||
	{ echo "vm-run.sh: --power-cut-delay wants MIN-MAX seconds, not '$cut_delay'" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "vm-run.sh: qemu-system-x86_64 not installed (run scripts/deps.sh)" >&2; exit 1; }

# 6.1 / 6.12 -> the installed Debian release of that series
kver=""
for k in $(ls /boot | sed -n 's/^vmlinuz-//p' | sort -V); do
	case "$k" in "$kernel"|"$kernel".*) kver=$k ;; esac
done
[ -n "$kver" ] || { echo "vm-run.sh: no installed kernel matches '$kernel' (run scripts/deps.sh)" >&2; exit 1; }
ko=$top/build/kmod/$kver/weft.ko
[ -e "$ko" ] || { echo "vm-run.sh: $ko missing (run: scripts/build-kmod.sh $kver)" >&2; exit 1; }

vmdir=$top/build/vm
mkdir -p "$vmdir"
initrd=$vmdir/initramfs-$kver.cpio.gz
if [ ! -e "$initrd" ] || [ "$top/scripts/vm/init" -nt "$initrd" ] || [ "$top/scripts/vm/initramfs.sh" -nt "$initrd" ]; then
	"$top/scripts/vm/initramfs.sh" "$kver" "$initrd"
fi

run=$(mktemp -d "$vmdir/run-$kver-XXXXXX")
trap 'rm -rf "$run"' EXIT
{
	printf 'WEFT_TOP=%q\nWEFT_KVER=%q\nWEFT_KO=%q\nWEFT_TEST_TIMEOUT=%q\n' "$top" "$kver" "$ko" "$test_timeout"
	printf 'WEFT_TESTS=%q\n' "${tests[*]}"
	for e in "${envs[@]}"; do printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"; done
} >"$run/plan"

# cache=unsafe: the guest's flushes are not passed on to the host.  Whatever
# qemu has written is in the host's page cache, which outlives qemu (also a
# SIGKILLed one), so only a crash of this host could lose it.
ddir=$run
if [ -n "$drives_dir" ]; then
	mkdir -p "$drives_dir"
	ddir=$(cd "$drives_dir" && pwd)
fi
drives=()
for i in $(seq 0 $((nvme - 1))); do
	[ -e "$ddir/nvme$i.img" ] || truncate -s "$nvme_size" "$ddir/nvme$i.img"
	drives+=(-drive "file=$ddir/nvme$i.img,if=none,id=nvme$i,format=raw,cache=unsafe"
		 -device "nvme,serial=weft$i,drive=nvme$i")
done

# the console goes to a file of this run; it is moved to the kept log at the
# end, so concurrent runs never read each other's consoles
final_log=${log:-$vmdir/$kver.log}
log=$run/console.log
# overall limit: every test at its limit, plus boot and shutdown
limit=$(( ${#tests[@]} * (test_timeout + 30) + 180 ))
set +e
if [ "$quiet" = 1 ]; then out=/dev/null; else out=/dev/stderr; fi
: >"$log"
if [ -n "$power_cut" ]; then
	# the power cut: SIGKILL, so qemu stops dead, as the machine would
	(
		while ! grep -qE -- "$power_cut" "$log"; do
			[ -e "$run/qemu-exited" ] && exit 0
			sleep 0.2
		done
		lo=${cut_delay%-*} hi=${cut_delay#*-}
		ms=$(( lo * 1000 + (RANDOM * 32768 + RANDOM) % ((hi - lo) * 1000 + 1) ))
		sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
		if [ -e "$run/qemu-exited" ]; then exit 0; fi
		kill -KILL "$(cat "$run/qemu.pid")" &&
			echo "power cut $((ms / 1000)).$(printf %03d $((ms % 1000))) s after /$power_cut/" >"$run/cut"
	) &
	cutter=$!
fi
timeout -k 10 "$limit" qemu-system-x86_64 -accel tcg -cpu max -smp "$cpus" -m "$mem" \
	-nographic -no-reboot -nic none -monitor none -serial stdio -pidfile "$run/qemu.pid" \
	-kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=5 panic=-1 weft.top=$top weft.plan=$run/plan" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	"${drives[@]}" </dev/null 2>&1 | stdbuf -oL tr -d '\r' | tee "$log" >"$out"
qrc=${PIPESTATUS[0]}
touch "$run/qemu-exited"
cut=""
if [ -n "$power_cut" ]; then
	wait "$cutter"
	[ -e "$run/cut" ] && cut=$(cat "$run/cut")
fi
set -e

# verdicts
failed=0
declare -A seen=()
while read -r _ _ _ name rcf _; do
	rc=${rcf#rc=}
	seen[$name]=1
	if [ "$rc" = 0 ]; then v=PASS; else v=FAIL; failed=$((failed + 1)); fi
	echo "$v $kver $name${rc:+ (exit $rc)}" | sed 's/ (exit 0)//'
	[ -n "$results" ] && echo "$v $kver $name" >>"$results"
done < <(grep '^=== WEFT-TEST END ' "$log")
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	if [ -z "${seen[$name]:-}" ] && [ -z "$cut" ]; then
		echo "FAIL $kver $name (did not finish: VM died or hung)"
		[ -n "$results" ] && echo "FAIL $kver $name" >>"$results"
		failed=$((failed + 1))
	elif [ -z "${seen[$name]:-}" ]; then
		echo "CUT $kver $name ($cut)"
	fi
done
if [ -n "$power_cut" ] && [ -z "$cut" ]; then
	echo "FAIL $kver power-cut: no console line matched /$power_cut/ before the VM stopped"
	[ -n "$results" ] && echo "FAIL $kver power-cut" >>"$results"
	failed=$((failed + 1))
fi

bad='BUG:|WARNING:|Oops|general protection|soft lockup|hung_task|blocked for more than|Kernel panic|Call Trace:'
if grep -qE "$bad" "$log"; then
	echo "FAIL $kver kernel-log: the kernel logged:"
	grep -E "$bad" "$log" | sort -u | head -n 20 | sed 's/^/    /'
	[ -n "$results" ] && echo "FAIL $kver kernel-log" >>"$results"
	failed=$((failed + 1))
elif [ -z "$cut" ] && ! grep -q '^=== WEFT-DMESG END' "$log"; then
	echo "FAIL $kver kernel-log: the VM did not finish (qemu exit $qrc); see $final_log"
	[ -n "$results" ] && echo "FAIL $kver kernel-log" >>"$results"
	failed=$((failed + 1))
else
	echo "PASS $kver kernel-log"
	[ -n "$results" ] && echo "PASS $kver kernel-log" >>"$results"
fi
mv "$log" "$final_log"
[ "$failed" -eq 0 ]
