#!/bin/bash
# Issue 7, Open vSwitch for real: inside a network namespace this test
# creates, it runs its own ovsdb-server and ovs-vswitchd (private database,
# sockets, logs and pid files under the test's temp dir; userspace datapath,
# so no openvswitch kernel module is needed) and stratusd. A bridge-mode
# network on the OVS bridge stovs0 (<virtualport type='openvswitch'/>) and a
# guest with two NICs on it, one through the network and one as
# <interface type='bridge'> with its own virtualport: the taps become OVS
# ports tagged with the guest's MAC, interface id and UUID, the guest pings
# the bridge's address through both, a daemon restart keeps track of the
# ports, they are gone after destroy and after a shutdown from inside the
# guest, a failed start leaves no port, and net-destroy leaves the OVS
# bridge alone. Nothing leaves the namespace (it has no uplink).
#
# How stratusd finds this private Open vSwitch: ovs-vsctl (which stratusd
# runs) connects to unix:$OVS_RUNDIR/db.sock, OVS_RUNDIR defaulting to
# /var/run/openvswitch. The test exports OVS_RUNDIR (and OVS_DBDIR,
# OVS_LOGDIR, OVS_SYSCONFDIR), so the OVS daemons, the test's own ovs-vsctl
# and stratusd (which passes its environment on) all use $E2E_TMP/ovs.
BIN=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/guest_lib.sh"
# `st ... | grep -q`: grep may exit before st has written everything; with
# pipefail that SIGPIPE would fail the check. grep's verdict is the check.
set +o pipefail

GUEST_DIR=${STRATUS_GUEST_DIR:-/var/tmp/stratus-guest}
guest_test_prereqs "network namespaces, Open vSwitch"
for tool in ip ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl; do
  command -v $tool >/dev/null ||
    fail "$tool is not installed (scripts/install-deps.sh installs openvswitch-switch)"
done
SCHEMA=/usr/share/openvswitch/vswitch.ovsschema
[ -r "$SCHEMA" ] || fail "no Open vSwitch schema at $SCHEMA"

