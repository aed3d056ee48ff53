#!/bin/sh
# Print the Debian kernels the VM tests run on: one 6.1 and one 6.12 release,
# each with both an image in /boot and headers in /lib/modules.
set -eu
for series in 6.1 6.12; do
	rel=$(ls /boot/vmlinuz-"$series".* 2>/dev/null | sed 's#/boot/vmlinuz-##' | sort -V | tail -n1)
	if [ -z "$rel" ] || [ ! -e "/lib/modules/$rel/build/Makefile" ]; then
		echo "kvers.sh: no Debian $series kernel with headers installed (run scripts/deps.sh)" >&2
		exit 1
	fi
	echo "$rel"
done
