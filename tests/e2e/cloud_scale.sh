#!/bin/bash
# Issue 9, the scale path kept from rotting: bench/cloud-scale.sh at a small
# size (50 simulated nodes, 500 instances, 8 clients). The benchmark checks
# its own result (every instance Running with its own slot, no node
# overcommitted, all Destroyed and every slot free at the end) and fails
# otherwise; this test also wants every operation measured and no failure.
BIN=$1
SRC=$2
set -euo pipefail
command -v qemu-img >/dev/null || { echo "SKIP: qemu-img not installed (stratus-cloud image add checks images with it)"; exit 0; }
OUT=$(mktemp /tmp/stratus-cloud-scale-test.XXXXXX)
trap 'rm -f "$OUT"' EXIT
BIN=$BIN NODES=50 INSTANCES=500 USERS=10 CLIENTS=8 NODE_VCPUS=16 NODE_MEMORY=4096 \
  "$SRC/bench/cloud-scale.sh" > "$OUT" || { cat "$OUT"; echo "FAIL: bench/cloud-scale.sh failed" >&2; exit 1; }
cat "$OUT"
for op in run describe list terminate; do
  grep -q "^cloud_${op}_p99 [0-9.]* ms$" "$OUT" || { echo "FAIL: no p99 for $op" >&2; exit 1; }
done
grep -q "^cloud_run_requests 500 count$" "$OUT" || { echo "FAIL: not 500 runs" >&2; exit 1; }
grep -q "^cloud_scheduler_throughput [0-9.]* placements/s$" "$OUT" || { echo "FAIL: no scheduler throughput" >&2; exit 1; }
[ "$(grep -c '^cloud_failures 0 count$' "$OUT")" = 2 ] || { echo "FAIL: failures reported" >&2; exit 1; }
grep -q "^# checked: every instance Destroyed, every slot free$" "$OUT" || { echo "FAIL: end state not checked" >&2; exit 1; }
echo "ok: 50 nodes, 500 instances run, described, listed and terminated; nothing overcommitted, nothing left"
