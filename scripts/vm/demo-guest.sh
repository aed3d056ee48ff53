#!/bin/bash
# The demo, inside the VM: every step prints what it does and must hold, or
# the demo fails.  It grows with Weft: today the ring, the mount, and the
# management path; file data, drives and replication as they land.
set -u
step=0
total=8
say() { step=$((step + 1)); printf '[%d/%d] %s\n' "$step" "$total" "$*"; }
die() { printf '      FAILED: %s\n' "$*"; exit 1; }
ok() { printf '      ok%s\n' "${1:+: $1}"; }

say "load weft.ko ($(modinfo -F version "$WEFT_KO") for $(uname -r))"
insmod "$WEFT_KO" || die "insmod"
[ -c /dev/weft ] || die "/dev/weft missing"
ok "/dev/weft, file system type and netlink family registered"

say "put weftd's data directory on an emulated NVMe drive"
drives=$(ls /dev/nvme*n1 2>/dev/null | tr '\n' ' ')
[ -n "$drives" ] || die "no NVMe drives"
mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 /dev/nvme0n1 || die "mkfs"
mkdir -p /mnt/nvme0 && mount /dev/nvme0n1 /mnt/nvme0 || die "mount nvme0"
ok "drives: $drives(weft's own drive format comes with the storage engine)"

say "start weftd --name demo --data-dir /mnt/nvme0/weft"
weftd --name demo --data-dir /mnt/nvme0/weft >/tmp/weftd.log 2>&1 &
for _ in $(seq 100); do grep -q attached /tmp/weftd.log && break; sleep 0.1; done
grep -q attached /tmp/weftd.log || die "weftd did not attach: $(tail -n2 /tmp/weftd.log)"
ok "$(grep -m1 attached /tmp/weftd.log)"

say "mount -t weft demo/default /mnt/weft"
mkdir -p /mnt/weft
mount -t weft demo/default /mnt/weft || die "mount"
grep ' /mnt/weft ' /proc/mounts | sed 's/^/      /'

say "look at it through the ring: stat, ls, df"
stat -c '      %n: %F, mode %a, inode %i, links %h' /mnt/weft || die "stat"
ls -la /mnt/weft | sed 's/^/      /' || die "ls"
df -h /mnt/weft | sed 's/^/      /' || die "df"
[ -e /mnt/weft/no-such-file ] && die "lookup of a missing name succeeded"
ok "lookup of a missing name: ENOENT"

say "weft local status (kernel: channels, mounts, ring counters)"
weft local status || die "weft local status"

say "weft status (relayed by weft.ko to weftd)"
weft status || die "weft status"

say "umount, stop weftd, unload the module"
umount /mnt/weft || die "umount"
kill -TERM %1 && wait %1
rmmod weft || die "rmmod"
ok "clean"
