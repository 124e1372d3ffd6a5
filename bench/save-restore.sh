#!/bin/bash
# Save / restore of a real QEMU guest (issue 5) through stratusd and the
# stratus CLI, as ../shared/bench/bench-virsh.sh's "save" phase measures
# libvirt: the project's test guest with MEM_MIB of memory, booted until it
# prints GUEST-READY, then `save DOM FILE` and `restore FILE` timed as wall
# clock of the CLI command (process start included), N times each, per
# image format. Prints `name value unit` lines (medians); `#` lines are facts.
# When libvirtd answers on qemu:///system (bench/libvirt-peer.sh up), the same
# guest is defined in libvirt too (lvb-sr) and the raw rounds interleave the
# two managers, `stratus save/restore` then `virsh save/restore`, so both see
# the same machine load; `libvirt_*` and `ratio_*` lines follow (libvirt has
# no zstd save format in 9.0: the zstd and gzip ratios are against its raw).
#
#   BUILD_DIR  build directory (default build)
#   MEM_MIB    guest memory (default 256, as libvirt's baseline)
#   N          repetitions per format (default 5)
#   FORMATS    image formats (default "raw zstd gzip"; missing programs are skipped)
#   GUEST_DIR  where scripts/make-guest.sh puts the guest (default /var/tmp/stratus-guest)
#   LIBVIRT_PEER  auto (default: when libvirtd answers), 0 (never), 1 (required)
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
LV=(virsh -q -c qemu:///system)
LIBVIRT_PEER=${LIBVIRT_PEER:-auto}
LV_DEFINED=
cleanup() {
  set +e
  if [ -n "$LV_DEFINED" ]; then
    "${LV[@]}" destroy lvb-sr >/dev/null 2>&1
    "${LV[@]}" undefine lvb-sr >/dev/null 2>&1
  fi
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
# The serial log is appended to across boots: GUEST-READY counts only past
# the size the log had before this boot's start.
log_size() { stat -c %s "$WORK/$1.serial" 2>/dev/null || echo 0; }
wait_ready() {  # NAME SIZE_BEFORE_START
  for _ in $(seq 6000); do tail -c +$(($2 + 1)) "$WORK/$1.serial" 2>/dev/null | grep -qs GUEST-READY && return 0; sleep 0.02; done
  echo "guest $1 did not boot" >&2; return 1
}
ticks() { grep -c '^tick ' "$WORK/$1.serial" 2>/dev/null || true; }
# 1 when the guest prints a new tick line within 5 s (it runs after the restores)
alive_after() {  # NAME
  local n; n=$(ticks "$1")
  for _ in $(seq 250); do [ "$(ticks "$1")" -gt "$n" ] && { echo 1; return; }; sleep 0.02; done
  echo 0
}
guest_xml() {  # NAME: the test guest, serial appended to (a restored QEMU reopens it)
  ./scripts/guest-xml.sh "$1" "$MEM_MIB" "$WORK/$1.qcow2" "$WORK/$1.serial" |
    sed "s|<source path='$WORK/$1.serial'/>|<source path='$WORK/$1.serial' append='on'/>|"
}
ms() { median "$@" | awk '{printf "%.1f", $1/1000}'; }
mib() { median "$@" | awk '{printf "%.1f", $1/1048576}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b>0)? a/b : 0}'; }

guest_xml bsr > "$WORK/bsr.xml"
"${S[@]}" define "$WORK/bsr.xml" >/dev/null

peer=0
case $LIBVIRT_PEER in
  0) ;;
  *) if "${LV[@]}" version >/dev/null 2>&1; then peer=1
     elif [ "$LIBVIRT_PEER" = 1 ]; then echo "libvirtd does not answer on qemu:///system (bench/libvirt-peer.sh up)" >&2; exit 1
     fi ;;
esac
if [ $peer = 1 ]; then
  "${LV[@]}" destroy lvb-sr >/dev/null 2>&1 || true
  "${LV[@]}" undefine lvb-sr >/dev/null 2>&1 || true
  guest_xml lvb-sr > "$WORK/lvb-sr.xml"
  "${LV[@]}" define "$WORK/lvb-sr.xml" >/dev/null
  LV_DEFINED=1
