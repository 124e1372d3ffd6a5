#!/bin/bash
# Issue 10: the official AWS SDK for JavaScript v3 (@aws-sdk/client-s3 and
# @aws-sdk/lib-storage from npm, versions pinned by tests/e2e/aws/
# package-lock.json) against the S3 repository of `stratus-cloud serve`,
# unchanged: its default CRC32 checksums (headers, and aws-chunked trailers
# for streams), multipart uploads, listings, errors.
BIN=$1
source "$(dirname "$0")/lib.sh"
AWS_DIR=$(cd "$(dirname "$0")/aws" && pwd)
command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "SKIP: node and npm are not installed (Debian package nodejs; scripts/install-deps.sh)"; exit 0; }
# The SDK from the npm registry, as package-lock.json pins it (kept between runs).
source "$AWS_DIR/sdk.sh"
aws_sdk_install "$AWS_DIR" "$E2E_TMP/npm.log" || { cat "$E2E_TMP/npm.log" >&2; fail "npm ci in $AWS_DIR failed"; }
R=$E2E_TMP/cloud
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
S3PORT=$(free_port)
SVC_PID=
trap '[ -n "$SVC_PID" ] && { kill -KILL "$SVC_PID" 2>/dev/null; wait "$SVC_PID" 2>/dev/null; }; e2e_cleanup' EXIT
"$BIN/stratus-cloud" --root "$R" --service-url "http://127.0.0.1:$PORT" user add sdkuser --properties "$R/sdk.properties" >/dev/null ||
  fail "user add"
prop() { sed -n "s/^$1=//p" "$R/sdk.properties"; }
"$BIN/stratus-cloud" --root "$R" serve --listen "127.0.0.1:$PORT" --s3-listen "127.0.0.1:$S3PORT" --ec2-listen 127.0.0.1:0 >>"$E2E_TMP/service.log" 2>&1 &
SVC_PID=$!
wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $S3PORT), 1)' 2>/dev/null" 20 ||
  { cat "$E2E_TMP/service.log" >&2; fail "stratus-cloud serve did not open the S3 port"; }
node "$AWS_DIR/s3_sdk.mjs" "http://127.0.0.1:$S3PORT" "$(prop stratus.access.key.id)" "$(prop stratus.secret.access.key)" ||
  { tail -30 "$E2E_TMP/service.log" >&2; fail "the AWS SDK run failed"; }
kill -TERM "$SVC_PID"; wait "$SVC_PID" || fail "the service did not stop cleanly"
SVC_PID=
pass "AWS SDK for JavaScript v3 against the S3 repository"
