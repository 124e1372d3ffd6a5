#!/bin/bash
# Issue 10 end to end on a real node: one stratusd in a network namespace
# (scripts/two-hosts.sh, host A) with the network "public" the Nimbus pool
# file describes; the service runs beside it. A user uploads the test
# guest's bootable disk to the S3 repository, registers it as an AMI
# (RegisterImage), runs it with UserData (RunInstances, flavour t1.micro
# resized by ROOT/etc/stratus-cloud/flavours), and reads the guest's
# console through GetConsoleOutput: the guest found its cloud-init seed CD
# and printed the user data. Reboot (the console shows a second boot),
# terminate (the node keeps no guest, disk or seed). First with curl
# --aws-sigv4, then the same flow with the official AWS SDK for JavaScript
# v3 (tests/e2e/aws/ec2_node_sdk.mjs), which also uploads the disk in parts.
BIN=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
GUEST_DIR=${STRATUS_GUEST_DIR:-/var/tmp/stratus-guest}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces, bridges)"; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 0; }
command -v dnsmasq >/dev/null || { echo "SKIP: dnsmasq not installed (the node's DHCP)"; exit 0; }
command -v genisoimage >/dev/null || command -v xorriso >/dev/null ||
  { echo "SKIP: neither genisoimage nor xorriso installed (the cloud-init seed)"; exit 0; }
GUEST_DIR=$GUEST_DIR "$SRC/scripts/make-guest.sh" >/dev/null || fail "cannot build the test guest"
[ -s "$GUEST_DIR/boot.img" ] || fail "the test guest has no boot.img"

TH_DIR=$E2E_TMP TH_BIN=$BIN TH_NET=$(( ($$ % 200) + 20 ))
source "$SRC/scripts/two-hosts.sh"
R=$E2E_TMP/cloud
CONSOLES=$E2E_TMP/consoles
SVC_PID=
cleanup_all() {
  set +e
  [ -n "$SVC_PID" ] && { kill -KILL "$SVC_PID" 2>/dev/null; wait "$SVC_PID" 2>/dev/null; }
  th_down
  e2e_cleanup
}
trap cleanup_all EXIT
on() { "$BIN/stratus" -c "$(th_uri A)" "$@"; }
in_a() { ip netns exec "$(th_ns A)" "$@"; }
prop() { sed -n "s/^$1=//p" "$R/alice.properties"; }

th_up || fail "cannot create the hosts"
th_tokens || fail "cannot create tokens"
th_daemon A || fail "daemon A"
mkdir -p "$CONSOLES"
cat > "$E2E_TMP/public.xml" <<XML
<network>
  <name>public</name>
  <bridge name='stec2br0'/>
  <ip address='192.168.0.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.0.100' end='192.168.0.200'/></dhcp>
  </ip>
</network>
XML
on net-define "$E2E_TMP/public.xml" >/dev/null || fail "net-define public"
on net-start public >/dev/null || fail "net-start public"
on pool-info default | grep -q "^State: *running" || fail "no running default pool"

mkdir -p "$R/etc/stratus-cloud/network-pools"
cp "$SRC/tests/data/cloud/nimbus-network-pool" "$R/etc/stratus-cloud/network-pools/public"
printf '%s %s\n' "$(th_ip A)" "$TH_TOKEN_A" > "$R/etc/stratus-cloud/remotes"
chmod 600 "$R/etc/stratus-cloud/remotes"
echo "t1.micro 1 128   # the test guest needs little" > "$R/etc/stratus-cloud/flavours"
sc() { "$BIN/stratus-cloud" --root "$R" "$@"; }
sc --service-url "http://127.0.0.1:8443" user add alice --properties "$R/alice.properties" >/dev/null || fail "user add"
sc node add "$(th_tcp_uri A)" --memory 192 --vcpus 2 --networks public >/dev/null || fail "node add"
# ip netns exec execs the service: $! is its PID (a function in the background would be a subshell's)
ip netns exec "$(th_ns A)" "$BIN/stratus-cloud" --root "$R" serve --listen 127.0.0.1:8443 --s3-listen 127.0.0.1:8888 --ec2-listen 127.0.0.1:8444 \
  --console-dir "$CONSOLES" >>"$E2E_TMP/service.log" 2>&1 &
SVC_PID=$!
wait_for "in_a python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", 8444), 1)' 2>/dev/null" 20 ||
  { tail -n 20 "$E2E_TMP/service.log" >&2; fail "stratus-cloud serve did not come up"; }
pass "a real node ($(th_tcp_uri A)) and the service with its EC2 API in $(th_ns A)"

KEYS="$(prop stratus.access.key.id):$(prop stratus.secret.access.key)"
ec2() {
  local action=$1; shift
  local args=(--data-urlencode "Action=$action" --data-urlencode "Version=2016-11-15")
  for p in "$@"; do args+=(--data-urlencode "$p"); done
  in_a curl -sS --aws-sigv4 "aws:amz:stratus-1:ec2" --user "$KEYS" "${args[@]}" http://127.0.0.1:8444/
}
xval() { grep -o "<$1>[^<]*</$1>" <<<"$2" | head -1 | sed "s/<[^>]*>//g"; }
in_a curl -sSf --aws-sigv4 "aws:amz:stratus-1:s3" --user "$KEYS" -X PUT http://127.0.0.1:8888/images >/dev/null || fail "CreateBucket"
in_a curl -sSf --aws-sigv4 "aws:amz:stratus-1:s3" --user "$KEYS" -T "$GUEST_DIR/boot.img" http://127.0.0.1:8888/images/boot.img >/dev/null ||
  fail "PutObject boot.img"
