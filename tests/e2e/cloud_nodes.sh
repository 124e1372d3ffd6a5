#!/bin/bash
# Issue 9 end to end on real nodes: one service node and two real stratusd
# hosts (scripts/two-hosts.sh: network namespaces joined by a veth pair, the
# nodes reached over their token-authenticated TCP API). Each node has the
# network "public" (isolated: no route anywhere) that the Nimbus network
# pool of the same name describes (tests/data/cloud/nimbus-network-pool, the
# course's file). A user uploads the test guest's bootable disk (boot.img,
# raw, and the same as qcow2), runs two workspaces - one lands on each node,
# one a copy of the raw image, one a clone of the qcow2 image's base on its
# node - and sees them Running with
# the pool's addresses; each guest got exactly that address by DHCP from its
# node and printed it on its console. The service is SIGKILLed and restarted
# without losing anything; one workspace is saved as a new image (shut
# down, disk copied back, terminated) and that image boots again on the
# freed slot; the other's lease ends: ACPI shutdown, then destroyed after
# the grace period. At the end the nodes hold no guest, disk or DHCP entry.
BIN=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
GUEST_DIR=${STRATUS_GUEST_DIR:-/var/tmp/stratus-guest}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces, bridges)"; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 0; }
command -v dnsmasq >/dev/null || { echo "SKIP: dnsmasq not installed (the nodes' DHCP)"; exit 0; }
GUEST_DIR=$GUEST_DIR "$SRC/scripts/make-guest.sh" >/dev/null || fail "cannot build the test guest"
[ -s "$GUEST_DIR/boot.img" ] || fail "the test guest has no boot.img"

TH_DIR=$E2E_TMP TH_BIN=$BIN TH_NET=$(( ($$ % 200) + 20 ))
source "$SRC/scripts/two-hosts.sh"
R=$E2E_TMP/cloud
CONSOLES=$E2E_TMP/consoles
PORT=8443
SVC_PID=
stop_service() {
  if [ -n "$SVC_PID" ]; then kill -"${1:-TERM}" "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  SVC_PID=
}
cleanup_all() {
  set +e
  stop_service KILL
  th_down
  e2e_cleanup
}
trap cleanup_all EXIT

on() { local h=$1; shift; "$BIN/stratus" -c "$(th_uri "$h")" "$@"; }
in_a() { ip netns exec "$(th_ns A)" "$@"; }
# The service and its users live in host A's namespace: they reach both
# nodes' TCP API over the veth, and nothing else.
start_service() {
  in_a "$BIN/stratus-cloud" --root "$R" serve --listen "127.0.0.1:$PORT" --grace-seconds 5 \
    --console-dir "$CONSOLES" >>"$E2E_TMP/service.log" 2>&1 &
  SVC_PID=$!
  wait_for "in_a python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT), 1)' 2>/dev/null" 20 ||
    { tail -n 20 "$E2E_TMP/service.log" >&2; fail "stratus-cloud serve did not come up"; }
}
cc() { in_a "$BIN/cloud-client" --conf "$R/alice.properties" "$@"; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['$1'])"; }
console() { cat "$CONSOLES/$1.console" 2>/dev/null || true; }
# The address the guest of workspace H says DHCP gave it.
dhcp_ip() { console "$1" | sed -n 's/^GUEST-DHCP \([0-9.]*\)\/.*/\1/p' | tail -n1; }
domain_on() { on "$1" list --all --name 2>/dev/null | grep -qx "$2"; }

th_up || fail "cannot create the two hosts"
th_tokens || fail "cannot create tokens"
th_daemon A || fail "daemon A"
th_daemon B || fail "daemon B"
mkdir -p "$CONSOLES"
for h in A B; do
  cat > "$E2E_TMP/public-$h.xml" <<EOF
<network>
  <name>public</name>
  <bridge name='stcloud0'/>
  <ip address='192.168.0.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.0.100' end='192.168.0.200'/></dhcp>
  </ip>
</network>
EOF
  on $h net-define "$E2E_TMP/public-$h.xml" >/dev/null || fail "net-define public on $h"
  on $h net-start public >/dev/null || fail "net-start public on $h: $(on $h net-start public 2>&1)"
  on $h pool-info default | grep -q "^State: *running" || fail "no running default pool on $h"
