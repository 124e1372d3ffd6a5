#!/bin/bash
# Issue 5 end to end (statistics, memory, pinning) with the project's test
# guest, inside a network namespace this test creates (stratusd, its bridge,
# dnsmasq and QEMU run in it; nothing leaves it): domblkstat grows when the
# guest reads its disk, setmem shrinks the guest's memory through the
# balloon, vcpupin and emulatorpin change the affinity of QEMU's threads,
# domifstat grows with the guest's pings, dommemstat shows the balloon's
# statistics after --period 1, domifaddr finds the DHCP lease and the ARP
# entry, domstats, domblkinfo, domblklist, domiflist and the node's
# statistics answer from the real host.
BIN=$1
SRC=$2
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/guest_lib.sh"
set +o pipefail  # `st ... | grep -q`: grep's verdict is the check

GUEST_DIR=${STRATUS_GUEST_DIR:-/var/tmp/stratus-guest}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces, bridges)"; exit 0; }
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 0; }
for tool in ip dnsmasq; do
  command -v $tool >/dev/null || fail "$tool is not installed (scripts/install-deps.sh installs it)"
done
GUEST_DIR=$GUEST_DIR "$SRC/scripts/make-guest.sh" >/dev/null || fail "cannot build the test guest"

NS=stratus-st-$$
ns() { ip netns exec "$NS" "$@"; }
cleanup() {
  set +e
  for p in "${CONSOLE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "$DAEMON_PID" ]; then kill -KILL "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
  DAEMON_PID=
  # Everything left in the namespace (QEMU, dnsmasq) is ours: by PID.
  for p in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$NS" 2>/dev/null
  e2e_cleanup
}
trap cleanup EXIT
ip netns add "$NS" || fail "cannot create network namespace $NS"
ns ip link set lo up
DAEMON_PREFIX=(ip netns exec "$NS")
start_daemon

# ------------------------------------------------------------------ host
st nodecpustats | grep -Eq '^user: +[0-9]+$' || fail "nodecpustats: $(st nodecpustats 2>&1)"
st nodecpustats --cpu 0 | grep -Eq '^iowait: +[0-9]+$' || fail "nodecpustats --cpu 0"
st nodecpustats --cpu 4096 2>&1 | grep -q "Invalid cpuNum" || fail "nodecpustats of a CPU the host lacks"
total=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
st nodememstats | grep -Eq "^total  : +$total KiB$" || fail "nodememstats: $(st nodememstats 2>&1) (MemTotal $total)"
st nodememstats | grep -Eq '^cached : +[0-9]+ KiB$' || fail "nodememstats lacks cached"
NCPU=$(st nodecpumap | sed -n 's/^CPUs present: *//p')
[ "$NCPU" -ge 1 ] || fail "nodecpumap: $(st nodecpumap)"
pass "nodecpustats, nodememstats, nodecpumap from /proc and /sys"

# ------------------------------------------------------------------ guest
cat > "$E2E_TMP/stnet.xml" <<'EOF'
<network>
  <name>stnet</name>
  <bridge name='ststat0' stp='off'/>
  <ip address='10.232.1.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='10.232.1.100' end='10.232.1.200'/>
    </dhcp>
  </ip>
</network>
EOF
st net-define "$E2E_TMP/stnet.xml" >/dev/null && st net-start stnet >/dev/null || fail "network stnet"

# Two vCPUs (one pinned below), a pty console, a NIC on stnet, the balloon.
GUEST_DIR=$GUEST_DIR "$SRC/scripts/guest-xml.sh" vm 128 "$E2E_TMP/vm.qcow2" /dev/null > "$E2E_TMP/vm.xml"
python3 - "$E2E_TMP/vm.xml" "$(nic 52:54:00:e8:00:01 stnet)" <<'PY'
import re, sys
path, nic = sys.argv[1], sys.argv[2]
x = open(path).read()
x = x.replace("<vcpu placement='static'>1</vcpu>", "<vcpu placement='static'>2</vcpu>")
x = re.sub(r"<serial type='file'>.*?</console>",
           "<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console>" + nic,
           x, flags=re.S)
open(path, "w").write(x)
PY
st define "$E2E_TMP/vm.xml" >/dev/null || fail "define vm"
st start vm >/dev/null || fail "start vm: $(st start vm 2>&1)"
console_open vm
last_tick() { grep -o "tick [0-9]* .*" "$E2E_TMP/vm.out" | tail -n1; }
tick_field() { last_tick | tr ' ' '\n' | sed -n "s/^$1=//p"; }
wait_ip vm 10.232.1.
GUEST_IP=$(guest_ip vm)
QEMU_PID=$(pgrep -f -- "-uuid $(st domuuid vm)" | head -n1)
[ -n "$QEMU_PID" ] && [ -d "/proc/$QEMU_PID" ] || fail "cannot find QEMU's pid"
pass "guest booted with 2 vCPUs and a DHCP lease ($GUEST_IP), QEMU pid $QEMU_PID"

