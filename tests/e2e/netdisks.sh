#!/bin/bash
# Network disks end to end on a real QEMU guest (TCG), inside a network
# namespace this test creates: an NBD export (qemu-nbd) and an iSCSI LUN
# (tgtd, its own control port) served on the namespace's address, each a
# second disk of the test guest (<disk type='network'> protocol nbd / iscsi)
# that the guest sees as /sys/block/vdb with the image's size and whose
# marker, written at a known offset on the host, the guest reads back; and
# an NBD disk hot-plugged with attach-device that appears in /sys/block.
# Parts this machine cannot do (no tgtd, QEMU without its iscsi driver) are
# skipped, saying why.
BIN=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/guest_lib.sh"
set +o pipefail  # `st ... | grep -q`: grep's verdict is the check

GUEST_DIR=${STRATUS_GUEST_DIR:-/var/tmp/stratus-guest}
guest_test_prereqs "network namespace, NBD and iSCSI servers"
for tool in ip qemu-img qemu-nbd; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/install-deps.sh installs it)"
done

ADDR=10.232.7.1        # the namespace's own address (on its loopback)
NBD_PORT=10811
NBD_HP_PORT=10812
TGT_CONTROL_PORT=7311  # tgtd's management socket: its own, so nothing collides
IQN=iqn.2026-11.org.stratus:netdisks
NBD_PIDS=()
TGTD_PID=

cleanup() {
  set +e
  for p in "${NBD_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  # tgtd ignores SIGTERM while it has targets; it keeps no state to save.
  if [ -n "$TGTD_PID" ]; then kill -KILL "$TGTD_PID" 2>/dev/null; wait "$TGTD_PID" 2>/dev/null; fi
  netns_teardown
  e2e_cleanup
}
trap cleanup EXIT
netns_create "stratus-nd-$$"
ns ip addr add "$ADDR/32" dev lo || fail "cannot give the namespace its address"
DAEMON_PREFIX=(ip netns exec "$NS")
start_daemon

# image FILE SIZE MARKER OFFSET: a raw image of SIZE with MARKER at OFFSET.
image() {
  truncate -s "$2" "$1"
  printf '%s' "$3" | dd of="$1" bs=1 seek="$4" conv=notrunc status=none
}

# serve_nbd IMAGE FORMAT EXPORT PORT: qemu-nbd on the namespace's address,
# our own child (so it is reaped). Its pid file appears only once it
# listens: that is the readiness signal.
serve_nbd() {
  local pidfile=$E2E_TMP/nbd-$4.pid
  ip netns exec "$NS" qemu-nbd --persistent --pid-file "$pidfile" -f "$2" -x "$3" -b "$ADDR" -p "$4" "$1" \
    >>"$E2E_TMP/qemu-nbd.log" 2>&1 &
  NBD_PIDS+=($!)  # ip netns exec execs qemu-nbd: this is its PID
  wait_for "[ -s '$pidfile' ]" 20 || fail "qemu-nbd did not start on $ADDR:$4: $(cat "$E2E_TMP/qemu-nbd.log")"
}

# check_disk GUEST DEV SECTORS MARKER OFFSET: the guest sees DEV with that
# size and reads MARKER at OFFSET.
check_disk() {
  local g=$1 dev=$2 sectors=$3 marker=$4 offset=$5
  wait_for "grep -q '^tick .*disks=[a-z,]*$dev' '$E2E_TMP/$g.out'" 60 ||
    fail "$g has no /sys/block/$dev: $(tail -n 2 "$E2E_TMP/$g.out")"
  run_in "$g" "test \$(cat /sys/block/$dev/size) = $sectors" ||
    fail "/sys/block/$dev/size in $g is not $sectors: $(tail -n 3 "$E2E_TMP/$g.out")"
  run_in "$g" "dd if=/dev/$dev bs=1 skip=$offset count=${#marker} 2>/dev/null | grep -q '^$marker\$'" ||
    fail "$g does not read '$marker' at offset $offset of /dev/$dev: $(tail -n 3 "$E2E_TMP/$g.out")"
}

netdisk() {  # netdisk PROTOCOL NAME PORT DEV [FORMAT]: a <disk type='network'>
  echo "<disk type='network' device='disk'><driver name='qemu' type='${5:-raw}'/><source protocol='$1' name='$2'><host name='$ADDR' port='$3'/></source><target dev='$4' bus='virtio'/></disk>"
}

