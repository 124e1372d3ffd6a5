#!/bin/bash
# Issue 10: the official AWS SDK for JavaScript v3 (@aws-sdk/client-ec2 and
# client-s3 from npm, versions pinned by tests/e2e/aws/package-lock.json)
# against the EC2 Query API of `stratus-cloud serve`, unchanged, on a
# simulated node (tests/e2e/aws/ec2_sdk.mjs).
BIN=$1
source "$(dirname "$0")/lib.sh"
AWS_DIR=$(cd "$(dirname "$0")/aws" && pwd)
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "SKIP: node and npm are not installed (Debian package nodejs; scripts/install-deps.sh)"; exit 0; }
command -v qemu-img >/dev/null || { echo "SKIP: qemu-img not installed (images are checked with it)"; exit 0; }
command -v ssh-keygen >/dev/null || { echo "SKIP: ssh-keygen not installed (openssh-client makes key pairs)"; exit 0; }
# The SDK from the npm registry, as package-lock.json pins it (kept between runs).
source "$AWS_DIR/sdk.sh"
aws_sdk_install "$AWS_DIR" "$E2E_TMP/npm.log" || { cat "$E2E_TMP/npm.log" >&2; fail "npm ci in $AWS_DIR failed"; }
R=$E2E_TMP/cloud
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
S3PORT=$(free_port)
EC2PORT=$(free_port)
SVC_PID=
trap '[ -n "$SVC_PID" ] && { kill -KILL "$SVC_PID" 2>/dev/null; wait "$SVC_PID" 2>/dev/null; }; e2e_cleanup' EXIT
sc() { "$BIN/stratus-cloud" --root "$R" "$@"; }
sc --service-url "http://127.0.0.1:$PORT" user add sdkuser --properties "$R/sdk.properties" >/dev/null || fail "user add"
prop() { sed -n "s/^$1=//p" "$R/sdk.properties"; }
sc node add test:///default --memory 65536 --vcpus 64 --networks default >/dev/null || fail "node add"
mkdir -p "$R/etc/stratus-cloud/network-pools"
{
  echo 192.168.122.1
  for i in $(seq 10 19); do echo "vm$i 192.168.122.$i 192.168.122.1 192.168.122.255 255.255.255.0"; done
} >"$R/etc/stratus-cloud/network-pools/default"
qemu-img create -q -f qcow2 "$E2E_TMP/disk.qcow2" 16M || fail "qemu-img create"
"$BIN/stratus-cloud" --root "$R" serve --listen "127.0.0.1:$PORT" --s3-listen "127.0.0.1:$S3PORT" \
  --ec2-listen "127.0.0.1:$EC2PORT" >>"$E2E_TMP/service.log" 2>&1 &
SVC_PID=$!
wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $EC2PORT), 1)' 2>/dev/null" 20 ||
  { cat "$E2E_TMP/service.log" >&2; fail "stratus-cloud serve did not open the EC2 port"; }
node "$AWS_DIR/ec2_sdk.mjs" "http://127.0.0.1:$EC2PORT" "http://127.0.0.1:$S3PORT" "$(prop stratus.access.key.id)" \
  "$(prop stratus.secret.access.key)" "$E2E_TMP/disk.qcow2" ||
  { tail -30 "$E2E_TMP/service.log" >&2; fail "the AWS SDK run failed"; }
kill -TERM "$SVC_PID"; wait "$SVC_PID" || fail "the service did not stop cleanly"
SVC_PID=
pass "AWS SDK for JavaScript v3 (client-ec2) against the EC2 Query API"