# ------------------------------------------------------------------ block
st domblklist vm | grep -Eq "^ vda +$E2E_TMP/vm.qcow2$" || fail "domblklist: $(st domblklist vm)"
st domblklist vm --details | grep -Eq "^ file +disk +vda +$E2E_TMP/vm.qcow2$" || fail "domblklist --details"
st domblkinfo vm vda | grep -Eq '^Capacity: +[1-9][0-9]*$' || fail "domblkinfo: $(st domblkinfo vm vda 2>&1)"
st domblkinfo vm --all | grep -Eq '^ vda +[0-9]+ +[0-9]+ +[0-9]+$' || fail "domblkinfo --all"
rd() { st domblkstat vm vda | sed -n 's/^vda rd_bytes //p'; }
before=$(rd)
[ -n "$before" ] || fail "domblkstat: $(st domblkstat vm vda 2>&1)"
run_in vm "dd if=/dev/vda of=/dev/null bs=64k count=100" || fail "dd in the guest"
after=$(rd)
[ "$after" -ge $((before + 6553600)) ] || fail "rd_bytes grew from $before to $after only, after reading 6.4 MB"
st domblkstat vm vda --human | grep -Eq '^ number of read operations: +[0-9]+$' || fail "domblkstat --human"
st domblkstat vm | grep -Eq '^ rd_bytes [0-9]+$' || fail "domblkstat summary: $(st domblkstat vm 2>&1)"
st domblkstat vm vdz 2>&1 | grep -q "invalid path: vdz" || fail "domblkstat of a missing disk"
pass "domblklist, domblkinfo; domblkstat rd_bytes $before -> $after after the guest read its disk"

# ------------------------------------------------------------------ memory
mem0=$(tick_field mem_kib)
st setmem vm 98304 >/dev/null || fail "setmem: $(st setmem vm 98304 2>&1)"
wait_for "[ \"\$(tick_field mem_kib)\" -lt $((mem0 - 20000)) ]" 60 ||
  fail "the guest's memory did not shrink after setmem: $mem0 -> $(tick_field mem_kib)"
wait_for "st dommemstat vm | grep -q '^actual 98304$'" 60 || fail "dommemstat actual: $(st dommemstat vm)"
st dominfo vm | grep -q "^Used memory:    98304 KiB" || fail "dominfo after setmem: $(st dominfo vm)"
st dommemstat vm | grep -Eq '^rss [1-9][0-9]*$' || fail "dommemstat rss"
st dommemstat vm --period 1 >/dev/null || fail "dommemstat --period 1: $(st dommemstat vm --period 1 2>&1)"
wait_for "st dommemstat vm | grep -q '^last_update [1-9]'" 30 || fail "no balloon statistics: $(st dommemstat vm)"
for k in swap_in major_fault unused available usable; do
  st dommemstat vm | grep -Eq "^$k [0-9]+$" || fail "dommemstat lacks $k: $(st dommemstat vm)"
done
st memtune vm | grep -q "^hard_limit     : unlimited" || fail "memtune: $(st memtune vm)"
st memtune vm --hard-limit 1G --config >/dev/null || fail "memtune --config"
st memtune vm --config | grep -q "^hard_limit     : 1048576$" || fail "memtune --config shows the new limit"
pass "setmem shrank the guest's memory ($mem0 -> $(tick_field mem_kib) kB); dommemstat after --period 1; memtune"

