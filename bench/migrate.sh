#!/bin/bash
# Live migration of the busy test guest between two Stratus hosts (issue 8),
# the way ../shared/bench/migrate-netns.sh measures two libvirtds: two
# network + mount namespaces joined by a veth pair (scripts/two-hosts.sh),
# shared storage, the guest (MEM_MIB, TCG) booted on A, then N round trips
# `stratus migrate --live DOM DEST_URI tcp://IP` (A->B, B->A). Per one-way
# migration: wall time of the CLI command, QEMU's total time and downtime
# (domjobinfo --completed on the source), data moved, and the guest's own
# view: the longest gap between two of its once-a-second tick lines, seen by
# following its serial log (minus the second between ticks).
# Prints `name value unit` lines (medians; `#` lines are facts).
# libvirt in the same run, when libvirtd is installed (bench/libvirt-peer.sh
# installs it): ../shared/bench/migrate-netns.sh up starts two libvirtds the
# same way (two namespaces, a veth, 10.77.0.1/2), the same guest XML is
# defined there (bmiglv) and every round alternates the two managers, one
# migration each with the same steps and measurements (`virsh migrate --live
# --persistent --unsafe`: --unsafe only because the shared disk is not on a
# cluster file system), then `libvirt_*` and `ratio_*` lines.
#
#   BUILD_DIR  build directory (default build)
#   MEM_MIB    guest memory (default 256, as libvirt's baseline)
#   N          round trips (default 3)
#   GUEST_DIR  where scripts/make-guest.sh puts the guest (default /var/tmp/stratus-guest)
#   EXTRA      extra `migrate` flags for Stratus (e.g. "--compressed")
#   LIBVIRT_PEER  auto (default: when libvirtd is installed), 0 (never), 1 (required)
#   SHARED_BENCH  the shared harness (default ../shared/bench)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
HERE=$PWD
BIN=$PWD/${BUILD_DIR:-build}/bin
MEM_MIB=${MEM_MIB:-256}
N=${N:-3}
EXTRA=${EXTRA:-}
export GUEST_DIR=${GUEST_DIR:-/var/tmp/stratus-guest}
LIBVIRT_PEER=${LIBVIRT_PEER:-auto}
SHARED_BENCH=${SHARED_BENCH:-$HERE/../shared/bench}
[ "$(id -u)" = 0 ] || { echo "# needs root (network namespaces)"; exit 1; }
TH_DIR=$(mktemp -d /tmp/stratus-migbench.XXXXXX) TH_BIN=$BIN TH_NET=${TH_NET:-78}
source ./scripts/two-hosts.sh
declare -A FOLLOW=()  # manager -> PID of its tick follower
LR=                   # migrate-netns.sh's state dir, while its libvirtds run
cleanup() {
  set +e
  local p
  for p in "${FOLLOW[@]}"; do kill -- -"$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  th_down
  [ -n "$LR" ] && ROOT=$LR "$SHARED_BENCH/migrate-netns.sh" down >/dev/null 2>&1
  rm -rf "$TH_DIR"
}
trap cleanup EXIT

# One CLI per manager: MGR HOST ARGS... (stratus: a stratusd per host of
# scripts/two-hosts.sh; libvirt: a libvirtd per host of migrate-netns.sh)
cli() {
  local m=$1 h=$2; shift 2
  if [ "$m" = stratus ]; then "$BIN/stratus" -c "$(th_uri "$h")" "$@"
  else timeout 120 virsh -q -c "qemu+unix:///system?socket=$LR/$h/run/libvirt-sock" "$@"; fi
}
dest_args() {  # MGR HOST: the destination URI and migration address
  if [ "$1" = stratus ]; then echo "$(th_uri "$2") tcp://$(th_ip "$2")"
  else echo "qemu+unix:///system?socket=$LR/$2/run/libvirt-sock tcp://$([ "$2" = A ] && echo 10.77.0.1 || echo 10.77.0.2)"; fi
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b-a)*1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b>0)? a/b : 0}'; }
jobfield() { awk -F: -v k="$1" '$1 == k {sub(/^[^:]*: */, ""); print; exit}'; }
to_mib() { awk '{v=$1; u=$2; if (u=="KiB") v/=1024; else if (u=="GiB") v*=1024; else if (u=="B" || u=="bytes") v/=1048576; printf "%.1f", v}'; }

