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
# Prints `name value unit` lines (medians; `#` lines are facts). When
# libvirtd is installed, the same run measures libvirt with
# ../shared/bench/migrate-netns.sh and prints the ratios.
#
#   BUILD_DIR  build directory (default build)
#   MEM_MIB    guest memory (default 256, as libvirt's baseline)
#   N          round trips (default 3)
#   GUEST_DIR  where scripts/make-guest.sh puts the guest (default /var/tmp/stratus-guest)
#   EXTRA      extra `migrate` flags (e.g. "--compressed")
set -uo pipefail
cd "$(dirname "$0")/.."
HERE=$PWD
BIN=$PWD/${BUILD_DIR:-build}/bin
MEM_MIB=${MEM_MIB:-256}
N=${N:-3}
EXTRA=${EXTRA:-}
export GUEST_DIR=${GUEST_DIR:-/var/tmp/stratus-guest}
[ "$(id -u)" = 0 ] || { echo "# needs root (network namespaces)"; exit 1; }
TH_DIR=$(mktemp -d /tmp/stratus-migbench.XXXXXX) TH_BIN=$BIN TH_NET=${TH_NET:-78}
source ./scripts/two-hosts.sh
FOLLOW_PID=
cleanup() {
  set +e
  [ -n "$FOLLOW_PID" ] && kill -- -"$FOLLOW_PID" 2>/dev/null && wait "$FOLLOW_PID" 2>/dev/null
  th_down
  rm -rf "$TH_DIR"
}
trap cleanup EXIT

on() { local h=$1; shift; "$BIN/stratus" -c "$(th_uri "$h")" "$@"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b-a)*1000}'; }

./scripts/make-guest.sh >/dev/null || exit 1
th_up || exit 1
th_daemon A || exit 1
th_daemon B || exit 1
SERIAL=$TH_DIR/bmig.serial
./scripts/guest-xml.sh bmig "$MEM_MIB" "$TH_DIR/bmig.qcow2" "$SERIAL" |
  sed "s|<source path='$SERIAL'/>|<source path='$SERIAL' append='on'/>|" > "$TH_DIR/bmig.xml"
# Defined (and migrated --persistent) so the source keeps the completed job's numbers.
on A define "$TH_DIR/bmig.xml" >/dev/null && on A start bmig >/dev/null || exit 1
for _ in $(seq 6000); do grep -qs '^tick ' "$SERIAL" && break; sleep 0.02; done

# Arrival time of every tick line, as the guest's clock of record.
# Its own process group (setsid), so that cleanup stops tail with it.
setsid bash -c 'tail -n0 -F "$1" 2>/dev/null | while IFS= read -r line; do
    case $line in tick*) echo "$EPOCHREALTIME" ;; esac
  done' sh "$SERIAL" > "$TH_DIR/ticks" 2>/dev/null < /dev/null &
FOLLOW_PID=$!

echo "# date $(date -Is); host $(uname -srm); nproc $(nproc); loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# stratus $(on A version | tr '\n' ' ')"
echo "# guest: scripts/guest-xml.sh, ${MEM_MIB} MiB, 1 vCPU, TCG, ticking; N=$N round trips; flags: --live --persistent $EXTRA"
walls=(); totals=(); downs=(); gaps=(); datas=()
src=A; dst=B
for ((i = 0; i < 2 * N; i++)); do
  sleep 2  # let the guest tick a few times between migrations
  t0=$EPOCHREALTIME
  # shellcheck disable=SC2086
  on $src migrate --live --persistent $EXTRA bmig "$(th_uri $dst)" "tcp://$(th_ip $dst)" >/dev/null || { echo "# migrate $src->$dst failed"; exit 1; }
  t1=$EPOCHREALTIME
  sleep 1.5  # the next tick after the move
  ji=$(on $src domjobinfo bmig --completed 2>/dev/null)
  dt=$(awk -F: '/^Total downtime:/ {gsub(/[^0-9]/,"",$2); print $2}' <<<"$ji")
  tt=$(awk -F: '/^Time elapsed:/ {gsub(/[^0-9]/,"",$2); print $2}' <<<"$ji")
  dp=$(awk -F: '/^Data processed:/ {gsub(/^ +/,"",$2); print $2}' <<<"$ji")
  dpm=$(awk '{v=$1; u=$2; if (u=="KiB") v/=1024; else if (u=="GiB") v*=1024; else if (u=="B" || u=="bytes") v/=1048576; printf "%.1f", v}' <<<"$dp")
  # the longest gap between ticks from 1 s before the command to 1.5 s after
  gap=$(awk -v a="$t0" -v b="$t1" '$1 >= a-1 && $1 <= b+1.5 {if (p) {g=($1-p)*1000; if (g>m) m=g} p=$1} END {printf "%.0f", (m>1000? m-1000 : 0)}' "$TH_DIR/ticks")
  wall=$(ms_between "$t0" "$t1")
  echo "# migrate_${src}_to_${dst} wall_ms=$wall qemu_total_ms=${tt:-NA} downtime_ms=${dt:-NA} data=${dp:-NA} tick_gap_extra_ms=$gap state=$(on $dst domstate bmig)"
  walls+=("$wall"); totals+=("${tt:-0}"); downs+=("${dt:-0}"); gaps+=("$gap"); datas+=("${dpm:-0}")
  tmp=$src; src=$dst; dst=$tmp
done
W=$(median "${walls[@]}"); D=$(median "${downs[@]}"); G=$(median "${gaps[@]}")
echo "migrate_wall $W ms"
echo "migrate_qemu_total $(median "${totals[@]}") ms"
echo "migrate_downtime $D ms"
echo "migrate_tick_gap_extra $G ms"
echo "migrate_data $(median "${datas[@]}") MiB"

# libvirt in the same run, when it is installed.
if command -v libvirtd >/dev/null && [ -x ../shared/bench/migrate-netns.sh ]; then
  LR=$(mktemp -d /tmp/bmig-libvirt.XXXXXX)
  ROOT=$LR GUEST_DIR=$GUEST_DIR N=$N ../shared/bench/migrate-netns.sh up >/dev/null 2>&1
  out=$(ROOT=$LR GUEST_DIR=$GUEST_DIR N=$N ../shared/bench/migrate-netns.sh measure 2>&1)
  ROOT=$LR ../shared/bench/migrate-netns.sh down >/dev/null 2>&1
  lw=$(grep -o 'wall_ms=[0-9.]*' <<<"$out" | cut -d= -f2); ld=$(grep -o 'downtime_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
  if [ -n "$lw" ]; then
    LW=$(median $lw); LD=$(median $ld)
    echo "libvirt_migrate_wall $LW ms"
    echo "libvirt_migrate_downtime $LD ms"
    echo "ratio_migrate_wall $(awk -v a="$W" -v b="$LW" 'BEGIN{printf "%.2f", a/b}') x"
    echo "ratio_migrate_downtime $(awk -v a="$D" -v b="$LD" 'BEGIN{printf "%.2f", (b>0)? a/b : 0}') x"
  else
    echo "# libvirt measurement failed: $(head -c 300 <<<"$out")"
  fi
else
  echo "# libvirtd not installed: compare with ../shared/bench/baseline-libvirt.txt (wall ~1485 ms median, downtime 26-237 ms, ~91 MiB)"
fi