# ------------------------------------------------------------------- CPUs
vcpu_tid() {  # the thread QEMU named "CPU N/..." (-name debug-threads=on)
  for t in /proc/$QEMU_PID/task/*; do
    grep -q "^CPU $1/" "$t/comm" 2>/dev/null && { basename "$t"; return; }
  done
}
allowed() { sed -n 's/^Cpus_allowed_list:\t*//p' "/proc/$QEMU_PID/task/$1/status"; }
T0=$(vcpu_tid 0); T1=$(vcpu_tid 1)
[ -n "$T0" ] && [ -n "$T1" ] || fail "no vCPU threads in /proc/$QEMU_PID/task"
st vcpuinfo vm | grep -c '^State: *running$' | grep -qx 2 || fail "vcpuinfo: $(st vcpuinfo vm)"
LAST=$((NCPU - 1))
st vcpupin vm 0 $LAST >/dev/null || fail "vcpupin: $(st vcpupin vm 0 $LAST 2>&1)"
[ "$(allowed "$T0")" = "$LAST" ] || fail "vCPU 0's thread $T0 allows $(allowed "$T0"), not $LAST"
st vcpupin vm --vcpu 0 | grep -Eq "^ 0 +$LAST$" || fail "vcpupin query: $(st vcpupin vm)"
st vcpuinfo vm --pretty | grep -q "^CPU Affinity:   $LAST (out of $NCPU)" || fail "vcpuinfo --pretty: $(st vcpuinfo vm --pretty)"
st dumpxml vm | grep -q "<vcpupin vcpu='0' cpuset='$LAST'/>" || fail "live XML lacks the pinning"
st emulatorpin vm 0 >/dev/null || fail "emulatorpin: $(st emulatorpin vm 0 2>&1)"
[ "$(allowed "$QEMU_PID")" = 0 ] || fail "QEMU's main thread allows $(allowed "$QEMU_PID"), not 0"
[ "$(allowed "$T0")" = "$LAST" ] || fail "emulatorpin moved vCPU 0"
st emulatorpin vm | grep -q "^       \*: 0$" || fail "emulatorpin query: $(st emulatorpin vm)"
st vcpupin vm 1 0 --config >/dev/null || fail "vcpupin --config"
st emulatorpin vm $LAST --config >/dev/null || fail "emulatorpin --config"
grep -q "<vcpupin vcpu='1' cpuset='0'/>" "$ROOT/etc/stratus/qemu/vm.xml" || fail "persistent XML lacks vcpupin"
pass "vcpupin / emulatorpin change the threads' affinity (Cpus_allowed_list), --config persists"

# ----------------------------------------------------------------- network
st domiflist vm | grep -Eq '^ vnet[0-9]+ +network +stnet +virtio +52:54:00:e8:00:01$' || fail "domiflist: $(st domiflist vm)"
TAP=$(st domiflist vm | awk '/52:54:00:e8:00:01/ {print $1}')
rxb() { st domifstat vm "$TAP" | sed -n "s/^$TAP rx_packets //p"; }
txb() { st domifstat vm 52:54:00:e8:00:01 | sed -n "s/^52:54:00:e8:00:01 tx_packets //p"; }
rx0=$(rxb); tx0=$(txb)
[ -n "$rx0" ] && [ -n "$tx0" ] || fail "domifstat: $(st domifstat vm "$TAP" 2>&1)"
run_in vm "ping -c 5 -W 2 10.232.1.1" || fail "the guest cannot ping its bridge"
rx1=$(rxb); tx1=$(txb)
[ "$tx1" -ge $((tx0 + 5)) ] || fail "guest tx_packets $tx0 -> $tx1 after 5 pings"
[ "$rx1" -ge $((rx0 + 5)) ] || fail "guest rx_packets $rx0 -> $rx1 after 5 replies"
st domifaddr vm | grep -Eq "^ $TAP +52:54:00:e8:00:01 +ipv4 +$GUEST_IP/24$" || fail "domifaddr (lease): $(st domifaddr vm)"
st domifaddr vm --source arp | grep -Eq "^ $TAP +52:54:00:e8:00:01 +ipv4 +$GUEST_IP/0$" ||
  fail "domifaddr --source arp: $(st domifaddr vm --source arp 2>&1)"
st domifaddr vm --source agent 2>&1 | grep -q "guest agent is not supported" || fail "domifaddr --source agent"
pass "domifstat rx/tx packets $rx0/$tx0 -> $rx1/$tx1 after pings; domifaddr lease and arp"

# ------------------------------------------------------------------ domstats
out=$(st domstats vm)
for k in state.state=1 cpu.time= balloon.current=98304 vcpu.current=2 vcpu.1.time= "net.0.name=$TAP" \
         net.0.rx.pkts= block.0.name=vda block.0.rd.bytes= block.0.capacity=; do
  echo "$out" | grep -q "^  $k" || fail "domstats lacks $k: $out"
done
st domstats --vcpu --list-running | grep -q "^Domain: 'vm'" || fail "domstats --list-running"
[ -z "$(st domstats --list-inactive --state | grep "'vm'")" ] || fail "domstats --list-inactive lists vm"
st domstats --state --json vm | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["stats"]["state.state"] == 1' ||
  fail "domstats --json"
pass "domstats (every group, filters, --json)"

# ------------------------------------------------------- pinning at start
st destroy vm >/dev/null || fail "destroy"
st start vm >/dev/null || fail "restart: $(st start vm 2>&1)"
QEMU_PID=$(pgrep -f -- "-uuid $(st domuuid vm)" | head -n1)
[ -n "$QEMU_PID" ] || fail "no QEMU after the restart"
T1=$(vcpu_tid 1)
[ "$(allowed "$T1")" = 0 ] || fail "after a restart vCPU 1 allows $(allowed "$T1"), not 0 (<vcpupin> at start)"
[ "$(allowed "$QEMU_PID")" = "$LAST" ] || fail "after a restart QEMU allows $(allowed "$QEMU_PID"), not $LAST (<emulatorpin>)"
st destroy vm >/dev/null || fail "destroy"
pass "<cputune> pinning applied when the guest starts"
pass "statistics end to end"
