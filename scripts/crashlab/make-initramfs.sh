#!/usr/bin/env bash
# Makes the lab's initramfs: busybox-static (of the kernel's architecture: CRASHNAV_ARCH), every example
# .ko the lab built for its kernel (plus the kernel's own qemu_fw_cfg.ko, which fills the vmcoreinfo
# device for dump-guest-memory), and an /init
# that insmods the module named by `crashmod=NAME` on the kernel command line, waits a moment (a timer
# may fire), rmmods it, and reboots (with qemu's -no-reboot: exits). Prints the initramfs path.
#
#   scripts/crashlab/make-initramfs.sh [OUTPUT]     default: the kernel's lab directory/initrd.cpio.gz
set -euo pipefail
source "$(dirname "$0")/env.sh"

# The initramfs has no libc: it must be busybox-static's binary, not the dynamic busybox package's. The
# host's own busybox-static writes the cpio archive.
need gzip gzip xz xz-utils - busybox-static
out=$(realpath -m "${1:-$LAB/initrd.cpio.gz}")
image=$("$REPO/scripts/fetch-debian.sh" image) || exit $?
busybox=$(lab_busybox)

root=$(mktemp -d "${TMPDIR:-/tmp}/crashlab-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,modules}
cp "$busybox" "$root/bin/busybox"
for name in "${MODULES[@]}"; do
  ko=$KO_DIR/$name/$name.ko
  [ -f "$ko" ] || die "$ko is missing: run scripts/crashlab/build-modules.sh first"
  cp "$ko" "$root/modules/"
done
# 6.1 ships it as .ko, 6.12 as .ko.xz: busybox's insmod is given it uncompressed.
fw_cfg=$image/lib/modules/$ABI/kernel/drivers/firmware/qemu_fw_cfg.ko
if [ -f "$fw_cfg" ]; then cp "$fw_cfg" "$root/modules/"; else xz -dc "$fw_cfg.xz" > "$root/modules/qemu_fw_cfg.ko"; fi

cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
# The initramfs has no /dev/console node (making one needs root); take the console from devtmpfs.
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mod=
for arg in $(cat /proc/cmdline); do
  case $arg in crashmod=*) mod=${arg#crashmod=} ;; esac
done
echo "[crashlab] kernel $(uname -r), cmdline: $(cat /proc/cmdline)"
insmod /modules/qemu_fw_cfg.ko
if [ -n "$mod" ]; then
  echo "[crashlab] insmod /modules/$mod.ko"
  insmod "/modules/$mod.ko"; echo "[crashlab] insmod exit status $?"
  sleep 1
  echo "[crashlab] rmmod $mod"
  rmmod "$mod"; echo "[crashlab] rmmod exit status $?"
fi
echo "[crashlab] done"
reboot -f
INIT
chmod +x "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | sort | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -9n) > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