fi

echo "# date $(date -Is); host $(uname -srm); nproc $(nproc); loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# stratus $("${S[@]}" version | tr '\n' ' ')"
echo "# guest: scripts/guest-xml.sh, ${MEM_MIB} MiB, 1 vCPU, TCG; N=$N per format"
[ $peer = 1 ] && echo "# libvirt peer: $("${LV[@]}" version | tr '\n' ' '); same guest XML (lvb-sr), interleaved with the raw rounds"
declare -A R=()  # metric -> value, for the ratios
for fmt in $FORMATS; do
  if [ "$fmt" != raw ] && ! command -v "$fmt" >/dev/null; then echo "# $fmt not installed: skipped"; continue; fi
  lv=0; [ $peer = 1 ] && [ "$fmt" = raw ] && lv=1
  ts=(); tr=(); sz=(); lts=(); ltr=(); lsz=()
  z=$(log_size bsr); "${S[@]}" start bsr >/dev/null
  wait_ready bsr "$z"
  if [ $lv = 1 ]; then z=$(log_size lvb-sr); "${LV[@]}" start lvb-sr >/dev/null; wait_ready lvb-sr "$z"; fi
  for ((i = 0; i < N; i++)); do
    f=$WORK/bsr.$fmt.save
    rm -f "$f"
    a=$(now_us); "${S[@]}" save bsr "$f" --image-format "$fmt" >/dev/null; b=$(now_us)
    sz+=("$(stat -c %s "$f")")
    c=$(now_us); "${S[@]}" restore "$f" >/dev/null; d=$(now_us)
    ts+=($((b - a))); tr+=($((d - c)))
    if [ $lv = 1 ]; then
      f=$WORK/lvb-sr.save
      rm -f "$f"
      a=$(now_us); "${LV[@]}" save lvb-sr "$f" >/dev/null; b=$(now_us)
      lsz+=("$(stat -c %s "$f")")
      c=$(now_us); "${LV[@]}" restore "$f" >/dev/null; d=$(now_us)
      lts+=($((b - a))); ltr+=($((d - c)))
    fi
  done
  sfx=""; [ "$fmt" = raw ] || sfx="_$fmt"
  echo "save_restore_guest_alive$sfx $(alive_after bsr) bool"
  "${S[@]}" destroy bsr >/dev/null
  R[save$sfx]=$(ms "${ts[@]}"); R[restore$sfx]=$(ms "${tr[@]}"); R[file$sfx]=$(mib "${sz[@]}")
  echo "save_ms$sfx ${R[save$sfx]} ms"
  echo "restore_ms$sfx ${R[restore$sfx]} ms"
  echo "file_mib$sfx ${R[file$sfx]} MiB"
  if [ $lv = 1 ]; then
    echo "libvirt_save_restore_guest_alive $(alive_after lvb-sr) bool"
    "${LV[@]}" destroy lvb-sr >/dev/null
    R[lsave]=$(ms "${lts[@]}"); R[lrestore]=$(ms "${ltr[@]}"); R[lfile]=$(mib "${lsz[@]}")
    echo "libvirt_save_ms ${R[lsave]} ms"
    echo "libvirt_restore_ms ${R[lrestore]} ms"
    echo "libvirt_file_mib ${R[lfile]} MiB"
    echo "# samples in us: libvirt save ${lts[*]}; libvirt restore ${ltr[*]}; stratus save ${ts[*]}; stratus restore ${tr[*]}"
  fi
done
if [ $peer = 1 ] && [ -n "${R[lsave]:-}" ]; then
  for fmt in $FORMATS; do
    sfx=""; [ "$fmt" = raw ] || sfx="_$fmt"
    [ -n "${R[save$sfx]:-}" ] || continue
    echo "ratio_save$sfx $(ratio "${R[save$sfx]}" "${R[lsave]}") x"
    echo "ratio_restore$sfx $(ratio "${R[restore$sfx]}" "${R[lrestore]}") x"
    echo "ratio_file$sfx $(ratio "${R[file$sfx]}" "${R[lfile]}") x"
  done
fi
echo "# loadavg at end $(cut -d' ' -f1-3 /proc/loadavg)"