./scripts/make-guest.sh >/dev/null || exit 1

peer=0
if [ "$LIBVIRT_PEER" != 0 ]; then
  if command -v libvirtd >/dev/null && [ -x "$SHARED_BENCH/migrate-netns.sh" ]; then peer=1
  elif [ "$LIBVIRT_PEER" = 1 ]; then echo "# libvirtd or $SHARED_BENCH/migrate-netns.sh missing (bench/libvirt-peer.sh up installs libvirt)"; exit 1
  fi
fi

th_up || exit 1
th_daemon A || exit 1
th_daemon B || exit 1
MGRS=stratus
declare -A NAME=([stratus]=bmig [libvirt]=bmiglv) SERIAL=() DIR=([stratus]=$TH_DIR)
if [ $peer = 1 ]; then
  LR=$(mktemp -d /tmp/bmig-libvirt.XXXXXX)
  if ROOT=$LR GUEST_DIR=$GUEST_DIR "$SHARED_BENCH/migrate-netns.sh" up > "$TH_DIR/libvirt-up.log" 2>&1 &&
     cli libvirt A version >/dev/null 2>&1 && cli libvirt B version >/dev/null 2>&1; then
    MGRS="stratus libvirt"; DIR[libvirt]=$LR/shared
  else
    echo "# libvirt's two daemons did not come up: $(tr '\n' ' ' < "$TH_DIR/libvirt-up.log" | head -c 600)"
    for h in A B; do echo "# libvirtd $h: $(tail -n 5 "$LR/$h/libvirtd.out" 2>/dev/null | tr '\n' ' ')"; done
    [ "$LIBVIRT_PEER" = 1 ] && exit 1
    ROOT=$LR "$SHARED_BENCH/migrate-netns.sh" down >/dev/null 2>&1; LR=
  fi
fi

for m in $MGRS; do
  n=${NAME[$m]}; SERIAL[$m]=${DIR[$m]}/$n.serial
  # Serial appended to: the destination's QEMU reopens the same file.
  ./scripts/guest-xml.sh "$n" "$MEM_MIB" "${DIR[$m]}/$n.qcow2" "${SERIAL[$m]}" |
    sed "s|<source path='${SERIAL[$m]}'/>|<source path='${SERIAL[$m]}' append='on'/>|" > "${DIR[$m]}/$n.xml"
  # Defined (and migrated --persistent) so the source keeps the completed job's numbers.
  cli $m A define "${DIR[$m]}/$n.xml" >/dev/null && cli $m A start "$n" >/dev/null || { echo "# $m: the guest did not start"; exit 1; }
done
for m in $MGRS; do
  for _ in $(seq 6000); do grep -qs '^tick ' "${SERIAL[$m]}" && break; sleep 0.02; done
  grep -qs '^tick ' "${SERIAL[$m]}" || { echo "# $m: the guest does not tick"; exit 1; }
  # Arrival time of every tick line, as the guest's clock of record.
  # Its own process group (setsid), so that cleanup stops tail with it.
  setsid bash -c 'tail -n0 -F "$1" 2>/dev/null | while IFS= read -r line; do
      case $line in tick*) echo "$EPOCHREALTIME" ;; esac
    done' sh "${SERIAL[$m]}" > "$TH_DIR/ticks.$m" 2>/dev/null < /dev/null &
  FOLLOW[$m]=$!
done

echo "# date $(date -Is); host $(uname -srm); nproc $(nproc); loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# stratus $(cli stratus A version | tr '\n' ' ')"
[ $peer = 1 ] && [ -n "$LR" ] && echo "# libvirt $(cli libvirt A version | tr '\n' ' ')(two libvirtds by ../shared/bench/migrate-netns.sh, same guest XML, rounds alternate the managers)"
echo "# guest: scripts/guest-xml.sh, ${MEM_MIB} MiB, 1 vCPU, TCG, ticking; N=$N round trips; flags: stratus --live --persistent $EXTRA; libvirt --live --persistent --unsafe"

