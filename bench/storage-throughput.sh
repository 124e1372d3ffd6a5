#!/bin/bash
# Storage throughput of issue 6 on one SIZE_MIB file of random data (not
# compressible, no zero blocks), in a temp dir on the build machine's disk.
# Prints `name value unit` lines (median of N runs); `#` lines are facts.
#
#   copy_*      vol-clone's path: the storage library's createVolumeFrom
#               (qemu-img convert -p with its progress parsed into a job)
#               against plain `qemu-img convert` of the same file
#   upload_*    vol-upload's path: writeVolumeBytes into a raw volume
#               (pwrite, holes punched) against `cp` of the same file
#   download_*  vol-download --sparse: readVolumeBytes (SEEK_DATA/SEEK_HOLE)
#               against `cp --sparse=always`
# Each run starts from a dropped target after a sync; the page cache is not
# dropped (the source stays cached for both sides alike). Copies are not
# synced (neither side asks for it); uploads and downloads are (fsync / sync).
#
#   BUILD_DIR  build directory (default build)
#   SIZE_MIB   file size (default 512)
#   N          runs per measurement (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
TOOL=$PWD/${BUILD_DIR:-build}/bin/storage_bench_tool
SIZE_MIB=${SIZE_MIB:-512}
N=${N:-3}
[ -x "$TOOL" ] || { echo "build storage_bench_tool first (cmake --build BUILD --target storage_bench_tool)" >&2; exit 1; }
WORK=$(mktemp -d /var/tmp/stratus-storage-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/pool"
head -c "$((SIZE_MIB * 1048576))" /dev/urandom > "$WORK/src.raw"
sync

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mibps() { awk -v ms="$1" -v mib="$SIZE_MIB" 'BEGIN {printf "%.1f", mib / (ms / 1000)}'; }
report() {  # name median_ms
  echo "$1_time $(awk -v ms="$2" 'BEGIN {printf "%.3f", ms / 1000}') s"
  echo "$1_throughput $(mibps "$2") MiB/s"
}

echo "# file: $SIZE_MIB MiB random data, $N runs each, $(nproc) CPUs, $(qemu-img --version | head -1)"
for fmt in raw qcow2; do
  lib=(); ref=()
  for _ in $(seq "$N"); do
    rm -f "$WORK/pool/c"; sync
    lib+=("$("$TOOL" copy "$WORK/src.raw" "$WORK/pool" c "$fmt")")
    rm -f "$WORK/pool/c"; sync
    t0=$(now_ms); qemu-img convert -f raw -O "$fmt" "$WORK/src.raw" "$WORK/pool/c"; t1=$(now_ms)
    ref+=("$((t1 - t0))")
  done
  report "copy_${fmt}_stratus" "$(printf '%s\n' "${lib[@]}" | median)"
  report "copy_${fmt}_qemu_img" "$(printf '%s\n' "${ref[@]}" | median)"
done

up=(); cpt=(); down=(); cps=()
for _ in $(seq "$N"); do
  rm -f "$WORK/pool/vol"; truncate -s "${SIZE_MIB}M" "$WORK/pool/vol"; sync
  up+=("$("$TOOL" upload "$WORK/src.raw" "$WORK/pool/vol")")
  rm -f "$WORK/pool/cp"; sync
  t0=$(now_ms); cp "$WORK/src.raw" "$WORK/pool/cp"; sync "$WORK/pool/cp"; t1=$(now_ms)
  cpt+=("$((t1 - t0))")
  rm -f "$WORK/down"; sync
  down+=("$("$TOOL" download "$WORK/pool/vol" "$WORK/down")")
  rm -f "$WORK/down2"; sync
  t0=$(now_ms); cp --sparse=always "$WORK/pool/vol" "$WORK/down2"; sync "$WORK/down2"; t1=$(now_ms)
  cps+=("$((t1 - t0))")
done
cmp -s "$WORK/src.raw" "$WORK/down" || { echo "download differs from the source" >&2; exit 1; }
report upload_stratus "$(printf '%s\n' "${up[@]}" | median)"
report upload_cp "$(printf '%s\n' "${cpt[@]}" | median)"
report download_stratus "$(printf '%s\n' "${down[@]}" | median)"
report download_cp "$(printf '%s\n' "${cps[@]}" | median)"

# The same through the daemon and the CLI, as a user runs them: stratusd
# with its own --root, `stratus vol-clone` and `stratus vol-upload` (the
# bytes cross the API socket) on a dir pool in the same directory.
STRATUSD=$PWD/${BUILD_DIR:-build}/bin/stratusd
STRATUS=$PWD/${BUILD_DIR:-build}/bin/stratus
if [ -x "$STRATUSD" ] && [ -x "$STRATUS" ]; then
  ROOT=$WORK/root
  SOCK=$ROOT/run/stratus/stratusd.sock
  "$STRATUSD" --root "$ROOT" >"$WORK/stratusd.log" 2>&1 &
  DPID=$!
  trap 'kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; rm -rf "$WORK"' EXIT
  S=("$STRATUS" -c "qemu+unix:///system?socket=$SOCK")
  for _ in $(seq 200); do "${S[@]}" -q uri >/dev/null 2>&1 && break; sleep 0.05; done
  mkdir -p "$WORK/dpool"
  "${S[@]}" -q pool-create-as bench dir --target "$WORK/dpool" >/dev/null
  "${S[@]}" -q vol-create-as bench src.raw "${SIZE_MIB}M" --format raw >/dev/null
  "${S[@]}" -q vol-upload src.raw "$WORK/src.raw" --pool bench
  clone=(); upl=()
  for _ in $(seq "$N"); do
    "${S[@]}" -q vol-delete c.raw --pool bench >/dev/null 2>&1 || true; sync
    t0=$(now_ms); "${S[@]}" -q vol-clone src.raw c.raw --pool bench >/dev/null; t1=$(now_ms)
    clone+=("$((t1 - t0))")
    "${S[@]}" -q vol-delete up.raw --pool bench >/dev/null 2>&1 || true
    "${S[@]}" -q vol-create-as bench up.raw "${SIZE_MIB}M" --format raw >/dev/null; sync
    t0=$(now_ms); "${S[@]}" -q vol-upload up.raw "$WORK/src.raw" --pool bench; sync "$WORK/dpool/up.raw"; t1=$(now_ms)
    upl+=("$((t1 - t0))")
  done
  cmp -s "$WORK/src.raw" "$WORK/dpool/up.raw" || { echo "vol-upload through the daemon differs" >&2; exit 1; }
  report vol_clone_cli "$(printf '%s\n' "${clone[@]}" | median)"
  report vol_upload_cli "$(printf '%s\n' "${upl[@]}" | median)"
else
  echo "# stratusd/stratus not built: the CLI measurements are skipped"
fi
