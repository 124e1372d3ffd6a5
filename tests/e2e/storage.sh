#!/bin/bash
# Issue 6, storage pools and volumes through stratusd and the stratus CLI on
# real directories and qemu-img: the default pool of a first start, a dir
# pool defined/built/started/autostarted and surviving a daemon restart,
# every vol-* command, the test guest booting from a qcow2 clone whose
# backing file is the guest's bootable image (uploaded with vol-upload) as a
# <disk type='volume'>, a domain whose volume is missing refused naming pool
# and volume, undefine --remove-all-storage, and the course's export/import
# lab between two --root trees (dom-export / dom-import, and the same by
# hand with dumpxml + vol-download / vol-upload + define).
BIN=$1
SRC=$2
source "$(dirname "$0")/lib.sh"

GUEST_DIR=${STRATUS_GUEST_DIR:-/var/tmp/stratus-guest}
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 0; }
GUEST_DIR=$GUEST_DIR "$SRC/scripts/make-guest.sh" >/dev/null || fail "cannot build the test guest"
[ -s "$GUEST_DIR/boot.img" ] || fail "the test guest has no boot.img"

state() { st domstate "$1" 2>/dev/null | head -n1; }
serial() { cat "$E2E_TMP/$1.serial" 2>/dev/null || true; }
last_tick() { serial "$1" | sed -n 's/^tick \([0-9]*\) .*/\1/p' | tail -n1 | grep . || echo 0; }

# disk_guest NAME POOL VOLUME: a domain booting from the volume (no kernel=).
disk_guest() {
  cat > "$E2E_TMP/$1.xml" <<EOF
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>96</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='$2' volume='$3'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='usb' model='none'/>
    <serial type='file'><source path='$E2E_TMP/$1.serial'/><target port='0'/></serial>
    <console type='file'><source path='$E2E_TMP/$1.serial'/><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
  echo "$E2E_TMP/$1.xml"
}

start_daemon

# ---- the default pool of a first start ----
out=$(st pool-list --all --details) || fail "pool-list: $out"
grep -Eq '^ default +running +yes +yes' <<<"$out" || fail "no running, autostarted default pool: $out"
[ -d "$ROOT/var/lib/stratus/images" ] || fail "default pool directory missing"
st pool-dumpxml default | grep -q "<path>$ROOT/var/lib/stratus/images</path>" || fail "default pool target"
pass "first start: default dir pool at ROOT/var/lib/stratus/images, running, autostart"

# ---- a dir pool of our own ----
LAB=$E2E_TMP/lab
st pool-define-as lab dir --target "$LAB" >/dev/null || fail "pool-define-as"
[ "$(st pool-info lab | sed -n 's/^State: *//p')" = inactive ] || fail "lab not inactive"
st pool-build lab >/dev/null || fail "pool-build"
[ -d "$LAB" ] || fail "pool-build made no directory"
st pool-start lab >/dev/null && st pool-autostart lab >/dev/null || fail "pool-start/autostart"
st pool-info lab --bytes | grep -Eq '^Capacity: +[1-9][0-9]+$' || fail "pool-info numbers: $(st pool-info lab --bytes)"
st pool-list --json | grep -q '"name": *"lab"' || fail "pool-list --json"
pass "pool-define-as/build/start/autostart/info"

# ---- volumes ----
size=$(stat -c %s "$GUEST_DIR/boot.img")
st vol-create-as lab base.img "$size" --format raw >/dev/null || fail "vol-create-as raw"
st vol-upload base.img "$GUEST_DIR/boot.img" --pool lab || fail "vol-upload"
cmp "$GUEST_DIR/boot.img" "$LAB/base.img" || fail "uploaded bytes differ"
st vol-create-as lab vm1.qcow2 64M --format qcow2 --backing-vol base.img --backing-vol-format raw >/dev/null ||
  fail "vol-create-as qcow2 with backing"
