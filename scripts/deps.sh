#!/bin/sh
# Install everything Weft needs to build, test, demo and benchmark, from Debian's archive.
# Idempotent and quiet: one `apt-get update`, and only when something is missing.
set -eu

PKGS="
build-essential make cmake pkg-config git
linux-image-amd64 linux-headers-amd64
linux-image-6.12-amd64 linux-headers-6.12-amd64
qemu-system-x86 qemu-utils busybox-static kmod cpio
sparse
libnl-3-dev libnl-genl-3-dev nlohmann-json3-dev libcli11-dev
libgtest-dev libgmock-dev googletest
liburing-dev librocksdb-dev libisal-dev
fio stress-ng bindfs fuse3 python3 util-linux e2fsprogs gnuplot-nox attr acl
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi

echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
