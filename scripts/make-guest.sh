#!/bin/bash
# Stratus test guest: a Debian cloud kernel and a busybox initramfs, built from
# Debian packages that are already installed (linux-image-cloud-amd64,
# busybox-static, cpio, qemu-utils).
#
# Output, in ${GUEST_DIR:-/var/tmp/stratus-guest}:
#   vmlinuz      the newest /boot/vmlinuz-*-cloud-amd64 (or $KVER)
#   initrd.gz    busybox initramfs whose /init is described below
#   disk.qcow2   a small empty qcow2 disk ($DISK_SIZE, default 32M); never overwritten
#   boot.img     the same guest as a raw disk that boots by itself (a FAT file system
#                with syslinux in its boot sector, vmlinuz, initrd.gz and syslinux.cfg),
#                for guests and clouds that boot from a disk image instead of kernel=;
#                made with mtools, nothing is mounted (needs syslinux, mtools, dosfstools)
#   .stamp       digest of the inputs; when it matches, nothing is rebuilt
#
# The guest (/init), with kernel command line "console=ttyS0":
#   - mounts proc, sysfs, devtmpfs; loads the ACPI button, evdev, pvpanic (so a guest panic reaches QEMU) and virtio
#     (ring, pci, blk, net, balloon) modules with their dependencies;
#   - onlines hot-plugged CPUs (at boot and every second);
#   - runs udhcpc on eth0 whenever there is an eth0 (also one plugged later);
#   - prints "GUEST-READY" on ttyS0, then every second
#       tick N cpus=C mem_kib=M disks=vda,vdb ip=ADDR/PREFIX   (ip=none when none)
#   - on an ACPI power button press prints "GUEST-POWERDOWN" and runs
#     `poweroff -f`, so QEMU exits;
#   - when a CD-ROM labelled "cidata" (a cloud-init NoCloud seed) is present,
#     mounts it and prints its user-data between the lines
#     "GUEST-USERDATA-BEGIN" and "GUEST-USERDATA-END" (once per boot);
#   - reads commands from its console (tests drive the guest through
#     `stratus console`): a line "run ID COMMAND..." runs COMMAND with sh,
#     prints its output, then "CMD-END ID rc=N".
#
# Env: GUEST_DIR, KVER, DISK_SIZE, BUSYBOX (default: busybox on PATH), FORCE=1 (rebuild).
set -euo pipefail

GUEST_DIR=${GUEST_DIR:-/var/tmp/stratus-guest}
DISK_SIZE=${DISK_SIZE:-32M}
BUSYBOX=${BUSYBOX:-$(command -v busybox || true)}
# Modules the guest needs; dependencies are added (in load order) below.
# The IDE CD-ROM path (ata_piix, sr_mod, isofs) reads a cloud-init seed (label cidata).
WANTED_MODULES="button evdev virtio_ring virtio virtio_pci virtio_blk virtio_net virtio_balloon pvpanic pvpanic-mmio pvpanic-pci ata_piix sr_mod isofs"

die() { echo "make-guest: $*" >&2; exit 1; }

if [ -z "${KVER:-}" ]; then
    newest=$(find /boot -maxdepth 1 -name 'vmlinuz-*-cloud-amd64' -printf '%f\n' 2>/dev/null |
             sort -V | tail -n 1)
    [ -n "$newest" ] || die "no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)"
    KVER=${newest#vmlinuz-}
fi
KERNEL=/boot/vmlinuz-$KVER
[ -r "$KERNEL" ] || die "cannot read $KERNEL"
if [ -z "$BUSYBOX" ] || [ ! -x "$BUSYBOX" ]; then
    die "busybox not found (apt-get install busybox-static)"
fi
BUSYBOX=$(readlink -f "$BUSYBOX")
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked (apt-get install busybox-static)"
fi
for tool in cpio gzip modinfo qemu-img syslinux mcopy mkfs.vfat; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

# --- resolve modules: dependencies first, each once, built-ins skipped -------------
declare -A seen=()
order=()
resolve() {
    local m=$1 dep deps
    [ -n "${seen[$m]:-}" ] && return 0
    seen[$m]=1
    deps=$(modinfo -k "$KVER" -F depends "$m" 2>/dev/null || true)
    for dep in ${deps//,/ }; do resolve "$dep"; done
    order+=("$m")
}
for m in $WANTED_MODULES; do resolve "$m"; done

mod_names=()
mod_files=()
for m in "${order[@]}"; do
    f=$(modinfo -k "$KVER" -F filename "$m" 2>/dev/null || true)
    case "$f" in
        "") die "module $m not found for kernel $KVER" ;;
        "(builtin)") continue ;;
    esac
    mod_names+=("$m")
    mod_files+=("$f")