st vol-dumpxml vm1.qcow2 --pool lab | grep -q "<path>$LAB/base.img</path>" || fail "no backingStore in vol-dumpxml"
qemu-img info "$LAB/vm1.qcow2" | grep -q "backing file: $LAB/base.img" || fail "qcow2 has no backing file"
[ "$(st vol-path vm1.qcow2 --pool lab)" = "$LAB/vm1.qcow2" ] || fail "vol-path"
[ "$(st vol-name "$LAB/vm1.qcow2")" = vm1.qcow2 ] || fail "vol-name"
[ "$(st vol-pool "$LAB/vm1.qcow2")" = lab ] || fail "vol-pool"
[ "$(st vol-key vm1.qcow2 --pool lab)" = "$LAB/vm1.qcow2" ] || fail "vol-key"
st vol-list lab --details | grep -Eq '^ vm1.qcow2 +.*file +64.00 MiB' || fail "vol-list --details: $(st vol-list lab --details)"
st vol-info vm1.qcow2 --pool lab --bytes | grep -Eq '^Capacity: +67108864 bytes$' || fail "vol-info: $(st vol-info vm1.qcow2 --pool lab --bytes)"
cat > "$E2E_TMP/scratch.xml" <<EOF
<volume><name>scratch.vdi</name><capacity unit='M'>8</capacity><target><format type='vdi'/></target></volume>
EOF
st vol-create lab "$E2E_TMP/scratch.xml" >/dev/null || fail "vol-create (XML)"
qemu-img info "$LAB/scratch.vdi" | grep -q 'file format: vdi' || fail "vol-create made no vdi"
pass "vol-create-as (raw, qcow2 with a backing volume), vol-create (vdi from XML), vol-upload, vol-info, vol-path/name/pool/key, vol-list"

# ---- the guest boots from the clone, as a volume disk ----
st define "$(disk_guest vm1 lab vm1.qcow2)" >/dev/null || fail "define vm1"
st start vm1 >/dev/null || fail "start vm1: $(st start vm1 2>&1)"
wait_for "serial vm1 | grep -q GUEST-READY" 120 || fail "vm1 did not boot from its volume: $(serial vm1 | tail -5)"
wait_for "[ \$(last_tick vm1) -ge 2 ]" 30 || fail "vm1 does not tick"
st dumpxml vm1 | grep -q "<source pool='lab' volume='vm1.qcow2'/>" || fail "live XML lost the volume source"
st domblklist vm1 | grep -Eq '^ vda +vm1.qcow2' || fail "domblklist: $(st domblklist vm1)"
# domblkinfo reads the volume's file (Physical: the qcow2 file's size, not
# the virtual one), also after a daemon restart re-resolved it.
physical() { st domblkinfo vm1 vda | sed -n 's/^Physical: *//p'; }
[ "$(physical)" = "$(stat -c %s "$LAB/vm1.qcow2")" ] || fail "domblkinfo Physical $(physical) is not the clone's size"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || fail "daemon exit with vm1 running"
start_daemon
[ "$(st domstate vm1)" = running ] || fail "vm1 not running after a daemon restart: $(st domstate vm1)"
[ "$(physical)" = "$(stat -c %s "$LAB/vm1.qcow2")" ] || fail "after a restart, domblkinfo Physical $(physical) is not the clone's size"
# The guest wrote to its clone, not to the base.
st destroy vm1 >/dev/null || fail "destroy vm1"
cmp "$GUEST_DIR/boot.img" "$LAB/base.img" || fail "the base volume changed under its clone"
pass "test guest booted from a qcow2 clone (backing: the raw boot image) given as <disk type='volume'>"

# ---- a missing volume is named ----
st define "$(disk_guest vm2 lab nosuch.qcow2)" >/dev/null || fail "define vm2"
if err=$(st start vm2 2>&1); then fail "vm2 started without its volume"; fi
grep -q "no storage vol with matching name 'nosuch.qcow2' in pool 'lab'" <<<"$err" || fail "missing volume error: $err"
st undefine vm2 >/dev/null
pass "start without the volume: $(tail -n1 <<<"$err" | cut -c1-120)"

