#!/bin/bash
# Runs ../shared/bench/bench-virsh.sh (the shared harness that drives any
# virsh-compatible CLI) against Stratus: a fresh stratusd with the QEMU
# driver under a temporary root, the project's test guest, our CLI.
# When libvirt's daemon answers on qemu:///system (bench/libvirt-peer.sh up),
# the same harness then runs through virsh against it in the same run (same
# guest, same phases; its domains are named lvb-*) and the two result files
# are joined; otherwise the join is with ../shared/bench/baseline-libvirt.txt
# (same machine kind, another day).
#
#   HARNESS   path of bench-virsh.sh (default ../shared/bench/bench-virsh.sh)
#   PHASES, N_FAST, N_SLOW, SCALE_COUNTS ... are passed through to the harness.
#   OUT       result file (default bench/results/stratus-<date>.txt); libvirt's
#             goes next to it as <OUT without .txt>-libvirt.txt
#   LIBVIRT_PEER  auto (default: when libvirtd answers), 0 (never), 1 (required)
set -euo pipefail
cd "$(dirname "$0")/.."
HERE=$PWD
HARNESS=${HARNESS:-$HERE/../shared/bench/bench-virsh.sh}
[ -x "$HARNESS" ] || [ -f "$HARNESS" ] || { echo "no harness at $HARNESS" >&2; exit 2; }
BIN=$HERE/${BUILD_DIR:-build}/bin
WORK=$(mktemp -d /tmp/stratus-vbench.XXXXXX)
mkdir -p bench/results
OUT=${OUT:-bench/results/stratus-$(date +%Y%m%d-%H%M%S).txt}
DPID=
cleanup() {
  if [ -n "$DPID" ]; then kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The harness builds its guest with its own script; ours is equivalent and
# is what the product boots. Point the harness at ours.
GUEST_DIR=${GUEST_DIR:-/var/tmp/stratus-guest} ./scripts/make-guest.sh >/dev/null

"$BIN/stratusd" --root "$WORK/root" >"$WORK/stratusd.log" 2>&1 &
DPID=$!
SOCK=$WORK/root/run/stratus/stratusd.sock
for _ in $(seq 400); do "$BIN/stratus" -c "qemu+unix:///system?socket=$SOCK" -q uri >/dev/null 2>&1 && break; sleep 0.025; done

export VIRSH="$BIN/stratus -c qemu+unix:///system?socket=$SOCK"
export DAEMON_PID=$DPID
export PREFIX=${PREFIX:-bst}
export GUEST_DIR=${GUEST_DIR:-/var/tmp/stratus-guest}
bash "$HARNESS" | tee "$OUT"
echo "results in $OUT" >&2

LIBVIRT_PEER=${LIBVIRT_PEER:-auto}
LV_OUT=${OUT%.txt}-libvirt.txt
peer=0
if [ "$LIBVIRT_PEER" != 0 ] && virsh -q -c qemu:///system version >/dev/null 2>&1; then peer=1
elif [ "$LIBVIRT_PEER" = 1 ]; then echo "libvirtd does not answer on qemu:///system (bench/libvirt-peer.sh up)" >&2; exit 1
fi
if [ $peer = 1 ]; then
  # The same harness through virsh; the daemon's RSS from libvirt-peer.sh's pidfile.
  VIRSH="virsh -c qemu:///system" PREFIX=lvb DAEMON_NAME=libvirtd \
    DAEMON_PID=$(cat /run/stratus-libvirt-peer/libvirtd.pid 2>/dev/null) \
    bash "$HARNESS" | tee "$LV_OUT"
  echo "libvirt's results (same run) in $LV_OUT" >&2
  bash "$HERE/../shared/bench/compare.sh" "$LV_OUT" "$OUT" libvirt stratus
elif [ -f "$HERE/../shared/bench/baseline-libvirt.txt" ]; then
  bash "$HERE/../shared/bench/compare.sh" "$HERE/../shared/bench/baseline-libvirt.txt" "$OUT" libvirt stratus
fi
