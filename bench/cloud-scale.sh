#!/bin/bash
# Issue 9's scale benchmark: `stratus-cloud serve` with NODES simulated
# nodes (test:///WORK/scale-node.xml?node=NNNN: each its own in-process host,
# made from one libvirt node file whose network `default` is a /16) and
# INSTANCES instances run, described (one by one and each user's list) and
# terminated through the REST API by CLIENTS concurrent keep-alive clients
# (build/bin/cloud-load). Every instance has one NIC: it leases a slot of the
# pool `default` (one slot per instance, explicit MACs) and gets a DHCP host
# entry on its node's `default` network, as a real run does.
# Prints `name value unit` lines; `#` lines are facts. Checks the result:
# every instance Running, no node given more vCPUs or memory than it has
# (from the API's answers and from the database), every address leased once;
# after terminate every instance is Destroyed and every slot is free.
#
#   BUILD_DIR   build directory (default build); BIN overrides its bin/
#   NODES       simulated nodes (default 1000), each NODE_VCPUS vCPUs (16) and NODE_MEMORY MiB (8192)
#   INSTANCES   instances (default 10000), 1 vCPU and 256 MiB each
#   USERS       users the instances are spread over (default 100)
#   CLIENTS     concurrent clients (default 16)
#   STRATEGY    greedy-fill (default) or round-robin
#   KEEP        when set, the temp root is kept (its path is printed)
#   PROFILE     when set, `perf record -g` samples the service during the run phase into this file
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=${BIN:-$PWD/$BUILD_DIR/bin}
NODES=${NODES:-1000}
INSTANCES=${INSTANCES:-10000}
USERS=${USERS:-100}
CLIENTS=${CLIENTS:-16}
NODE_VCPUS=${NODE_VCPUS:-16}
NODE_MEMORY=${NODE_MEMORY:-8192}
STRATEGY=${STRATEGY:-greedy-fill}
for b in stratus-cloud cloud-load; do
  [ -x "$BIN/$b" ] || { echo "$BIN/$b is missing: cmake --build $BUILD_DIR --target stratus-cloud cloud-load" >&2; exit 1; }
