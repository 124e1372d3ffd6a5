#!/bin/bash
# Control-plane benchmarks of issue 3, through a real stratusd (simulated
# driver, so only the control plane is measured) and the stratus CLI.
# Prints `name value unit` lines; `#` lines are facts.
#
#   BUILD_DIR   build directory (default build)
#   N           repetitions of the small commands (default 20)
#   COUNTS      domain counts for list/dominfo (default "1 100 1000 10000")
#   VIRSH_PEER  when set to a virsh-compatible command (e.g. "virsh -c test:///default"),
#               the same single-process steps run through it and the ratio is printed
#   LIBVIRT_PEER  auto (default: when libvirtd answers on qemu:///system, see
#               bench/libvirt-peer.sh), 0 (never), 1 (required): version, define +
#               undefine and list --all, one CLI process each, interleaved with
#               libvirt's (its QEMU driver, as the baseline's numbers), N times;
#               `libvirt_*` and `ratio_*` lines
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=$PWD/$BUILD_DIR/bin
N=${N:-20}
COUNTS=${COUNTS:-"1 100 1000 10000"}
WORK=$(mktemp -d /tmp/stratus-bench.XXXXXX)
DPID=
cleanup() {
  [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN/stratusd" --root "$WORK/root" --driver test >"$WORK/stratusd.log" 2>&1 &
DPID=$!
SOCK=$WORK/root/run/stratus/stratusd.sock
for _ in $(seq 400); do [ -S "$SOCK" ] && break; sleep 0.025; done
[ -S "$SOCK" ] || { echo "stratusd did not start" >&2; cat "$WORK/stratusd.log" >&2; exit 1; }
S=("$BIN/stratus" -c "qemu+unix:///system?socket=$SOCK")

now_us() { local t=${EPOCHREALTIME/./}; echo "$t"; }
# median of integers (microseconds) -> ms with one decimal
median_ms() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.2f", m/1000}'; }
rss_mib() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
xml_of() {  # NAME UUID
  printf "<domain type='test'><name>%s</name><uuid>%s</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n" "$1" "$2"
}

echo "# date $(date -Is); host $(uname -srm); nproc $(nproc)"
echo "# stratus $("${S[@]}" version | tr '\n' ' ')"
echo "daemon_rss_idle $(rss_mib "$DPID") MiB"

t=(); for ((i = 0; i < N; i++)); do a=$(now_us); "${S[@]}" version >/dev/null; b=$(now_us); t+=($((b - a))); done
echo "cli_version_median $(median_ms "${t[@]}") ms"

xml_of bench-one "$(cat /proc/sys/kernel/random/uuid)" > "$WORK/one.xml"
td=(); tu=(); tb=()
for ((i = 0; i < N; i++)); do
  a=$(now_us); "${S[@]}" define "$WORK/one.xml" >/dev/null; b=$(now_us)
  "${S[@]}" undefine bench-one >/dev/null; c=$(now_us)
  td+=($((b - a))); tu+=($((c - b))); tb+=($((c - a)))
done
echo "define_median $(median_ms "${td[@]}") ms"
echo "undefine_median $(median_ms "${tu[@]}") ms"
echo "define_undefine_median $(median_ms "${tb[@]}") ms"

# libvirt in the same run: the same steps, one after the other in each round,
# so both see the same load. libvirt's domain is a minimal QEMU one (its
# test driver would live in the virsh process, not in a daemon).
LIBVIRT_PEER=${LIBVIRT_PEER:-auto}
LV=(virsh -q -c qemu:///system)
lv_peer=0
if [ "$LIBVIRT_PEER" != 0 ] && "${LV[@]}" version >/dev/null 2>&1; then lv_peer=1
elif [ "$LIBVIRT_PEER" = 1 ]; then echo "libvirtd does not answer on qemu:///system (bench/libvirt-peer.sh up)" >&2; exit 1
fi
if [ $lv_peer = 1 ]; then
  "${LV[@]}" undefine lvb-cp >/dev/null 2>&1 || true
  printf "<domain type='qemu'><name>lvb-cp</name><uuid>%s</uuid><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>\n" \
    "$(cat /proc/sys/kernel/random/uuid)" > "$WORK/lv.xml"
  sv=(); lv=(); sb=(); lb=(); sl=(); ll=()
  for ((i = 0; i < N; i++)); do
    a=$(now_us); "${S[@]}" version >/dev/null; b=$(now_us); sv+=($((b - a)))
    a=$(now_us); "${LV[@]}" version >/dev/null; b=$(now_us); lv+=($((b - a)))
    a=$(now_us); "${S[@]}" define "$WORK/one.xml" >/dev/null; "${S[@]}" undefine bench-one >/dev/null; b=$(now_us); sb+=($((b - a)))
    a=$(now_us); "${LV[@]}" define "$WORK/lv.xml" >/dev/null; "${LV[@]}" undefine lvb-cp >/dev/null; b=$(now_us); lb+=($((b - a)))
  done
  "${S[@]}" define "$WORK/one.xml" >/dev/null; "${LV[@]}" define "$WORK/lv.xml" >/dev/null
  for ((i = 0; i < N; i++)); do
    a=$(now_us); "${S[@]}" list --all >/dev/null; b=$(now_us); sl+=($((b - a)))
    a=$(now_us); "${LV[@]}" list --all >/dev/null; b=$(now_us); ll+=($((b - a)))
  done
  "${S[@]}" undefine bench-one >/dev/null; "${LV[@]}" undefine lvb-cp >/dev/null
  echo "# libvirt peer: $("${LV[@]}" version | tr '\n' ' '); interleaved, N=$N"
  for k in version:sv:lv define_undefine:sb:lb list_all_at_1:sl:ll; do
    IFS=: read -r name s_ l_ <<<"$k"
    declare -n s_arr=$s_ l_arr=$l_
    sm=$(median_ms "${s_arr[@]}"); lm=$(median_ms "${l_arr[@]}")
    unset -n s_arr l_arr
    echo "interleaved_${name}_median $sm ms"
    echo "libvirt_${name}_median $lm ms"
    echo "ratio_$name $(awk -v a="$sm" -v b="$lm" 'BEGIN{printf "%.2f", (b>0)? a/b : 0}') x"
  done
fi

have=0
for target in $COUNTS; do
  # Bulk define through one CLI process reading commands from stdin, as
  # `virsh < file` does (one command per line).
  batch=$WORK/batch.txt; : > "$batch"
  while [ "$have" -lt "$target" ]; do
    f=$WORK/d$have.xml
    xml_of "$(printf 'bench-s%05d' "$have")" "$(cat /proc/sys/kernel/random/uuid)" > "$f"
    echo "define $f" >> "$batch"
    have=$((have + 1))
  done
  if [ -s "$batch" ]; then
    n=$(wc -l < "$batch")
    a=$(now_us)
    "${S[@]}" -q < "$batch" >/dev/null
    b=$(now_us)
    echo "define_bulk_${n}_total $(awk -v t=$((b - a)) 'BEGIN{printf "%.1f", t/1000}') ms"
  fi
  t=(); ti=(); mid=$(printf 'bench-s%05d' $((have / 2)))
  for ((i = 0; i < N; i++)); do
    a=$(now_us); "${S[@]}" list --all >/dev/null; b=$(now_us); t+=($((b - a)))
    a=$(now_us); "${S[@]}" dominfo "$mid" >/dev/null; b=$(now_us); ti+=($((b - a)))
  done
  echo "list_all_at_${have}_median $(median_ms "${t[@]}") ms"
  echo "dominfo_at_${have}_median $(median_ms "${ti[@]}") ms"
done
echo "daemon_rss_${have}_defined $(rss_mib "$DPID") MiB"

if [ -n "${VIRSH_PEER:-}" ]; then
  # virsh's test driver lives in its process: only per-process steps compare.
  read -r -a P <<< "$VIRSH_PEER"
  t=(); for ((i = 0; i < N; i++)); do a=$(now_us); "${P[@]}" version >/dev/null; b=$(now_us); t+=($((b - a))); done
  echo "peer_cli_version_median $(median_ms "${t[@]}") ms"
  sed 's/bench-one/bench-peer/' "$WORK/one.xml" > "$WORK/peer.xml"
  t=(); for ((i = 0; i < N; i++)); do a=$(now_us); "${P[@]}" "define $WORK/peer.xml; undefine bench-peer" >/dev/null; b=$(now_us); t+=($((b - a))); done
  echo "peer_define_undefine_one_process_median $(median_ms "${t[@]}") ms"
fi
