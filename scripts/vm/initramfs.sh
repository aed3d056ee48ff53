#!/bin/bash
# Build the test VM's initramfs for one kernel: busybox, the virtio/9p modules
# (with their dependencies, in load order, from modules.dep) and scripts/vm/init.
#   scripts/vm/initramfs.sh KVER OUT.cpio.gz
set -euo pipefail
kver=$1 out=$2
top=$(cd "$(dirname "$0")/../.." && pwd)
mdir=/lib/modules/$kver
for tool in busybox cpio gzip xz; do
	command -v "$tool" >/dev/null || { echo "initramfs.sh: '$tool' not installed (run scripts/deps.sh)" >&2; exit 1; }
done
[ -e "$mdir/modules.dep" ] || { echo "initramfs.sh: no modules for $kver in $mdir" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,proc,sys,dev,modules,newroot}
cp "$(command -v busybox)" "$stage/bin/busybox"
cp "$top/scripts/vm/init" "$stage/init"

declare -A seen=()
order=()
path_of() {	# module name -> path relative to $mdir, or empty when built in
	awk -v m="$1" -F: '{ n=$1; sub(/.*\//, "", n); sub(/\.ko(\.xz|\.zst|\.gz)?$/, "", n); gsub(/-/, "_", n); if (n == m) { print $1; exit } }' "$mdir/modules.dep"
}
load() {
	local rel=$1 dep
	[ -n "${seen[$rel]:-}" ] && return
	seen[$rel]=1
	for dep in $(awk -v r="$rel" -F': *' '$1 == r { print $2 }' "$mdir/modules.dep"); do
		load "$dep"
	done
	order+=("$rel")
}
for m in virtio_pci 9pnet_virtio 9p; do
	rel=$(path_of "$m")
	if [ -z "$rel" ]; then
		grep -q "/$m.ko" "$mdir/modules.builtin" || { echo "initramfs.sh: module $m not found for $kver" >&2; exit 1; }
		continue
	fi
	load "$rel"
done
: >"$stage/modules.order"
for rel in "${order[@]}"; do
	base=$(basename "$rel")
	case "$base" in
	*.ko.xz) xz -dc "$mdir/$rel" >"$stage/modules/${base%.xz}"; base=${base%.xz} ;;
	*.ko.zst) zstd -qdc "$mdir/$rel" >"$stage/modules/${base%.zst}"; base=${base%.zst} ;;
	*.ko.gz) gzip -dc "$mdir/$rel" >"$stage/modules/${base%.gz}"; base=${base%.gz} ;;
	*) cp "$mdir/$rel" "$stage/modules/$base" ;;
	esac
	echo "$base" >>"$stage/modules.order"
done
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
