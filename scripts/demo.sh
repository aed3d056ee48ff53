#!/bin/bash
# `make demo`: boot a VM with Debian's 6.12 kernel and three emulated NVMe
# drives, and show Weft working end to end (scripts/vm/demo-guest.sh), live.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
kernel=${WEFT_DEMO_KERNEL:-6.12}
echo "weft demo: booting Debian $kernel in QEMU (TCG emulation: this takes a minute or two)"
# show the guest's own output as it comes; kernel lines stay in build/vm/KVER.log
scripts/vm-run.sh --kernel "$kernel" --nvme 3 --test-timeout 2400 scripts/vm/demo-guest.sh \
	2> >(awk '/^=== WEFT-TEST BEGIN/ { on = 1; next } /^=== WEFT-TEST END/ { on = 0 }
		  on && !/^\[ *[0-9]+\.[0-9]+\] / { print; fflush() }')
rc=$?
sleep 0.2
if [ "$rc" -eq 0 ]; then
	echo "weft demo: every step held"
else
	echo "weft demo: FAILED (full console log in build/vm/)"
fi
exit "$rc"