# ---- copies, downloads, resize, wipe ----
st vol-clone vm1.qcow2 vm1-copy.qcow2 --pool lab >/dev/null || fail "vol-clone"
qemu-img check "$LAB/vm1-copy.qcow2" >/dev/null || fail "clone is not a clean qcow2"
st vol-dumpxml base.img --pool lab | sed 's/base.img/flat.raw/g' > "$E2E_TMP/flat.xml"
st vol-create-from lab "$E2E_TMP/flat.xml" base.img --inputpool lab >/dev/null || fail "vol-create-from"
cmp "$LAB/base.img" "$LAB/flat.raw" || fail "vol-create-from copy differs"
st vol-download vm1.qcow2 "$E2E_TMP/dl.qcow2" --pool lab --sparse || fail "vol-download"
cmp "$LAB/vm1.qcow2" "$E2E_TMP/dl.qcow2" || fail "downloaded bytes differ"
if err=$(st vol-resize flat.raw 1M --pool lab 2>&1); then fail "shrink without --shrink worked"; fi
grep -q "shrink" <<<"$err" || fail "shrink refusal: $err"
st vol-resize flat.raw 64M --pool lab >/dev/null || fail "vol-resize grow"
[ "$(stat -c %s "$LAB/flat.raw")" = $((64 << 20)) ] || fail "vol-resize did not grow the file"
st vol-resize flat.raw 40M --pool lab --shrink >/dev/null || fail "vol-resize --shrink"
st vol-wipe flat.raw --pool lab >/dev/null || fail "vol-wipe"
[ -z "$(tr -d '\0' < "$LAB/flat.raw" | head -c 1)" ] || fail "vol-wipe left data"
st vol-delete flat.raw --pool lab >/dev/null || fail "vol-delete"
[ ! -e "$LAB/flat.raw" ] || fail "vol-delete left the file"
pass "vol-clone, vol-create-from, vol-download, vol-resize (--shrink refused without the flag), vol-wipe, vol-delete"

# ---- pools survive a daemon restart ----
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || fail "daemon exit"
start_daemon
[ "$(st pool-info lab | sed -n 's/^State: *//p')" = running ] || fail "lab not running after a restart"
st vol-list lab | grep -q vm1-copy.qcow2 || fail "volumes not found again after a restart"
pass "daemon restart: pool still running, volumes found again"

# ---- the export/import lab between two --root trees ----
st dom-export vm1 "$E2E_TMP/export" >/dev/null || fail "dom-export: $(st dom-export vm1 "$E2E_TMP/export2" 2>&1)"
ROOT_A=$ROOT URI_A=$URI
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || fail "daemon A exit"
ROOT=$E2E_TMP/rootB
SOCK=$ROOT/run/stratus/stratusd.sock
URI="qemu+unix:///system?socket=$SOCK"
start_daemon
st dom-import "$E2E_TMP/export" --pool default >/dev/null || fail "dom-import: $(st dom-import "$E2E_TMP/export" 2>&1)"
st vol-list default | grep -q vm1 || fail "dom-import made no volume"
: > "$E2E_TMP/vm1.serial"  # B's guest writes the same log file: start it empty
st start vm1 >/dev/null || fail "imported vm1 does not start: $(st start vm1 2>&1)"
st dumpxml vm1 | grep -q "$ROOT/var/lib/stratus/images" || fail "imported disk not in B's default pool: $(st dumpxml vm1 | grep source)"
wait_for "serial vm1 | grep -q GUEST-READY" 120 || fail "imported vm1 did not boot"
st destroy vm1 >/dev/null
pass "dom-export on A, dom-import on B (another --root): the guest boots from B's volumes"

# ---- undefine --remove-all-storage ----
paths=$(st domblklist vm1 --details | awk '$3=="disk"{print $4}')
out=$(st undefine vm1 --remove-all-storage) || fail "undefine --remove-all-storage: $out"
grep -q "Volume 'vda'(" <<<"$out" || fail "no volume removed: $out"
for p in $paths; do [ ! -e "$p" ] || [ "${p#$ROOT}" = "$p" ] || fail "$p still there"; done
pass "undefine --remove-all-storage deleted the imported volumes"

kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || fail "daemon B exit"
DAEMON_PID=
echo "1 passed, 0 failed"
