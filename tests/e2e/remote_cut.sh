#!/bin/bash
# Issue 8: a cut network is an error, not a hang. Two namespaces joined by a
# veth pair (two "hosts"); stratusd listens on one side, the CLI runs on the
# other. While `stratus event --loop` (no timeout) streams over TCP, the
# link goes down: the CLI must end within the TCP dead-peer bound (30 s,
# kernel keepalives) saying it lost the daemon; a new command gives up after
# the 10 s connect timeout (or at once, when ARP finds nobody). SKIPs (77), saying why, without root or ip netns.
BIN=$(cd "$1" && pwd)
DATA=$2
source "$(dirname "$0")/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null || skip "no ip (iproute2)"

NSA=stratus-cut-a-$$
NSB=stratus-cut-b-$$
EVENT_PID=
cut_cleanup() {
  set +e
  if [ -n "$EVENT_PID" ]; then kill -KILL "$EVENT_PID" 2>/dev/null; wait "$EVENT_PID" 2>/dev/null; fi
  e2e_cleanup
  ip netns del "$NSA" 2>/dev/null
  ip netns del "$NSB" 2>/dev/null
}
trap cut_cleanup EXIT
ip netns add "$NSA" || skip "cannot create a network namespace"
ip netns add "$NSB"
ip link add cut-a-$$ netns "$NSA" type veth peer name cut-b-$$ netns "$NSB" || fail "veth pair"
ip -n "$NSA" addr add 10.251.7.1/30 dev cut-a-$$
ip -n "$NSB" addr add 10.251.7.2/30 dev cut-b-$$
for ns in "$NSA" "$NSB"; do ip -n "$ns" link set lo up; done
ip -n "$NSA" link set cut-a-$$ up
ip -n "$NSB" link set cut-b-$$ up

TOKEN=$("$BIN/stratusd" token create --root "$ROOT") || fail "token create"
DAEMON_PREFIX=(ip netns exec "$NSA")
start_daemon --driver test --listen 10.251.7.1
TURI=qemu+tcp://10.251.7.1/system
wait_for "ip netns exec '$NSB' env STRATUS_TOKEN=$TOKEN '$BIN/stratus' -c $TURI list >/dev/null 2>&1" 10 ||
  fail "no answer across the veth pair"
pass "CLI in $NSB reaches stratusd in $NSA over TCP"

ip netns exec "$NSB" env STRATUS_TOKEN="$TOKEN" "$BIN/stratus" -c "$TURI" event --all --loop \
  >"$E2E_TMP/events" 2>&1 &
EVENT_PID=$!
wait_for "curl -s --unix-socket '$SOCK' http://x/metrics | grep -q '^stratus_event_streams 1'" 10 ||
  fail "event stream not live"
ip -n "$NSA" link set cut-a-$$ down
t0=$(date +%s)
wait_for "! kill -0 $EVENT_PID 2>/dev/null" 60 || fail "event CLI still waiting 60 s after the cut"
rc=0; wait "$EVENT_PID" || rc=$?
EVENT_PID=
took=$(( $(date +%s) - t0 ))
[ "$rc" != 0 ] || fail "event CLI exited 0 after the cut"
grep -q "lost the connection to the daemon" "$E2E_TMP/events" || fail "event CLI did not say why: $(cat "$E2E_TMP/events")"
[ "$took" -le 45 ] || fail "event stream took ${took}s to notice the cut"
pass "event stream ended ${took}s after the cut: $(grep "lost the connection" "$E2E_TMP/events")"

t0=$(date +%s)
if err=$(ip netns exec "$NSB" env STRATUS_TOKEN="$TOKEN" "$BIN/stratus" -c "$TURI" list 2>&1); then
  fail "list succeeded across a cut link"
fi
took=$(( $(date +%s) - t0 ))
[ "$took" -le 20 ] || fail "list took ${took}s to fail"
# ARP for the dead link fails (no route) or the connect times out.
grep -Eq "timed out|No route to host" <<<"$err" || fail "list across the cut: $err"
grep -q "10.251.7.1:16509" <<<"$err" || fail "the error does not name the host: $err"
pass "new command fails in ${took}s: $(tail -n1 <<<"$err")"
echo "remote_cut: all passed"