OVS_DIR=$E2E_TMP/ovs
OVSDB_PID=
VSWITCHD_PID=
# stop PID: SIGTERM, then SIGKILL when it lingers; reaps our own children.
stop_pid() {
  local p=$1
  [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null
  wait_for "! kill -0 $p 2>/dev/null" 5 || kill -KILL "$p" 2>/dev/null
  wait "$p" 2>/dev/null
  return 0
}
cleanup() {
  local rc=$?
  set +e
  # set -e ended the test on a command that failed outside a check
  [ "$rc" != 0 ] && [ "$E2E_FAILED" = 0 ] && { echo "FAIL: the test ended with status $rc" >&2; E2E_FAILED=1; }
  # The OVS daemons get SIGTERM first (they are our children: reaped here).
  stop_pid "$VSWITCHD_PID"
  stop_pid "$OVSDB_PID"
  netns_teardown
  if [ "$E2E_FAILED" = 1 ] || [ "${KEEP_LOGS:-}" = 1 ]; then
    for f in "$OVS_DIR"/ovs-vswitchd.log "$E2E_TMP"/stratusd.log "$E2E_TMP"/o1.out; do
      [ -f "$f" ] && { echo "--- tail of $f" >&2; tail -n 20 "$f" >&2; }
    done
  fi
  e2e_cleanup
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; E2E_FAILED=1; exit 1; }
# skip WHY: Open vSwitch cannot run here; say exactly why and pass.
skip() { echo "SKIP: Open vSwitch cannot run here: $*"; exit 0; }
# why DAEMON: its last errors (log file, else what it printed), on one line.
why() {
  local w
  w=$(grep -hE '\|(ERR|EMER|WARN)\|' "$OVS_DIR/$1.log" 2>/dev/null | tail -n 3)
  [ -n "$w" ] || w=$(tail -n 3 "$OVS_DIR/$1.out" 2>/dev/null)
  echo "${w:-no output}" | tr '\n' ' '
}
netns_create stratus-ovs-$$

# ------------------------------------------------------------ Open vSwitch
mkdir -p "$OVS_DIR"
export OVS_RUNDIR=$OVS_DIR OVS_DBDIR=$OVS_DIR OVS_LOGDIR=$OVS_DIR OVS_SYSCONFDIR=$OVS_DIR
vsctl() { ns ovs-vsctl --timeout=10 "$@"; }
ovsdb-tool create "$OVS_DIR/conf.db" "$SCHEMA" || fail "ovsdb-tool create"
# Not --detach: the daemons stay children of this script (ip netns exec
# execs them), so their PIDs are $! (checked against their pid files) and
# cleanup stops and reaps them.
ip netns exec "$NS" ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" --pidfile --log-file --no-chdir \
  >>"$OVS_DIR/ovsdb-server.out" 2>&1 &
OVSDB_PID=$!
wait_for "! kill -0 $OVSDB_PID 2>/dev/null || ns ovs-vsctl --no-wait show >/dev/null 2>&1" 20
kill -0 "$OVSDB_PID" 2>/dev/null || skip "ovsdb-server exited: $(why ovsdb-server)"
ns ovs-vsctl --no-wait show >/dev/null 2>&1 || skip "ovsdb-server does not answer on $OVS_DIR/db.sock: $(why ovsdb-server)"
[ "$(cat "$OVS_DIR/ovsdb-server.pid")" = "$OVSDB_PID" ] || fail "ovsdb-server is not PID $OVSDB_PID"
ns ovs-vsctl --no-wait init || fail "ovs-vsctl init"

ip netns exec "$NS" ovs-vswitchd "unix:$OVS_DIR/db.sock" --pidfile --log-file --no-chdir >>"$OVS_DIR/ovs-vswitchd.out" 2>&1 &
VSWITCHD_PID=$!
wait_for "! kill -0 $VSWITCHD_PID 2>/dev/null || ns ovs-appctl -t ovs-vswitchd version >/dev/null 2>&1" 20
kill -0 "$VSWITCHD_PID" 2>/dev/null ||
  skip "ovs-vswitchd exited: $(why ovs-vswitchd)"
ns ovs-appctl -t ovs-vswitchd version >/dev/null 2>&1 || skip "ovs-vswitchd does not answer ovs-appctl: $(why ovs-vswitchd)"
[ "$(cat "$OVS_DIR/ovs-vswitchd.pid")" = "$VSWITCHD_PID" ] || fail "ovs-vswitchd is not PID $VSWITCHD_PID"
# The userspace datapath (netdev): the kernel has no openvswitch module.
# ovs-vsctl waits until ovs-vswitchd has made the bridge.
vsctl add-br stovs0 -- set Bridge stovs0 datapath_type=netdev ||
  skip "ovs-vswitchd cannot make a userspace (netdev) bridge: $(why ovs-vswitchd)"
ns ip link show stovs0 >/dev/null 2>&1 ||
  skip "ovs-vswitchd made no internal port stovs0: $(why ovs-vswitchd)"
ns ip addr add 10.231.4.1/24 dev stovs0
ns ip addr add 10.231.5.1/24 dev stovs0
ns ip link set stovs0 up
pass "Open vSwitch runs in the namespace: private ovsdb-server and ovs-vswitchd, netdev bridge stovs0 ($(ovs-vswitchd --version | head -n1))"

DAEMON_PREFIX=(ip netns exec "$NS")
start_daemon

# ------------------------------------------------------------ the network
cat > "$E2E_TMP/ovsnet.xml" <<'EOF'
<network>
  <name>ovsnet</name>
  <forward mode='bridge'/>
  <bridge name='stovs0'/>
  <virtualport type='openvswitch'/>
</network>
EOF
cat > "$E2E_TMP/nobr.xml" <<'EOF'
<network>
  <name>nobr</name>
  <forward mode='bridge'/>
  <bridge name='stnoovs0'/>
  <virtualport type='openvswitch'/>
</network>
EOF
st net-define "$E2E_TMP/ovsnet.xml" >/dev/null || fail "net-define ovsnet"
st net-start ovsnet | grep -q "Network ovsnet started" || fail "net-start ovsnet: $(st net-start ovsnet 2>&1)"
st net-define "$E2E_TMP/nobr.xml" >/dev/null || fail "net-define nobr"
out=$(st net-start nobr 2>&1) && fail "a network on a missing OVS bridge started"
echo "$out" | grep -q "stnoovs0" || fail "unclear error for a missing OVS bridge: $out"
pass "an OVS bridge-mode network starts on stovs0; one on a missing OVS bridge fails clearly: $(echo "$out" | tail -n1)"

# ------------------------------------------------------------ a guest on it
MAC1=52:54:00:e7:04:01
MAC2=52:54:00:e7:04:02
IFACEID2=6f1c3f0e-3a51-4d3c-9a34-0123456789ab
guest o1 "$(nic $MAC1 ovsnet)" \
  "<interface type='bridge'><mac address='$MAC2'/><source bridge='stovs0'/><virtualport type='openvswitch'><parameters interfaceid='$IFACEID2'/></virtualport><model type='virtio'/></interface>"
UUID=$(st domuuid o1)
# tap_of MAC: the tap of the guest's NIC with this MAC, from its live XML.
tap_of() {
  st dumpxml o1 | python3 -c '
import sys, xml.etree.ElementTree as ET
for i in ET.parse(sys.stdin).getroot().iter("interface"):
    if i.find("mac").get("address") == sys.argv[1]:
        print(i.find("target").get("dev"))' "$1"
}
TAP1=$(tap_of $MAC1)
TAP2=$(tap_of $MAC2)
[ -n "$TAP1" ] && [ -n "$TAP2" ] || fail "no taps in the live XML: $(st dumpxml o1)"
ports=$(vsctl list-ports stovs0 | sort | tr '\n' ' ')
[ "$ports" = "$(printf '%s\n' "$TAP1" "$TAP2" | sort | tr '\n' ' ')" ] ||
  fail "OVS ports of stovs0 are '$ports', expected $TAP1 and $TAP2"
extid() { vsctl get Interface "$1" "external_ids:$2" | tr -d '"'; }
for t in "$TAP1:$MAC1" "$TAP2:$MAC2"; do
  tap=${t%%:*} mac=${t#*:}
  [ "$(extid "$tap" attached-mac)" = "$mac" ] || fail "$tap: attached-mac is $(extid "$tap" attached-mac), not $mac"
  [ "$(extid "$tap" vm-id)" = "$UUID" ] || fail "$tap: vm-id is $(extid "$tap" vm-id), not $UUID"
  [ "$(extid "$tap" iface-status)" = active ] || fail "$tap: iface-status $(extid "$tap" iface-status)"
  [ -z "$(ns ip -o link show dev "$tap" | grep -o ' master [^ ]*')" ] || fail "$tap is enslaved to a Linux bridge"
  ofport=$(vsctl get Interface "$tap" ofport)
  [ "$ofport" -gt 0 ] 2>/dev/null || fail "OVS did not open $tap (ofport $ofport, error $(vsctl get Interface "$tap" error))"
done
[ "$(extid "$TAP2" iface-id)" = "$IFACEID2" ] || fail "$TAP2: iface-id is $(extid "$TAP2" iface-id), not the interfaceid given"
IFACEID1=$(extid "$TAP1" iface-id)
[ -n "$IFACEID1" ] || fail "$TAP1 has no iface-id"
st dumpxml o1 | grep -q "interfaceid='$IFACEID1'" || fail "live XML does not show $TAP1's interface id $IFACEID1"
st dumpxml o1 | grep -q "<source network='ovsnet' bridge='stovs0'" || fail "live XML: $(st dumpxml o1 | grep -A3 '<interface')"
[ "$(st net-port-list ovsnet | grep -c '[0-9a-f]\{8\}-')" = 1 ] || fail "ovsnet should have 1 port: $(st net-port-list ovsnet)"
pass "taps $TAP1 (network) and $TAP2 (type='bridge') are OVS ports of stovs0 with attached-mac, iface-id, vm-id $UUID"

wait_ticking o1
# The guest runs udhcpc on eth0; there is no DHCP here, so stop it first.
run_in o1 "kill \$(pidof udhcpc) 2>/dev/null; ip addr add 10.231.4.10/24 dev eth0 && ping -c 1 -W 3 10.231.4.1" ||
  fail "the guest cannot ping 10.231.4.1 through the network's OVS port: $(tail -n 5 "$E2E_TMP/o1.out")"
run_in o1 "ip link set eth1 up && ip addr add 10.231.5.10/24 dev eth1 && ping -c 1 -W 3 10.231.5.1" ||
  fail "the guest cannot ping 10.231.5.1 through the type='bridge' OVS port: $(tail -n 5 "$E2E_TMP/o1.out")"
# OVS learnt each guest MAC on its own port: the frames went through OVS.
learnt() { ns ovs-appctl fdb/show stovs0 | awk -v p="$(vsctl get Interface "$1" ofport)" -v m="$2" '$1 == p && $3 == m' | grep -q .; }
learnt "$TAP1" $MAC1 && learnt "$TAP2" $MAC2 ||
  fail "OVS did not learn the guest's MACs on their ports: $(ns ovs-appctl fdb/show stovs0)"
pass "the guest pings the bridge's addresses through both OVS ports (userspace datapath)"

# ------------------------------------------------------------ daemon restart
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
start_daemon
console_open o1  # the old console ended with the old daemon
st domstate o1 | grep -q running || fail "o1 not running after a daemon restart: $(st domstate o1)"
[ "$(st net-port-list ovsnet | grep -c '[0-9a-f]\{8\}-')" = 1 ] || fail "port lost across the restart: $(st net-port-list ovsnet)"
[ "$(vsctl list-ports stovs0 | wc -l)" = 2 ] || fail "OVS ports changed across the restart: $(vsctl list-ports stovs0)"
run_in o1 "ping -c 1 -W 3 10.231.4.1" || fail "the guest lost its OVS port across the daemon restart"
pass "a daemon restart keeps the guest's OVS ports"

st destroy o1 >/dev/null || fail "destroy o1"
[ -z "$(vsctl list-ports stovs0)" ] || fail "OVS ports left after destroy: $(vsctl list-ports stovs0)"
[ -z "$(vsctl --columns=name find Interface "external_ids:vm-id=\"$UUID\"")" ] || fail "OVS interfaces of o1 left"
pass "destroy (after a daemon restart) removes the guest's OVS ports"

# ------------------------------------------------------------ shutdown from inside
# A second boot; the guest powers itself off on the ACPI power button.
st start o1 >/dev/null || fail "start o1 again"
[ "$(vsctl list-ports stovs0 | wc -l)" = 2 ] || fail "o1 started again without its 2 OVS ports: $(vsctl list-ports stovs0)"
: > "$E2E_TMP/o1.out"
console_open o1
wait_ticking o1  # ticks come after GUEST-READY: the power button is armed
st shutdown o1 >/dev/null || fail "shutdown o1"
wait_for "st domstate o1 | grep -q 'shut off'" 60 || fail "o1 did not power off: $(st domstate o1)"
# The ports go before the node hears that QEMU exited.
[ -z "$(vsctl list-ports stovs0)" ] || fail "OVS ports left after the guest powered off: $(vsctl list-ports stovs0)"
pass "a guest that powers itself off leaves no OVS port"

# ------------------------------------------------------------ a start that fails
cat > "$E2E_TMP/bad.xml" <<'EOF'
<interface type='bridge'><mac address='52:54:00:e7:04:09'/><source bridge='stnoovs0'/><virtualport type='openvswitch'/><model type='virtio'/></interface>
EOF
GUEST_DIR=$GUEST_DIR "$SRC/scripts/guest-xml.sh" o2 96 "$E2E_TMP/o2.qcow2" /dev/null > "$E2E_TMP/o2.xml"
python3 - "$E2E_TMP/o2.xml" "$(cat "$E2E_TMP/bad.xml")" "$(nic 52:54:00:e7:04:08 ovsnet)" <<'PY'
import sys
p = sys.argv[1]
x = open(p).read().replace("</devices>", sys.argv[3] + sys.argv[2] + "</devices>")
open(p, "w").write(x)
PY
st define "$E2E_TMP/o2.xml" >/dev/null || fail "define o2"
out=$(st start o2 2>&1) && fail "a guest on a missing OVS bridge started"
echo "$out" | grep -q "stnoovs0" || fail "unclear error for a guest on a missing OVS bridge: $out"
[ -z "$(vsctl list-ports stovs0)" ] || fail "a failed start left OVS ports: $(vsctl list-ports stovs0)"
ns ip -o link | grep -q vnet && fail "a failed start left taps: $(ns ip -o link | grep vnet)"
pass "a start that fails on OVS leaves no port nor tap: $(echo "$out" | tail -n1)"

# ------------------------------------------------------------ net-destroy
st net-destroy ovsnet | grep -q "Network ovsnet destroyed" || fail "net-destroy ovsnet"
vsctl br-exists stovs0 || fail "net-destroy removed the OVS bridge stovs0"
ns ip -o addr show dev stovs0 | grep -q "inet 10.231.4.1/24" || fail "net-destroy touched stovs0's address"
st undefine o1 >/dev/null; st undefine o2 >/dev/null
pass "net-destroy leaves the OVS bridge alone"
pass "Open vSwitch end to end"
