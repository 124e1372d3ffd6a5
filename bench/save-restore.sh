#!/bin/bash
# Save / restore of a real QEMU guest (issue 5) through stratusd and the
# stratus CLI, as ../shared/bench/bench-virsh.sh's "save" phase measures
# libvirt: the project's test guest with MEM_MIB of memory, booted until it
# prints GUEST-READY, then `save DOM FILE` and `restore FILE` timed as wall
# clock of the CLI command (process start included), N times each, per
# image format. Prints `name value unit` lines (medians); `#` lines are facts.
#
#   BUILD_DIR  build directory (default build)
#   MEM_MIB    guest memory (default 256, as libvirt's baseline)
#   N          repetitions per format (default 5)
#   FORMATS    image formats (default "raw zstd gzip"; missing programs are skipped)
#   GUEST_DIR  where scripts/make-guest.sh puts the guest (default /var/tmp/stratus-guest)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/${BUILD_DIR:-build}/bin
MEM_MIB=${MEM_MIB:-256}
N=${N:-5}
FORMATS=${FORMATS:-raw zstd gzip}
export GUEST_DIR=${GUEST_DIR:-/var/tmp/stratus-guest}
WORK=$(mktemp -d /tmp/stratus-savebench.XXXXXX)
DPID=
S=()
cleanup() {
  set +e
  if [ -n "$DPID" ]; then
    "${S[@]}" destroy bsr >/dev/null 2>&1
    kill "$DPID" 2>/dev/null
    wait "$DPID" 2>/dev/null
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

./scripts/make-guest.sh >/dev/null
"$BIN/stratusd" --root "$WORK/root" >"$WORK/stratusd.log" 2>&1 &
DPID=$!
SOCK=$WORK/root/run/stratus/stratusd.sock
S=("$BIN/stratus" -c "qemu+unix:///system?socket=$SOCK")
for _ in $(seq 400); do "${S[@]}" -q uri >/dev/null 2>&1 && break; sleep 0.025; done

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }
wait_ready() {
  for _ in $(seq 6000); do grep -qs GUEST-READY "$WORK/bsr.serial" && return 0; sleep 0.02; done
  echo "guest did not boot" >&2; return 1
}

./scripts/guest-xml.sh bsr "$MEM_MIB" "$WORK/bsr.qcow2" "$WORK/bsr.serial" > "$WORK/bsr.xml"
"${S[@]}" define "$WORK/bsr.xml" >/dev/null

echo "# date $(date -Is); host $(uname -srm); nproc $(nproc); loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# stratus $("${S[@]}" version | tr '\n' ' ')"
echo "# guest: scripts/guest-xml.sh, ${MEM_MIB} MiB, 1 vCPU, TCG; N=$N per format"
for fmt in $FORMATS; do
  if [ "$fmt" != raw ] && ! command -v "$fmt" >/dev/null; then echo "# $fmt not installed: skipped"; continue; fi
  ts=(); tr=(); sz=()
  "${S[@]}" start bsr >/dev/null
  wait_ready
  for ((i = 0; i < N; i++)); do
    f=$WORK/bsr.$fmt.save
    rm -f "$f"
    a=$(now_us); "${S[@]}" save bsr "$f" --image-format "$fmt" >/dev/null; b=$(now_us)
    sz+=($(stat -c %s "$f"))
    c=$(now_us); "${S[@]}" restore "$f" >/dev/null; d=$(now_us)
    ts+=($((b - a))); tr+=($((d - c)))
  done
  "${S[@]}" destroy bsr >/dev/null
  sfx=""; [ "$fmt" = raw ] || sfx="_$fmt"
  echo "save_ms$sfx $(median "${ts[@]}" | awk '{printf "%.1f", $1/1000}') ms"
  echo "restore_ms$sfx $(median "${tr[@]}" | awk '{printf "%.1f", $1/1000}') ms"
  echo "file_mib$sfx $(median "${sz[@]}" | awk '{printf "%.1f", $1/1048576}') MiB"
done
echo "# loadavg at end $(cut -d' ' -f1-3 /proc/loadavg)"
