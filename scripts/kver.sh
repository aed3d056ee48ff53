#!/bin/sh
# Print the kernel release to build weft.ko for: the running kernel when its
# headers are installed, else the newest kernel with headers under /lib/modules.
set -eu
run=$(uname -r)
if [ -e "/lib/modules/$run/build/Makefile" ]; then
	echo "$run"
	exit 0
fi
best=$(ls -d /lib/modules/*/build/Makefile 2>/dev/null | sed 's#/lib/modules/##; s#/build/Makefile##' | sort -V | tail -n1)
if [ -z "$best" ]; then
	echo "kver.sh: no kernel headers installed (run scripts/deps.sh)" >&2
	exit 1
fi
echo "kver.sh: no headers for the running kernel $run; building weft.ko for $best (set KVER= to choose)" >&2
echo "$best"
