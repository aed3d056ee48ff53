#!/bin/bash
# `make check`: native tests (ctest + GoogleTest), then every VM test on each
# Debian kernel (one boot per kernel), the power-off test (tests/host/), then
# one line: "N passed, M failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
results=$(mktemp)
trap 'rm -f "$results"' EXIT

echo "== native tests (ctest)"
if [ -d build/cmake ]; then
	(cd build/cmake && ctest --output-on-failure -j"$(nproc)" 2>&1) | tee build/ctest.log |
		grep -E '^ *[0-9]+/[0-9]+ Test|tests passed|Failed|Error' || true
	grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ' build/ctest.log | while read -r line; do
		name=$(echo "$line" | sed -E 's/^ *[0-9]+\/[0-9]+ Test +#[0-9]+: ([^ ]+) .*/\1/')
		if echo "$line" | grep -q ' Passed '; then echo "PASS native $name"; else echo "FAIL native $name"; fi
	done >>"$results"
	if ! grep -q '^PASS native\|^FAIL native' "$results"; then
		echo "FAIL native ctest-ran-nothing" >>"$results"
	fi
else
	echo "FAIL native build-missing" >>"$results"
fi

echo "== kernel module: W=1 and sparse on each kernel"
for k in $(scripts/kvers.sh); do
	log=build/kmod/$k/warnings.log
	rm -f build/kmod/"$k"/src/*.o
	if WEFT_KBUILD_FLAGS="C=2 W=1" scripts/build-kmod.sh "$k" >"$log" 2>&1 &&
	   ! grep -E 'warning:|error:' "$log"; then
		echo "PASS $k kbuild-W1-sparse-clean"
		echo "PASS $k kbuild-W1-sparse-clean" >>"$results"
	else
		echo "FAIL $k kbuild-W1-sparse-clean (see $log)"
		echo "FAIL $k kbuild-W1-sparse-clean" >>"$results"
	fi
	scripts/build-kmod.sh "$k" >/dev/null 2>&1
done

echo "== VM tests"
mapfile -t vmtests < <(ls tests/vm/*.sh)
for series in 6.1 6.12; do
	scripts/vm-run.sh --quiet --kernel "$series" --results "$results" "${vmtests[@]}"
done

# power cuts need the drives to outlive a boot: its own VM runs, alternating
# kernels, one result line
echo "== power-off (10 power cuts, 6.1 and 6.12)"
if ! tests/host/power-off.sh --results "$results" && ! grep -q ' host power-off$' "$results"; then
	echo "FAIL host power-off" >>"$results"
fi

pass=$(grep -c '^PASS' "$results")
fail=$(grep -c '^FAIL' "$results")
if [ "$fail" -gt 0 ]; then
	echo "== failed:"
	grep '^FAIL' "$results" | sed 's/^/   /'
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
