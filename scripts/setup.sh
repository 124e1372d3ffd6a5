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
DEMO_XML=$ROOT/demo.xml
cat > "$DEMO_XML" <<XML
<domain type='qemu'>
  <name>demo</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
</domain>
XML
"$BIN/stratus" -c "$URI" -q undefine demo >/dev/null 2>&1 || true
v define "$DEMO_XML"
v start demo
v list --all
v dominfo demo
echo
echo "stratusd is running (pid $(cat "$PIDFILE")), state under $ROOT."
echo "Talk to it:  $BIN/stratus -c '$URI' list --all"
echo "Stop it:     kill \$(cat $PIDFILE)"