out=$(ec2 RegisterImage Name=test-guest ImageLocation=images/boot.img)
AMI=$(xval imageId "$out"); [ -n "$AMI" ] || fail "RegisterImage: $out"
pass "boot.img in S3, registered as $AMI"

MARK="ec2-user-data-$$"
out=$(ec2 RunInstances ImageId="$AMI" MinCount=1 MaxCount=1 InstanceType=t1.micro UserData="$(printf '#cloud-config\nmarker: %s\n' "$MARK" | base64 -w0)")
ID=$(xval instanceId "$out"); [ -n "$ID" ] || fail "RunInstances: $out"
grep -q "<code>16</code><name>running</name>" <<<"$out" || fail "not running: $out"
HANDLE=vm-${ID#i-}
on list --name | grep -qx "$HANDLE" || fail "$HANDLE is not running on the node: $(on list --all)"
on vol-list default | grep -q "$HANDLE.seed.iso" || fail "no seed volume on the node: $(on vol-list default)"
on dumpxml "$HANDLE" | grep -q "device='cdrom'\|device=\"cdrom\"" || fail "no CD-ROM in $HANDLE's domain"
pass "RunInstances: $ID running on the node with its seed CD-ROM"

# The console as GetConsoleOutput returns it, in a file (grep -q on a pipe
# would cut it short, and pipefail would count that as a failure).
console_text() { xval output "$(ec2 GetConsoleOutput InstanceId="$ID")" | base64 -d >"$E2E_TMP/console.txt" 2>/dev/null; cat "$E2E_TMP/console.txt"; }
console_has() { console_text >/dev/null; grep -q -- "$1" "$E2E_TMP/console.txt"; }
console_count() { console_text >/dev/null; grep -c -- "$1" "$E2E_TMP/console.txt"; }
wait_for "console_has GUEST-USERDATA-END" 240 || fail "no user data on the console: $(console_text | tail -5)"
console_text >/dev/null
sed -n '/GUEST-USERDATA-BEGIN/,/GUEST-USERDATA-END/p' "$E2E_TMP/console.txt" >"$E2E_TMP/userdata.txt"
grep -q "^marker: $MARK" "$E2E_TMP/userdata.txt" ||
  fail "the console's user data is not ours: $(console_text | grep -A3 GUEST-USERDATA-BEGIN)"
pass "GetConsoleOutput: the guest printed its UserData from the cidata seed"

out=$(ec2 RebootInstances InstanceId.1="$ID"); grep -q "<return>true</return>" <<<"$out" || fail "RebootInstances: $out"
wait_for "[ \$(console_count GUEST-READY) -ge 2 ]" 240 || fail "no second boot on the console: $(console_text | tail -5)"
pass "RebootInstances: the guest booted again"

out=$(ec2 StopInstances InstanceId.1="$ID"); grep -q "<currentState><code>80</code><name>stopped</name>" <<<"$out" || fail "StopInstances: $out"
# (a reboot is an ACPI power-off and a restart too: this is the second)
[ "$(console_count GUEST-POWERDOWN)" -ge 2 ] || fail "the guest was not powered off by ACPI: $(console_text | grep -E 'GUEST|Power down')"
on list --all --name | grep -qx "$HANDLE" || fail "a stopped instance's domain is gone from the node"
on list --name | grep -qx "$HANDLE" && fail "a stopped instance still runs"
out=$(ec2 StartInstances InstanceId.1="$ID"); grep -q "<currentState><code>16</code><name>running</name>" <<<"$out" || fail "StartInstances: $out"
wait_for "[ \$(console_count GUEST-READY) -ge 3 ]" 240 || fail "no third boot on the console: $(console_text | tail -5)"
pass "StopInstances (ACPI power-off, the domain stays defined), StartInstances (boots again)"

out=$(ec2 TerminateInstances InstanceId.1="$ID"); grep -q "<name>terminated</name>" <<<"$out" || fail "TerminateInstances: $out"
on list --all --name | grep -qx "$HANDLE" && fail "$HANDLE still defined on the node"
on vol-list default | grep -q "$HANDLE" && fail "volumes of $HANDLE left: $(on vol-list default)"
pass "TerminateInstances: no guest, disk or seed left on the node"

# The same flow with the official AWS SDK for JavaScript v3 (issue 10's
# "done when"): multipart upload, RegisterImage, RunInstances with UserData,
# the console proof, tags, reboot, terminate, the errors.
if command -v node >/dev/null && command -v npm >/dev/null; then
  AWS_DIR=$SRC/tests/e2e/aws
  source "$AWS_DIR/sdk.sh"
  aws_sdk_install "$AWS_DIR" "$E2E_TMP/npm.log" || { cat "$E2E_TMP/npm.log" >&2; fail "npm ci in $AWS_DIR failed"; }
  in_a env NODE_NO_WARNINGS=1 node "$AWS_DIR/ec2_node_sdk.mjs" http://127.0.0.1:8444 http://127.0.0.1:8888 \
    "$(prop stratus.access.key.id)" "$(prop stratus.secret.access.key)" "$GUEST_DIR/boot.img" 192.168.0.2 ||
    { tail -n 20 "$E2E_TMP/service.log" >&2; fail "the AWS SDK flow on the real node failed"; }
  [ -z "$(on list --all --name | grep .)" ] || fail "guests left on the node after the SDK flow: $(on list --all)"
  pass "the AWS SDK for JavaScript v3: key pair, multipart upload, RegisterImage, RunInstances with UserData, console proof, tags, reboot, terminate, errors"
else
  echo "SKIP (part): node and npm are not installed: the AWS SDK flow on the real node"
fi
kill -TERM "$SVC_PID"; wait "$SVC_PID" || fail "the service did not stop cleanly"
SVC_PID=
