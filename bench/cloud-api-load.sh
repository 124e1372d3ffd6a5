#!/bin/bash
# Issue 10's load test: `stratus-cloud serve` in a temp root with one user
# and a few instances on a simulated node; CONCURRENCY clients of the
# official AWS SDK for JavaScript v3 (tests/e2e/aws/load.mjs) send TOTAL
# requests on loopback, in turn DescribeInstances (EC2 Query API), PutObject
# and GetObject (S3, 1 KiB objects). Any error fails the run. Prints `name
# value unit` lines: latency percentiles per operation, throughput.
#
#   BUILD_DIR    build directory (default build); BIN overrides its bin/
#   TOTAL        requests (default 10000)
#   CONCURRENCY  clients (default 32)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
BIN=${BIN:-$PWD/$BUILD_DIR/bin}
TOTAL=${TOTAL:-10000}
CONCURRENCY=${CONCURRENCY:-32}
AWS_DIR=$PWD/tests/e2e/aws
[ -x "$BIN/stratus-cloud" ] || { echo "$BIN/stratus-cloud is missing: cmake --build $BUILD_DIR" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed (the AWS SDK)" >&2; exit 1; }
command -v qemu-img >/dev/null || { echo "qemu-img is needed (images are checked with it)" >&2; exit 1; }
source "$AWS_DIR/sdk.sh"
aws_sdk_install "$AWS_DIR" /dev/stderr || { echo "npm ci in $AWS_DIR failed" >&2; exit 1; }
WORK=$(mktemp -d /tmp/stratus-cloud-api-load.XXXXXX)
R=$WORK/root
SVC_PID=
cleanup() {
  if [ -n "$SVC_PID" ]; then kill -KILL "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); S3PORT=$(free_port); EC2PORT=$(free_port)
sc() { "$BIN/stratus-cloud" --root "$R" "$@"; }
sc --service-url "http://127.0.0.1:$PORT" user add loaduser --properties "$WORK/load.properties" >/dev/null
sc node add test:///default --memory 65536 --vcpus 64 >/dev/null
head -c 65536 /dev/zero > "$WORK/tiny.img"
sc image add tiny "$WORK/tiny.img" --common >/dev/null
"$BIN/stratus-cloud" --root "$R" serve --listen "127.0.0.1:$PORT" --s3-listen "127.0.0.1:$S3PORT" --ec2-listen "127.0.0.1:$EC2PORT" \
  >"$WORK/service.log" 2>&1 &
SVC_PID=$!
for _ in $(seq 200); do
  python3 -c "import socket; [socket.create_connection(('127.0.0.1', p), 1) for p in ($S3PORT, $EC2PORT)]" 2>/dev/null && break
  kill -0 "$SVC_PID" 2>/dev/null || { cat "$WORK/service.log" >&2; exit 1; }
  sleep 0.05
done
for _ in 1 2 3; do
  "$BIN/cloud-client" --conf "$WORK/load.properties" --run --name tiny --hours 1 --json >/dev/null
done
prop() { sed -n "s/^$1=//p" "$WORK/load.properties"; }
EC2_URL=http://127.0.0.1:$EC2PORT
echo "# stratus-cloud serve, 1 user, 3 instances on a simulated node; $CONCURRENCY AWS SDK clients, $TOTAL requests"
echo "# $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%MZ)"
NODE_NO_WARNINGS=1 node "$AWS_DIR/load.mjs" "http://127.0.0.1:$S3PORT" "$EC2_URL" "$(prop stratus.access.key.id)" \
  "$(prop stratus.secret.access.key)" "$TOTAL" "$CONCURRENCY"