done
command -v qemu-img >/dev/null || { echo "qemu-img is needed (images are checked with it)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/stratus-cloud-scale.XXXXXX)
R=$WORK/root
SVC_PID=
cleanup() {
  if [ -n "$SVC_PID" ]; then kill "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  if [ -n "${KEEP:-}" ]; then echo "# kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
sc() { "$BIN/stratus-cloud" --root "$R" "$@"; }
now_s() { echo "${EPOCHREALTIME}"; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN {printf "%.2f", b - a}'; }
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print("\n".join("|".join(map(str,r)) for r in c.execute(sys.argv[2])))' \
          "$R/var/lib/stratus-cloud/cloud.db" "$1"; }
fail() { echo "FAIL: $*" >&2; [ -f "$WORK/service.log" ] && tail -20 "$WORK/service.log" >&2; exit 1; }

echo "# date $(date -Is); host $(uname -srm); nproc $(nproc); build $BUILD_DIR"
echo "# $NODES nodes x ($NODE_VCPUS vCPUs, $NODE_MEMORY MiB), $INSTANCES instances (1 vCPU, 256 MiB, 1 NIC), $USERS users, $CLIENTS clients, $STRATEGY"
(( NODES * NODE_VCPUS >= INSTANCES && NODES * NODE_MEMORY >= INSTANCES * 256 )) ||
  fail "$NODES nodes cannot hold $INSTANCES instances"

# Users: quotas that let USERS of them run INSTANCES together.
PER_USER=$(( (INSTANCES + USERS - 1) / USERS ))
t=$(now_s)
: > "$WORK/tokens"
for u in $(seq -f '%04g' 1 "$USERS"); do
  sc user add "user$u" --properties "$WORK/user$u.properties" --instances "$PER_USER" --vcpus "$PER_USER" \
    --memory $(( PER_USER * 256 )) >/dev/null
  sed -n 's/^stratus.client.token=//p' "$WORK/user$u.properties" >> "$WORK/tokens"
done
echo "cloud_user_add_total $(elapsed "$t") s"

# Nodes: each a simulated host of its own inside the service, all made
# from one node file: the network `default` (10.200.0.0/16, where the pool's
# slots are: the node checks a DHCP host's address against its subnet) and
# the disk pool `default`.
cat > "$WORK/scale-node.xml" <<NODE
<node>
  <cpu><nodes>1</nodes><sockets>1</sockets><cores>$NODE_VCPUS</cores><threads>1</threads></cpu>
  <memory>$(( NODE_MEMORY * 1024 ))</memory>
  <network>
    <name>default</name>
    <forward mode='nat'/>
    <bridge name='virbr0'/>
    <ip address='10.200.0.1' netmask='255.255.0.0'>
      <dhcp><range start='10.200.0.2' end='10.200.255.254'/></dhcp>
    </ip>
  </network>
  <pool type='dir'>
    <name>default</name>
    <target><path>/var/lib/stratus/images</path></target>
  </pool>
</node>
NODE
t=$(now_s)
for n in $(seq -f '%04g' 1 "$NODES"); do
  sc node add "test://$WORK/scale-node.xml?node=$n" --memory "$NODE_MEMORY" --vcpus "$NODE_VCPUS" --networks default >/dev/null
done
echo "cloud_node_add_total $(elapsed "$t") s"

# The pool `default`: one slot per instance, 10.200.0.0/16, explicit MACs
# (generated ones are 24-bit hashes: 10,000 of them would collide).
mkdir -p "$R/etc/stratus-cloud/network-pools"
python3 - "$INSTANCES" > "$R/etc/stratus-cloud/network-pools/default" <<'EOF'
import sys
n = int(sys.argv[1])
print("10.200.0.1")
for k in range(n):
    print(f"vm{k:05d} 10.200.{k // 250}.{k % 250 + 2} 10.200.0.1 10.200.255.255 255.255.0.0 52:54:01:{k >> 16 & 255:02x}:{k >> 8 & 255:02x}:{k & 255:02x}")
EOF
head -c 1048576 /dev/zero > "$WORK/tiny.img"
sc image add tiny "$WORK/tiny.img" --common >/dev/null

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
t=$(now_s)
"$BIN/stratus-cloud" --root "$R" serve --listen "127.0.0.1:$PORT" --s3-listen 127.0.0.1:0 --ec2-listen 127.0.0.1:0 --strategy "$STRATEGY" >"$WORK/service.log" 2>&1 &
SVC_PID=$!
for _ in $(seq 400); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
  kill -0 "$SVC_PID" 2>/dev/null || fail "stratus-cloud serve exited"
  sleep 0.05
done
echo "cloud_serve_start $(elapsed "$t") s"
rss() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$SVC_PID/status"; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$SVC_PID/status"; }
# The first health check opens every simulated node: what they cost alone.
t=$(now_s)
for _ in $(seq 1200); do
  [ "$(sql "SELECT COUNT(*) FROM nodes WHERE last_seen > 0")" = "$NODES" ] && break
  sleep 0.05
done
[ "$(sql "SELECT COUNT(*) FROM nodes WHERE state = 'up' AND last_seen > 0")" = "$NODES" ] ||
  fail "not every node answered the first health check: $(sql "SELECT state, COUNT(*) FROM nodes GROUP BY state")"
echo "cloud_nodes_up $(elapsed "$t") s"
echo "cloud_serve_rss_nodes $(rss) MiB"
echo "cloud_serve_threads_nodes $(threads) count"

LOAD=("$BIN/cloud-load" --port "$PORT" --tokens "$WORK/tokens" --image tiny --network default
      --instances "$INSTANCES" --clients "$CLIENTS" --node-vcpus "$NODE_VCPUS" --node-memory "$NODE_MEMORY"
      --handles "$WORK/handles")
PERF_PID=
if [ -n "${PROFILE:-}" ]; then
  perf record -F 499 -g -o "$PROFILE" -p "$SVC_PID" >/dev/null 2>&1 &
  PERF_PID=$!
fi
t0=$(now_s)
"${LOAD[@]}" --phases run || fail "cloud-load run"
if [ -n "$PERF_PID" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" || true; fi
echo "cloud_serve_rss_loaded $(rss) MiB"
echo "cloud_serve_threads_loaded $(threads) count"

# The database's own word, while all of them run.
[ "$(sql "SELECT COUNT(*) FROM instances WHERE state = 'Running'")" = "$INSTANCES" ] ||
  fail "Running in the database: $(sql "SELECT state, COUNT(*) FROM instances GROUP BY state")"
over=$(sql "SELECT n.uri FROM nodes n JOIN instances i ON i.node_id = n.id AND i.state NOT IN ('Destroyed', 'Corrupted')
            GROUP BY n.id HAVING SUM(i.vcpus) > n.vcpus OR SUM(i.memory_mib) > n.memory_mib")
[ -z "$over" ] || fail "overcommitted nodes: $over"
[ "$(sql "SELECT COUNT(DISTINCT ip) FROM nic_leases")" = "$INSTANCES" ] || fail "leases: $(sql "SELECT COUNT(*), COUNT(DISTINCT ip) FROM nic_leases")"
echo "# checked: $INSTANCES Running in the database, no node overcommitted, $INSTANCES distinct slots leased"

"${LOAD[@]}" --phases describe,list,terminate || fail "cloud-load describe/list/terminate"
echo "cloud_all_total $(elapsed "$t0") s"
[ "$(sql "SELECT COUNT(*) FROM nic_leases")" = 0 ] || fail "slots still leased after terminate"
[ "$(sql "SELECT COUNT(*) FROM instances WHERE state != 'Destroyed'")" = 0 ] ||
  fail "after terminate: $(sql "SELECT state, COUNT(*) FROM instances GROUP BY state")"
echo "# checked: every instance Destroyed, every slot free"
echo "cloud_serve_rss_end $(rss) MiB"
kill "$SVC_PID"
wait "$SVC_PID" || fail "stratus-cloud serve did not stop cleanly on SIGTERM"
SVC_PID=
grep -q "lease:" "$WORK/service.log" && fail "a lease ended during the benchmark: $(grep lease: "$WORK/service.log" | head -3)"
echo "# done"