done
pass "two nodes: $(th_tcp_uri A) and $(th_tcp_uri B), each with network 'public' (192.168.0.1/24, isolated)"

# ---- the administrator: a user, the nodes (room for one 128 MiB guest each), the pool ----
mkdir -p "$R/etc/stratus-cloud/network-pools"
cp "$SRC/tests/data/cloud/nimbus-network-pool" "$R/etc/stratus-cloud/network-pools/public"
printf '%s %s\n%s %s\n' "$(th_ip A)" "$TH_TOKEN_A" "$(th_ip B)" "$TH_TOKEN_B" > "$R/etc/stratus-cloud/remotes"
chmod 600 "$R/etc/stratus-cloud/remotes"
sc() { "$BIN/stratus-cloud" --root "$R" "$@"; }
sc --service-url "http://127.0.0.1:$PORT" user add alice --properties "$R/alice.properties" >/dev/null || fail "user add"
for h in A B; do
  sc node add "$(th_tcp_uri $h)" --memory 192 --vcpus 2 --networks public >/dev/null || fail "node add $h"
done
start_service
# both answered a health check through their API
nodes_seen() { sc node list --json | python3 -c 'import json,sys; print(sum(1 for n in json.load(sys.stdin) if n["state"] == "up" and n["last_seen"] > 0))'; }
wait_for "[ \$(nodes_seen) = 2 ]" 20 ||
  fail "nodes not up: $(sc node list)"
pass "service up in $(th_ns A): user alice, two nodes up, pool 'public' from the Nimbus file"

# ---- the user ----
out=$(cc --transfer --sourcefile "$GUEST_DIR/boot.img" --name tiny-guest) || fail "--transfer: $out"
cc --list | grep -q "'tiny-guest'  Size: $(stat -c %s "$GUEST_DIR/boot.img") bytes  Format: raw" ||
  fail "--list after transfer: $(cc --list 2>&1)"
# the same guest as qcow2: a node gets it once and runs clones of it
qemu-img convert -f raw -O qcow2 "$GUEST_DIR/boot.img" "$E2E_TMP/boot.qcow2" || fail "qemu-img convert"
cc --transfer --sourcefile "$E2E_TMP/boot.qcow2" --name tiny-qcow >/dev/null || fail "--transfer qcow2"
j1=$(cc --run --name tiny-guest --hours 1 --network public --memory 128 --json) || fail "--run 1: $j1"
j2=$(cc --run --name tiny-qcow --hours 1 --network public --memory 128 --json) || fail "--run 2: $j2"
h1=$(field handle <<<"$j1"); h2=$(field handle <<<"$j2")
ip1=$(field ip <<<"$j1"); ip2=$(field ip <<<"$j2")
n1=$(field node <<<"$j1"); n2=$(field node <<<"$j2")
[ "$ip1 $(field hostname <<<"$j1")" = "192.168.0.2 pub02" ] || fail "first slot: $j1"
[ "$ip2 $(field hostname <<<"$j2")" = "192.168.0.3 pub03" ] || fail "second slot: $j2"
[ "$n1" != "$n2" ] || fail "both on $n1 (each node has room for one)"
if err=$(cc --run --name tiny-guest --hours 1 --network public --memory 128 2>&1); then fail "a third workspace fit"; fi
grep -q "no node has room for 1 vCPU(s) and 128 MiB on network 'public'" <<<"$err" || fail "third --run: $err"
for h in "$h1" "$h2"; do
  [ "$(cc --status --handle "$h" --json | field state)" = Running ] || fail "$h: $(cc --status --handle "$h")"
done
host_of() { [ "$1" = "$(th_tcp_uri A)" ] && echo A || echo B; }
H1=$(host_of "$n1"); H2=$(host_of "$n2")
domain_on "$H1" "$h1" || fail "$h1 not on node $H1"
domain_on "$H2" "$h2" || fail "$h2 not on node $H2"
on "$H2" vol-dumpxml --pool default "$h2.qcow2" | grep -q "<backingStore>" || fail "$h2's disk is not a clone"
on "$H2" vol-list default | grep -q "image-" || fail "no base of tiny-qcow on $H2: $(on "$H2" vol-list default)"
pass "--run twice: $h1 (raw copy) on $H1 at $ip1 (pub02), $h2 (qcow2 clone) on $H2 at $ip2 (pub03); a third is refused: $(grep -o 'no node has room.*' <<<"$err")"