declare -A SRC=([stratus]=A [libvirt]=A) DST=([stratus]=B [libvirt]=B)
declare -A WALL=() TOTAL=() DOWN=() GAP=() DATA=()
for ((i = 0; i < 2 * N; i++)); do
  for m in $MGRS; do
    src=${SRC[$m]}; dst=${DST[$m]}; n=${NAME[$m]}
    sleep 2  # let the guest tick a few times between migrations
    flags="--live --persistent"; [ $m = stratus ] && flags="$flags $EXTRA" || flags="$flags --unsafe"
    t0=$EPOCHREALTIME
    read -r -a dest <<<"$(dest_args $m $dst)"
    # shellcheck disable=SC2086
    cli $m $src migrate $flags "$n" "${dest[@]}" >/dev/null 2>"$TH_DIR/migrate.err" ||
      { echo "# $m: migrate $src->$dst failed: $(head -c 400 "$TH_DIR/migrate.err")"; exit 1; }
    t1=$EPOCHREALTIME
    sleep 1.5  # the next tick after the move
    ji=$(cli $m $src domjobinfo "$n" --completed 2>/dev/null)
    dt=$(jobfield "Total downtime" <<<"$ji" | tr -dc 0-9)
    tt=$(jobfield "Time elapsed" <<<"$ji" | tr -dc 0-9)
    dp=$(jobfield "Data processed" <<<"$ji")
    extra=""
    if [ $m = libvirt ]; then  # libvirt's destination computes its own downtime (source stop -> destination resume)
      extra=" dst_downtime_ms=$(cli $m $dst domjobinfo "$n" --completed 2>/dev/null | jobfield "Total downtime" | tr -dc 0-9)"
    fi
    # the longest gap between ticks from 1 s before the command to 1.5 s after
    gap=$(awk -v a="$t0" -v b="$t1" '$1 >= a-1 && $1 <= b+1.5 {if (p) {g=($1-p)*1000; if (g>m) m=g} p=$1} END {printf "%.0f", (m>1000? m-1000 : 0)}' "$TH_DIR/ticks.$m")
    wall=$(ms_between "$t0" "$t1")
    echo "# $m migrate_${src}_to_${dst} wall_ms=$wall qemu_total_ms=${tt:-NA} downtime_ms=${dt:-NA} data=${dp:-NA} tick_gap_extra_ms=$gap$extra state=$(cli $m $dst domstate "$n" | head -n1)"
    WALL[$m]+=" $wall"; TOTAL[$m]+=" ${tt:-0}"; DOWN[$m]+=" ${dt:-0}"; GAP[$m]+=" $gap"; DATA[$m]+=" $([ -n "$dp" ] && to_mib <<<"$dp" || echo 0)"
    SRC[$m]=$dst; DST[$m]=$src
  done
done

declare -A MED=()
for m in $MGRS; do
  p=""; [ $m = libvirt ] && p="libvirt_"
  for k in wall:WALL qemu_total:TOTAL downtime:DOWN tick_gap_extra:GAP; do
    declare -n col=${k#*:}
    # shellcheck disable=SC2086
    MED[$m.${k%%:*}]=$(median ${col[$m]})
    unset -n col
    echo "${p}migrate_${k%%:*} ${MED[$m.${k%%:*}]} ms"
  done
  # shellcheck disable=SC2086
  echo "${p}migrate_data $(median ${DATA[$m]}) MiB"
done
# The guest works after the round trips: the ACPI power button powers it off.
for m in $MGRS; do
  cli $m ${SRC[$m]} shutdown "${NAME[$m]}" >/dev/null 2>&1
  for _ in $(seq 250); do grep -qs GUEST-POWERDOWN "${SERIAL[$m]}" && break; sleep 0.02; done
  p=""; [ $m = libvirt ] && p="libvirt_"
  echo "${p}guest_alive_after_migrations $(grep -qs GUEST-POWERDOWN "${SERIAL[$m]}" && echo 1 || echo 0) bool"
done
if [[ " $MGRS " == *" libvirt "* ]]; then
  for k in wall qemu_total downtime tick_gap_extra; do
    echo "ratio_migrate_$k $(ratio "${MED[stratus.$k]}" "${MED[libvirt.$k]}") x"
  done
else
  echo "# libvirt not measured in this run (bench/libvirt-peer.sh up installs it): compare with ../shared/bench/baseline-libvirt.txt (wall ~1485 ms median, downtime 26-237 ms, ~91 MiB)"
fi
echo "# loadavg at end $(cut -d' ' -f1-3 /proc/loadavg)"
