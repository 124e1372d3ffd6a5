#!/bin/bash
# The README's first command: install every dependency, build, and run the
# main job — stratusd with a demo guest managed through the stratus CLI.
#
#   STRATUS_DEMO_ROOT   where the demo daemon keeps its state (default /var/tmp/stratus-demo)
#   BUILD_DIR           build directory (default build/)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${STRATUS_DEMO_ROOT:-/var/tmp/stratus-demo}
BUILD_DIR=${BUILD_DIR:-build}

./scripts/install-deps.sh
./scripts/build.sh
BIN=$PWD/$BUILD_DIR/bin

# A daemon left over from an earlier run of this script: stop it by its pid file.
PIDFILE=$ROOT/run/stratus/stratusd.pid
if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  kill "$(cat "$PIDFILE")"
  for _ in $(seq 100); do kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break; sleep 0.05; done
fi
mkdir -p "$ROOT"
"$BIN/stratusd" --root "$ROOT" --daemon
SOCK=$ROOT/run/stratus/stratusd.sock
URI="qemu+unix:///system?socket=$SOCK"
for _ in $(seq 200); do [ -S "$SOCK" ] && break; sleep 0.05; done

v() { echo "\$ stratus $*"; "$BIN/stratus" -c "$URI" "$@"; }

# The demo guest: the project's tiny test guest (kernel + busybox initramfs,
# built from Debian packages), run by QEMU under TCG, serial console to a file.
GUEST_DIR=${GUEST_DIR:-/var/tmp/stratus-guest}
GUEST_DIR=$GUEST_DIR ./scripts/make-guest.sh
SERIAL=$ROOT/demo.serial.log
DISK=$ROOT/demo.qcow2
"$BIN/stratus" -c "$URI" -q destroy demo >/dev/null 2>&1 || true
"$BIN/stratus" -c "$URI" -q undefine demo >/dev/null 2>&1 || true
rm -f "$SERIAL"
DEMO_XML=$ROOT/demo.xml
GUEST_DIR=$GUEST_DIR ./scripts/guest-xml.sh demo 256 "$DISK" "$SERIAL" > "$DEMO_XML"
v define "$DEMO_XML"
v start demo
v list --all
# Wait (bounded) for the guest to report itself ready on its serial console.
for _ in $(seq 600); do grep -qs GUEST-READY "$SERIAL" && break; sleep 0.1; done
if grep -qs GUEST-READY "$SERIAL"; then
  echo "guest console: $(grep -m1 GUEST-READY "$SERIAL")"
else
  echo "the demo guest did not print GUEST-READY within 60 s; see $ROOT/run/stratus/log/qemu/demo.log" >&2
  exit 1
fi
v dominfo demo
echo
echo "stratusd is running (pid $(cat "$PIDFILE")), state under $ROOT; the demo guest is running."
echo "Talk to it:  $BIN/stratus -c '$URI' list --all"
echo "Guest log:   tail -f $SERIAL"
echo "Stop it:     kill \$(cat $PIDFILE)   (guests keep running; destroy them first with 'stratus destroy demo')"