wait_for "[ \"\$(dhcp_ip $h1)\" = $ip1 ]" 180 || fail "$h1's guest did not get $ip1 by DHCP: $(console "$h1" | tail -5)"
wait_for "[ \"\$(dhcp_ip $h2)\" = $ip2 ]" 180 || fail "$h2's guest did not get $ip2 by DHCP: $(console "$h2" | tail -5)"
pass "each guest got its slot's address from its node's DHCP: $(console "$h1" | grep -m1 GUEST-DHCP), $(console "$h2" | grep -m1 GUEST-DHCP)"

# h2's lease now ends in 36 s; the timer is in the database.
cc --extend --handle "$h2" --hours 0.01 >/dev/null || fail "--extend $h2"
stop_service KILL
start_service
for h in "$h1" "$h2"; do
  j=$(cc --status --handle "$h" --json) || fail "$h lost across a service restart"
  [ "$(field state <<<"$j")" = Running ] || fail "$h after restart: $j"
done
[ "$(cc --status --handle "$h1" --json | field ip)" = "$ip1" ] || fail "$h1's address changed"
[ "$(console "$h1" | grep -c GUEST-READY)" = 1 ] || fail "$h1's guest booted again"
pass "service SIGKILLed and restarted: both workspaces Running with their addresses, guests untouched"

# ---- save h1 as a new image ----
out=$(cc --save --handle "$h1" --newname saved-guest) || fail "--save: $out"
grep -q "Saved as image 'saved-guest'" <<<"$out" || fail "--save output: $out"
console "$h1" | grep -q GUEST-POWERDOWN || fail "$h1 was not shut down before its disk was copied"
cc --list | grep -q "'saved-guest'  Size: $(stat -c %s "$GUEST_DIR/boot.img") bytes  Format: raw" ||
  fail "saved image: $(cc --list)"
! domain_on "$H1" "$h1" || fail "$h1 still defined on $H1 after --save"
! cc --status --json | grep -q "$h1" || fail "$h1 still listed after --save"
pass "--save: $h1 powered off, its disk is image 'saved-guest', the workspace terminated"

# The saved image boots, on the freed node, with the freed slot.
j3=$(cc --run --name saved-guest --hours 1 --network public --memory 128 --json) || fail "--run saved-guest: $j3"
h3=$(field handle <<<"$j3")
[ "$(field ip <<<"$j3")" = "$ip1" ] || fail "the freed slot was not reused: $j3"
[ "$(field node <<<"$j3")" = "$n1" ] || fail "not on the freed node: $j3"
wait_for "[ \"\$(dhcp_ip $h3)\" = $ip1 ]" 180 || fail "$h3 (saved image) did not boot to DHCP: $(console "$h3" | tail -5)"
pass "the saved image boots as $h3 on $H1 and gets $ip1 again"

# ---- h2's lease ends: ACPI shutdown, then destroyed after the grace period ----
wait_for "grep -q 'lease: shutdown $h2' '$E2E_TMP/service.log'" 90 || fail "$h2's lease did not end: $(cc --status --handle "$h2")"
wait_for "console $h2 | grep -q GUEST-POWERDOWN" 30 || fail "$h2's guest was not asked to power off"
wait_for "! cc --status --json | grep -q $h2" 30 || fail "$h2 not destroyed after the grace period: $(cc --status --handle "$h2")"
grep -q "lease: destroy $h2" "$E2E_TMP/service.log" || fail "no destroy logged for $h2"
! domain_on "$H2" "$h2" || fail "$h2 still defined on $H2"
pass "$h2's lease ended: shut down (ACPI), destroyed 5 s later, gone from $H2"

cc --terminate --handle "$h3" >/dev/null || fail "--terminate $h3"
for h in A B; do
  [ -z "$(on $h list --all --name | grep .)" ] || fail "guests left on $h: $(on $h list --all)"
  ! on $h net-dumpxml public | grep -q "<host " || fail "DHCP entries left on $h: $(on $h net-dumpxml public)"
  ! on $h vol-list default | grep -Eq "vm-|image-" || fail "disks left on $h: $(on $h vol-list default)"
done
pass "terminated: no guest, DHCP entry or disk left on either node"
