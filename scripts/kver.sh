#!/bin/sh
# Print the kernel release to build weft.ko for: the running kernel when its
# headers are installed, else the newest kernel with headers under /lib/modules.
set -eu
run=$(uname -r)
if [ -e "/lib/modules/$run/build/Makefile" ]; then
	echo "$run"
	exit 0
fi
best=""
for d in /lib/modules/*/build/Makefile; do
	[ -e "$d" ] || continue
	best=$(basename "$(dirname "$(dirname "$d")")")
done
if [ -z "$best" ]; then
	echo "kver.sh: no kernel headers installed (run scripts/deps.sh)" >&2
	exit 1
fi
printf '%s\n' "$(ls -d /lib/modules/*/build/Makefile | sed 's#/lib/modules/##; s#/build/Makefile##' | sort -V | tail -n1)"
