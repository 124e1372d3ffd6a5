#!/bin/bash
# The test guest and a cloud-init NoCloud seed (what an EC2 instance gets
# for its UserData, issue 10): booted with an ISO labelled cidata on an IDE
# CD-ROM (as the instance's domain attaches it), it prints the seed's
# user-data between GUEST-USERDATA-BEGIN and GUEST-USERDATA-END; with a CD
# of another label it prints nothing of the kind and still boots.
BIN=$1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$(dirname "$0")/lib.sh"
GUEST_DIR=${GUEST_DIR:-/var/tmp/stratus-guest}
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 0; }
command -v genisoimage >/dev/null || { echo "SKIP: genisoimage not installed (scripts/install-deps.sh)"; exit 0; }
GUEST_DIR=$GUEST_DIR "$SRC/scripts/make-guest.sh" >/dev/null || fail "cannot build the test guest"
QEMU_PID=
trap '[ -n "$QEMU_PID" ] && { kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; }; e2e_cleanup' EXIT
accel=tcg  # as the other guest tests: KVM here is nested and unreliable

boot() {  # boot ISO CONSOLE_LOG: the guest with ISO as its CD-ROM, in the background
  qemu-system-x86_64 -machine pc,accel=$accel -m 256 -nographic -no-reboot -monitor none -display none \
    -kernel "$GUEST_DIR/vmlinuz" -initrd "$GUEST_DIR/initrd.gz" -append console=ttyS0 \
    -drive "file=$1,media=cdrom,if=ide,index=2,readonly=on" -serial "file:$2" >/dev/null 2>&1 &
  QEMU_PID=$!
}
stop() { kill "$QEMU_PID" 2>/dev/null; wait "$QEMU_PID" 2>/dev/null; QEMU_PID=; }

mkdir -p "$E2E_TMP/seed" "$E2E_TMP/other"
printf '#cloud-config\nmarker: seed-%s\n' "$$" >"$E2E_TMP/seed/user-data"
printf 'instance-id: i-test\n' >"$E2E_TMP/seed/meta-data"
genisoimage -quiet -output "$E2E_TMP/seed.iso" -volid cidata -joliet -rock "$E2E_TMP/seed/user-data" "$E2E_TMP/seed/meta-data" ||
  fail "genisoimage"
boot "$E2E_TMP/seed.iso" "$E2E_TMP/seed.log"
wait_for "grep -qs GUEST-USERDATA-END '$E2E_TMP/seed.log'" 90 || { cat "$E2E_TMP/seed.log" >&2; fail "no user-data on the console"; }
sed -n '/GUEST-USERDATA-BEGIN/,/GUEST-USERDATA-END/p' "$E2E_TMP/seed.log" | grep -q "^marker: seed-$$" ||
  fail "the user-data between the markers is not the seed's: $(cat "$E2E_TMP/seed.log")"
grep -q GUEST-READY "$E2E_TMP/seed.log" || fail "no GUEST-READY"
stop
pass "a CD labelled cidata: its user-data printed between GUEST-USERDATA-BEGIN/END"

cp "$E2E_TMP/seed/user-data" "$E2E_TMP/other/user-data"
genisoimage -quiet -output "$E2E_TMP/other.iso" -volid notaseed -joliet -rock "$E2E_TMP/other/user-data" || fail "genisoimage"
boot "$E2E_TMP/other.iso" "$E2E_TMP/other.log"
# The seed reader gives up 10 s after boot; tick 12 is after that.
wait_for "grep -qs '^tick 12 ' '$E2E_TMP/other.log'" 120 || { cat "$E2E_TMP/other.log" >&2; fail "the guest did not keep ticking"; }
grep -q GUEST-USERDATA "$E2E_TMP/other.log" && fail "user-data printed from a CD not labelled cidata"
stop
pass "a CD of another label: no user-data, the guest boots and ticks"