# --- NBD: a 32 MiB qcow2 with a marker at 2 MiB ----------------------------
image "$E2E_TMP/nbd.raw" 32M STRATUS-NBD-MARK 2097152
qemu-img convert -f raw -O qcow2 "$E2E_TMP/nbd.raw" "$E2E_TMP/nbd.qcow2" || fail "qemu-img convert"
serve_nbd "$E2E_TMP/nbd.qcow2" qcow2 disk1 $NBD_PORT
guest gnbd "$(netdisk nbd disk1 $NBD_PORT vdb)"
wait_ticking gnbd
check_disk gnbd vdb 65536 STRATUS-NBD-MARK 2097152
pass "an NBD export (qemu-nbd in the namespace) is the guest's vdb: size and marker read back"
st dumpxml gnbd | grep -q "<source protocol='nbd' name='disk1'>" || fail "dumpxml lost the nbd source"
grep -q '"driver":"nbd","export":"disk1"' "$ROOT/run/stratus/log/qemu/gnbd.log" ||
  fail "no nbd -blockdev for disk1 in gnbd's log"

# --- hot-plug: a second export attached live -------------------------------
image "$E2E_TMP/hp.raw" 16M STRATUS-HOTPLUG 4096
serve_nbd "$E2E_TMP/hp.raw" raw hp $NBD_HP_PORT
netdisk nbd hp $NBD_HP_PORT vdc > "$E2E_TMP/hp.xml"
out=$(st attach-device gnbd "$E2E_TMP/hp.xml" --live 2>&1) || fail "attach-device of an nbd disk: $out"
check_disk gnbd vdc 32768 STRATUS-HOTPLUG 4096
st domblklist gnbd | grep -q "vdc" || fail "domblklist does not list the hot-plugged vdc"
pass "attach-device of an nbd disk: /sys/block/vdc appears in the running guest, marker read back"
st destroy gnbd >/dev/null || fail "destroy gnbd"

# --- a network disk the server does not answer: start fails, naming it -----
netdisk nbd nothere 10899 vdd > "$E2E_TMP/dead.xml"
st attach-device gnbd "$E2E_TMP/dead.xml" --config >/dev/null || fail "attach-device --config of an nbd disk"
out=$(st start gnbd 2>&1) && fail "gnbd started with an nbd disk nobody serves"
echo "$out" | grep -q "$ADDR:10899" || fail "the failed start does not name the nbd server: $out"
st detach-device gnbd "$E2E_TMP/dead.xml" --config >/dev/null || fail "detach-device --config of the dead nbd disk"
pass "a guest whose nbd server does not answer does not start, and the error names the server"

# --- a disk needing a secret is refused before QEMU runs ---------------------
echo "<disk type='network' device='disk'><source protocol='iscsi' name='$IQN/1'><host name='$ADDR'/><auth username='u'><secret type='iscsi' usage='s'/></auth></source><target dev='vde' bus='virtio'/></disk>" > "$E2E_TMP/secret.xml"
st attach-device gnbd "$E2E_TMP/secret.xml" --config >/dev/null || fail "attach-device --config of an iscsi disk with <auth>"
out=$(st start gnbd 2>&1) && fail "a disk needing an iSCSI secret started"
echo "$out" | grep -q "secret driver" || fail "no clear refusal of the iSCSI secret: $out"
pass "an iSCSI disk with <auth> is refused until a secret driver exists"

# --- iSCSI: tgtd with one target, LUN 1 backed by a file -------------------
if ! command -v tgtd >/dev/null; then
  echo "SKIP (iscsi part): tgtd is not installed (apt-get install tgt)"
elif ! qemu-img --help | grep -i "supported formats" | tr ' ' '\n' | grep -qx iscsi; then
  echo "SKIP (iscsi part): QEMU has no iscsi block driver here (apt-get install qemu-block-extra)"
else
  image "$E2E_TMP/lun1.img" 24M STRATUS-ISCSI-MARK 1048576
  ip netns exec "$NS" tgtd -f -C $TGT_CONTROL_PORT --iscsi portal=$ADDR:3260 >"$E2E_TMP/tgtd.log" 2>&1 &
  TGTD_PID=$!  # ip netns exec execs tgtd: this is its PID
  tgtadm_() { ns tgtadm -C $TGT_CONTROL_PORT --lld iscsi "$@"; }
  wait_for "tgtadm_ --mode target --op show >/dev/null 2>&1" 20 || fail "tgtd did not come up: $(cat "$E2E_TMP/tgtd.log")"
  tgtadm_ --op new --mode target --tid 1 -T $IQN || fail "tgtadm new target"
  tgtadm_ --op new --mode logicalunit --tid 1 --lun 1 -b "$E2E_TMP/lun1.img" || fail "tgtadm new lun"
  tgtadm_ --op bind --mode target --tid 1 -I ALL || fail "tgtadm bind"
  guest giscsi "<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='iscsi' name='$IQN/1'><host name='$ADDR' port='3260'/></source><target dev='vdb' bus='virtio'/></disk>"
  wait_ticking giscsi
  check_disk giscsi vdb 49152 STRATUS-ISCSI-MARK 1048576
  pass "an iSCSI LUN (tgtd in the namespace) is the guest's vdb: size and marker read back"
  st destroy giscsi >/dev/null || fail "destroy giscsi"
fi

echo "all netdisks checks passed"
