#!/bin/bash
# Issue 8, qemu+ssh://: a real sshd started by this test on 127.0.0.1:2222
# inside a network namespace of its own, with a host key and an authorized
# user key generated here. The CLI runs in that namespace with
# -c qemu+ssh://root@127.0.0.1:2222/system?socket=...&stratus=...; ssh runs
# `stratus proxy --socket ...` on the "remote" side, which relays to the
# daemon's unix socket. SKIPs (77), saying why, without root, ip netns or sshd.
BIN=$(cd "$1" && pwd)
DATA=$2
source "$(dirname "$0")/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespace, sshd)"
command -v ip >/dev/null || skip "no ip (iproute2)"
[ -x /usr/sbin/sshd ] || skip "no /usr/sbin/sshd (openssh-server)"
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || skip "no ssh / ssh-keygen (openssh-client)"

NS=stratus-ssh-$$
SSHD_PID=
MADE_PRIVSEP=
ssh_cleanup() {
  set +e
  if [ -n "$SSHD_PID" ]; then kill "$SSHD_PID" 2>/dev/null; wait "$SSHD_PID" 2>/dev/null; fi
  ip netns del "$NS" 2>/dev/null
  [ -n "$MADE_PRIVSEP" ] && rmdir /run/sshd 2>/dev/null
  e2e_cleanup
}
trap ssh_cleanup EXIT

ip netns add "$NS" || skip "cannot create a network namespace"
ip -n "$NS" link set lo up

K=$E2E_TMP/ssh
mkdir -p "$K/bin"
ssh-keygen -q -t ed25519 -N '' -f "$K/hostkey" || fail "host key"
ssh-keygen -q -t ed25519 -N '' -f "$K/userkey" || fail "user key"
cp "$K/userkey.pub" "$K/authorized_keys"
echo "[127.0.0.1]:2222 $(cut -d' ' -f1,2 "$K/hostkey.pub")" >"$K/known_hosts"
cat >"$K/sshd_config" <<CFG
ListenAddress 127.0.0.1:2222
HostKey $K/hostkey
AuthorizedKeysFile $K/authorized_keys
PidFile $K/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
CFG
if [ ! -d /run/sshd ]; then mkdir -p /run/sshd && chmod 755 /run/sshd && MADE_PRIVSEP=1; fi
ip netns exec "$NS" /usr/sbin/sshd -D -e -f "$K/sshd_config" 2>"$K/sshd.log" &
SSHD_PID=$!
wait_for "ip netns exec '$NS' bash -c ': </dev/tcp/127.0.0.1/2222' 2>/dev/null" 10 ||
  { cat "$K/sshd.log" >&2; fail "sshd did not listen"; }

# `ssh` from PATH, as the CLI runs it: the real client with this test's key
# and known host, no prompts.
cat >"$K/bin/ssh" <<SH
#!/bin/sh
exec /usr/bin/ssh -F none -i "$K/userkey" -o UserKnownHostsFile="$K/known_hosts" \
  -o StrictHostKeyChecking=yes -o BatchMode=yes "\$@"
SH
chmod +x "$K/bin/ssh"

start_daemon --driver test
SURI="qemu+ssh://root@127.0.0.1:2222/system?socket=$SOCK&stratus=$BIN/stratus"
sst() { ip netns exec "$NS" env PATH="$K/bin:$PATH" "$BIN/stratus" -c "$SURI" "$@"; }

cat >"$E2E_TMP/ssh.xml" <<'XML'
<domain type='qemu'>
  <name>sshguest</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>
XML
sst define "$E2E_TMP/ssh.xml" >/dev/null || { cat "$K/sshd.log" >&2; fail "define over ssh"; }
out=$(sst list --all) || fail "list over ssh"
grep -q "sshguest.*shut off" <<<"$out" || fail "list over ssh: $out"
out=$(sst uri) || fail "uri over ssh"
[ "$out" = "$SURI" ] || fail "uri over ssh: $out"
pass "define + list over ssh (sshd in $NS)"

# Started directly (not through sst) so $! is the CLI itself: ip netns exec and env exec it.
ip netns exec "$NS" env PATH="$K/bin:$PATH" "$BIN/stratus" -c "$SURI" event --all --loop --timeout 30 \
  >"$E2E_TMP/events" 2>&1 &
EVENT_PID=$!
wait_for "curl -s --unix-socket '$SOCK' http://x/metrics | grep -q '^stratus_event_streams 1'" 15 ||
  fail "event stream over ssh not live"
sst start sshguest >/dev/null || fail "start over ssh"
wait_for "grep -q \"event 'lifecycle' for domain 'sshguest': Started\" '$E2E_TMP/events'" 10 ||
  { cat "$E2E_TMP/events" >&2; fail "no Started event over ssh"; }
kill -INT "$EVENT_PID"; wait "$EVENT_PID" 2>/dev/null || true
grep -q "event loop interrupted" "$E2E_TMP/events" || fail "event CLI did not end on SIGINT: $(cat "$E2E_TMP/events")"
pass "event over ssh: $(head -n1 "$E2E_TMP/events")"

# A daemon that is not there on the remote side: non-zero, virsh's first line.
BAD="qemu+ssh://root@127.0.0.1:2222/system?socket=$E2E_TMP/nothing.sock&stratus=$BIN/stratus"
if err=$(ip netns exec "$NS" env PATH="$K/bin:$PATH" "$BIN/stratus" -c "$BAD" list 2>&1); then
  fail "list against a missing remote socket succeeded"
fi
grep -q "^error: failed to connect to the hypervisor" <<<"$err" || fail "missing remote socket: $err"
grep -q "cannot connect to stratusd at $E2E_TMP/nothing.sock" <<<"$err" || fail "remote reason not shown: $err"
grep -q "ssh or the remote '.*proxy' ended" <<<"$err" || fail "no hint at ssh: $err"
pass "missing remote daemon: $(tail -n1 <<<"$err")"

# The ssh children are gone once the CLI exits (nothing left in the namespace but sshd).
wait_for "[ -z \"\$(ip netns pids '$NS' | grep -vx '$SSHD_PID' | grep -vx \"\$(cat '$K/sshd.pid' 2>/dev/null)\")\" ]" 10 ||
  fail "processes left in $NS: $(ip netns pids "$NS" | xargs -r ps -o pid,args -p)"
pass "no ssh or proxy left behind"
echo "remote_ssh: all passed"
