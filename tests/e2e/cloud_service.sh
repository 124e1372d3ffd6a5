#!/bin/bash
# Issue 9, the service node end to end on simulated nodes (test:///): the
# administrator registers a user, a node and a network pool, adds an image;
# the user's cloud-client runs workspaces, sees them Running with the slot's
# address, extends and terminates one; another's lease ends (shutdown, then
# destroyed after the grace period); the service is SIGKILLed and restarted
# in between and loses nothing. (Real nodes, real guests and DHCP are the
# next step: see docs/cloud.md.)
BIN=$1
source "$(dirname "$0")/lib.sh"
R=$E2E_TMP/cloud
sc() { "$BIN/stratus-cloud" --root "$R" "$@"; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SVC_PID=
stop_service() {
  if [ -n "$SVC_PID" ]; then kill -"${1:-TERM}" "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  SVC_PID=
}
trap 'stop_service KILL; e2e_cleanup' EXIT
start_service() {
  # the binary itself in the background (not the sc function's subshell): $! must be its PID
  # --s3-listen/--ec2-listen port 0: any free port, so a service elsewhere on 8888/8444 does not stop this one
  "$BIN/stratus-cloud" --root "$R" serve --listen "127.0.0.1:$PORT" --s3-listen 127.0.0.1:0 --ec2-listen 127.0.0.1:0 --grace-seconds 2 >>"$E2E_TMP/service.log" 2>&1 &
  SVC_PID=$!
  wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT), 1)' 2>/dev/null" 20 ||
    { cat "$E2E_TMP/service.log" >&2; fail "stratus-cloud serve did not come up"; }
}
cc() { "$BIN/cloud-client" --conf "$R/alice.properties" "$@"; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['$1'])"; }

sc --service-url "http://127.0.0.1:$PORT" user add alice --properties "$R/alice.properties" >/dev/null || fail "user add"
sc node add test:///default --memory 4096 --vcpus 8 --networks default >/dev/null || fail "node add"
mkdir -p "$R/etc/stratus-cloud/network-pools"
printf '192.168.122.1\n# hostname ip gateway broadcast netmask\nvm10 192.168.122.10 192.168.122.1 192.168.122.255 255.255.255.0\nvm11 192.168.122.11 192.168.122.1 none none\n' \
  > "$R/etc/stratus-cloud/network-pools/default"
head -c 65536 /dev/zero > "$E2E_TMP/tiny.img"
command -v qemu-img >/dev/null || { echo "SKIP: qemu-img not installed (images are checked with it)"; exit 0; }
sc image add tiny "$E2E_TMP/tiny.img" --common >/dev/null || fail "image add"
start_service
pass "service up on 127.0.0.1:$PORT with a user, a simulated node, a network pool and an image"

cc --list | grep -q "'tiny' (common)" || fail "--list: $(cc --list 2>&1)"
# --transfer on a terminal shows a progress line (script(1) gives it one)
out=$(script -qec "$BIN/cloud-client --conf $R/alice.properties --transfer --sourcefile $E2E_TMP/tiny.img --name mine" /dev/null) ||
  fail "--transfer: $out"
grep -q "Transfer: \[100 %\] 0.1 of 0.1 MiB" <<<"$out" || fail "no progress line: $out"
cc --list | grep -q "'mine'  Size: 65536 bytes  Format: raw" || fail "--list after --transfer: $(cc --list)"
if err=$(cc --transfer --sourcefile "$E2E_TMP/tiny.img" --name mine 2>&1); then fail "a taken image name was accepted"; fi
grep -q "image 'mine' already exists" <<<"$err" || fail "taken name: $err"
cc --delete --name mine | grep -q "Deleted 'mine'." || fail "--delete"
out=$(cc --run --name tiny --hours 1 --network default) || fail "--run: $out"
grep -q "Creating workspace \"vm-" <<<"$out" || fail "--run output: $out"
grep -q "IP address: 192.168.122.10" <<<"$out" || fail "--run address: $out"
h1=$(grep -o "vm-[0-9a-f]*" <<<"$out" | head -1)
# --client-token: a retried --run is the same workspace, not a second one
again=$(cc --run --name tiny --hours 1 --network default --client-token retry-1 --json) || fail "--run --client-token: $again"
[ "$(cc --run --name tiny --hours 1 --network default --client-token retry-1 --json | field handle)" = "$(field handle <<<"$again")" ] ||
  fail "a retried --run with the same client token made another workspace"
cc --terminate --handle "$(field handle <<<"$again")" >/dev/null || fail "--terminate the retried workspace"
[ "$(cc --status --handle "$(field handle <<<"$again")" --json | field state)" = Cancelled ] || fail "a terminated workspace is not Cancelled"
j=$(cc --status --handle "$h1" --json) || fail "--status --json"
[ "$(field state <<<"$j")" = Running ] || fail "state: $j"
[ "$(field ip <<<"$j")" = 192.168.122.10 ] || fail "ip: $j"
[ "$(field hostname <<<"$j")" = vm10 ] || fail "hostname: $j"
[ "$(field node <<<"$j")" = test:///default ] || fail "node: $j"
pass "--run: $h1 Running at 192.168.122.10 (vm10) on test:///default"

# a short lease: shut down when it ends, destroyed after the grace period
j=$(cc --run --name tiny --hours 0.001 --network default --json) || fail "--run short"
h2=$(field handle <<<"$j")
[ "$(field ip <<<"$j")" = 192.168.122.11 ] || fail "second slot: $j"
if err=$(cc --run --name tiny --network default 2>&1); then fail "a third workspace got a slot"; fi
grep -q "no free slot" <<<"$err" || fail "pool exhausted: $err"

cc --extend --handle "$h1" --hours 2 --json | grep -q '"state":"Running"' || fail "--extend: $(cc --extend --handle "$h1" --hours 2 2>&1)"

# The service dies and comes back: nothing is lost, the lease timer goes on.
# (A simulated node lives inside the service and does not survive it: its
# guests come back Unknown. Real nodes keep theirs.)
stop_service KILL
python3 -c 'import socket; socket.create_connection(("127.0.0.1", '"$PORT"'), 1)' 2>/dev/null && fail "the killed service still answers"
start_service
[ "$(cc --status --handle "$h1" --json | field handle)" = "$h1" ] || fail "$h1 lost across a service restart"
wait_for "! cc --status --json | grep -q $h2" 30 || fail "$h2 not destroyed after its lease: $(cc --status --json)"
grep -q "lease: shutdown $h2" "$E2E_TMP/service.log" || fail "no shutdown logged: $(tail "$E2E_TMP/service.log")"
grep -q "lease: destroy $h2" "$E2E_TMP/service.log" || fail "no destroy logged"
pass "service SIGKILLed and restarted: $h1 still there; $h2's lease ended: shut down, then destroyed"

cc --terminate --handle "$h1" | grep -q "Terminating workspace '$h1'... done." || fail "--terminate"
cc --status | grep -q "There are no workspaces." || fail "status after terminate: $(cc --status)"
if err=$(cc --terminate --handle "$h1" 2>&1); then fail "terminated twice"; fi
bad=$E2E_TMP/bad.properties
sed 's/stratus.client.token=.*/stratus.client.token=0000/' "$R/alice.properties" > "$bad"
if err=$("$BIN/cloud-client" --conf "$bad" --status 2>&1); then fail "a wrong token was accepted"; fi
grep -q "authentication failed" <<<"$err" || fail "wrong token: $err"
pass "--extend, --terminate, a wrong token refused"