done

# --- up to date? -------------------------------------------------------------------
mkdir -p "$GUEST_DIR"
exec 9>"$GUEST_DIR/.lock"
flock 9   # concurrent callers (parallel tests) wait for one build

stamp=$( {
    sha256sum "$(readlink -f "$0")"
    echo "kver=$KVER disk=$DISK_SIZE"
    stat -L -c '%n %s %Y' "$KERNEL" "$BUSYBOX" "${mod_files[@]}"
} | sha256sum | cut -d' ' -f1)

if [ "${FORCE:-0}" != 1 ] && [ -s "$GUEST_DIR/vmlinuz" ] && [ -s "$GUEST_DIR/initrd.gz" ] &&
   [ -s "$GUEST_DIR/disk.qcow2" ] && [ -s "$GUEST_DIR/boot.img" ] &&
   [ "$(cat "$GUEST_DIR/.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "guest up to date in $GUEST_DIR ($KVER)"
    exit 0
fi

# --- stage the initramfs -------------------------------------------------------------
root=$(mktemp -d "${TMPDIR:-/tmp}/stratus-guest.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,lib/modules}
cp "$BUSYBOX" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
# cpio -H newc carries device nodes only when we may create them; devtmpfs covers the rest.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

for i in "${!mod_names[@]}"; do
    src=${mod_files[$i]}
    dst="$root/lib/modules/${mod_names[$i]}.ko"
    case "$src" in
        *.ko) cp "$src" "$dst" ;;
        *.ko.xz) xz -dc "$src" >"$dst" ;;
        *.ko.zst) zstd -qdc "$src" >"$dst" ;;
        *.ko.gz) gzip -dc "$src" >"$dst" ;;
        *) die "unknown module format: $src" ;;
    esac
done
echo "${mod_names[*]}" >"$root/etc/modules"

cat >"$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
for m in $(cat /etc/modules); do insmod /lib/modules/$m.ko 2>/dev/null; done
ip link set lo up 2>/dev/null

online_cpus() {
    for f in /sys/devices/system/cpu/cpu[0-9]*/online; do
        [ -e "$f" ] && [ "$(cat "$f")" = 0 ] && echo 1 >"$f" 2>/dev/null
    done
}

# The ACPI power button shows up as an input device named "Power Button";
# one event on its evdev node (the key press) powers the guest off.
power_button() {
    for dev in /sys/class/input/event*; do
        case "$(cat "$dev/device/name" 2>/dev/null)" in
            *"Power Button"*) echo "${dev##*/}"; return 0 ;;
        esac
    done
    return 1
}
tries=0
until ev=$(power_button); do
    tries=$((tries + 1))
    [ $tries -gt 50 ] && break
    sleep 0.1
done
if [ -n "$ev" ]; then
    [ -c "/dev/$ev" ] || mknod "/dev/$ev" c $(tr ':' ' ' <"/sys/class/input/$ev/dev")
    # The reader opens the device (so no key press can be missed) and says
    # so before GUEST-READY is printed: a power button pressed the moment the
    # guest reports ready must still power it off.
    ( exec 3<"/dev/$ev"; : >/run/power-armed; head -c 24 <&3 >/dev/null; echo "GUEST-POWERDOWN"; sync; poweroff -f ) &
    while [ ! -e /run/power-armed ]; do sleep 0.05; done
else
    echo "GUEST-NO-POWER-BUTTON"
fi

dhcp_started=
start_dhcp() {
    [ -z "$dhcp_started" ] && [ -e /sys/class/net/eth0 ] || return 0
    dhcp_started=1
    ip link set eth0 up
    # in the background, retrying for ever, so a missing DHCP server never delays boot
    udhcpc -f -i eth0 -s /bin/dhcp-event -t 3 -T 1 -A 2 -S >/dev/null 2>&1 &
}

# Commands typed on the console; other lines (echoes, noise) are ignored.
( while read -r verb id cmd; do
      [ "$verb" = run ] && [ -n "$id" ] || continue
      sh -c "$cmd" 2>&1
      echo "CMD-END $id rc=$?"
  done ) </dev/console &   # (a background list's stdin is /dev/null unless redirected)

# A cloud-init seed on a CD-ROM: its user-data on the console, between
# markers. In the background: the SCSI scan that finds sr0 is asynchronous,
# and a guest without a CD must not wait for it.
( for _ in $(seq 1 100); do
      for dev in /dev/sr0 /dev/sr1; do
          [ -b "$dev" ] || continue
          # the ISO 9660 volume id: 32 bytes at offset 40 of sector 16
          [ "$(dd if="$dev" bs=1 skip=32808 count=6 2>/dev/null)" = cidata ] || continue
          mkdir -p /run/seed
          mount -t iso9660 -o ro "$dev" /run/seed 2>/dev/null || continue
          if [ -e /run/seed/user-data ]; then
              { echo "GUEST-USERDATA-BEGIN"; cat /run/seed/user-data; echo; echo "GUEST-USERDATA-END"; } >/dev/console
              exit 0
          fi
          umount /run/seed
      done
      sleep 0.1
  done ) &

online_cpus
start_dhcp
echo "GUEST-READY"
n=0
while true; do
    sleep 1
    n=$((n + 1))
    online_cpus
    start_dhcp
    cpus=$(grep -c '^processor' /proc/cpuinfo)
    mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
    disks=
    for b in /sys/block/vd*; do [ -e "$b" ] && disks="$disks${disks:+,}${b##*/}"; done
    addr=$(ip -4 -o addr show dev eth0 2>/dev/null | sed -n 's/.* inet \([0-9./]*\) .*/\1/p' | head -n 1)
    echo "tick $n cpus=$cpus mem_kib=$mem disks=$disks ip=${addr:-none}"
done
INIT
chmod 755 "$root/init"

cat >"$root/bin/dhcp-event" <<'DHCP'
#!/bin/sh
# udhcpc hook: $1 is the event; $interface, $ip, $mask (prefix length), $router from udhcpc.
case "$1" in
    deconfig)
        ip -4 addr flush dev "$interface" ;;
    bound|renew)
        ip -4 addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" dev "$interface"
        [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
        echo "GUEST-DHCP $ip/${mask:-24}" >/dev/console ;;
esac
exit 0
DHCP
chmod 755 "$root/bin/dhcp-event"

# --- write the outputs (each atomically, so a concurrent boot never sees half a file) --
cp "$KERNEL" "$GUEST_DIR/.vmlinuz.tmp"
mv -f "$GUEST_DIR/.vmlinuz.tmp" "$GUEST_DIR/vmlinuz"
( cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0 ) |
    gzip -6 >"$GUEST_DIR/.initrd.gz.tmp"
mv -f "$GUEST_DIR/.initrd.gz.tmp" "$GUEST_DIR/initrd.gz"
# The bootable disk: syslinux loads the same kernel and initramfs from a FAT
# volume (32 MiB: room for both and for the guest to be copied around fast).
rm -f "$GUEST_DIR/.boot.img.tmp"
mkfs.vfat -n STRATUS -C "$GUEST_DIR/.boot.img.tmp" 32768 >/dev/null
syslinux --install "$GUEST_DIR/.boot.img.tmp"
printf 'DEFAULT stratus\nPROMPT 0\nTIMEOUT 0\nLABEL stratus\n  KERNEL vmlinuz\n  APPEND initrd=initrd.gz console=ttyS0\n' \
    >"$GUEST_DIR/.syslinux.cfg"
mcopy -i "$GUEST_DIR/.boot.img.tmp" "$GUEST_DIR/vmlinuz" "$GUEST_DIR/initrd.gz" ::
mcopy -i "$GUEST_DIR/.boot.img.tmp" "$GUEST_DIR/.syslinux.cfg" ::syslinux.cfg
rm -f "$GUEST_DIR/.syslinux.cfg"
mv -f "$GUEST_DIR/.boot.img.tmp" "$GUEST_DIR/boot.img"
if [ ! -s "$GUEST_DIR/disk.qcow2" ]; then
    qemu-img create -q -f qcow2 "$GUEST_DIR/.disk.qcow2.tmp" "$DISK_SIZE"
    mv -f "$GUEST_DIR/.disk.qcow2.tmp" "$GUEST_DIR/disk.qcow2"
fi
echo "$stamp" >"$GUEST_DIR/.stamp"

echo "guest built in $GUEST_DIR: kernel $KVER, initrd $(stat -c %s "$GUEST_DIR/initrd.gz") bytes," \
     "modules: ${mod_names[*]}"
