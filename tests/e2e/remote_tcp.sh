#!/bin/bash
# Issue 8, remote access over TCP: stratusd --listen on 127.0.0.1 (a free
# port the kernel picks), tokens from `stratusd token create`; the CLI with
# -c qemu+tcp://127.0.0.1:PORT/system and the token from STRATUS_TOKEN or a
# remotes file runs list/define/start/event; no token, a wrong token and a
# token revoked while the daemon runs are refused with a clear message; raw
# HTTP without a token gets 401 and the daemon logs the peer.
BIN=$(cd "$1" && pwd)
DATA=$2
source "$(dirname "$0")/lib.sh"

# --listen without any token is refused, saying what to do.
if out=$("$BIN/stratusd" --root "$E2E_TMP/none" --driver test --listen 127.0.0.1:0 2>&1); then
  fail "--listen started without a token"
fi
grep -q "stratusd token create" <<<"$out" || fail "--listen refusal does not say what to do: $out"
pass "--listen without a token refused: $out"

TOKEN=$("$BIN/stratusd" token create --root "$ROOT") || fail "token create"
[[ $TOKEN =~ ^[0-9a-f]{64}$ ]] || fail "token is not 64 hex digits: $TOKEN"
[ "$(stat -c %a "$ROOT/etc/stratus/auth/tokens")" = 600 ] || fail "tokens file mode"
[ "$(stat -c %a "$ROOT/etc/stratus/auth")" = 700 ] || fail "auth dir mode"
list=$("$BIN/stratusd" token list --root "$ROOT") || fail "token list"
[ "$list" = "${TOKEN:0:8}..." ] || fail "token list shows '$list'"
grep -q "$TOKEN" <<<"$list" && fail "token list printed the secret"
pass "token create/list"

chmod 644 "$ROOT/etc/stratus/auth/tokens"
if out=$("$BIN/stratusd" --root "$ROOT" --driver test --listen 127.0.0.1:0 2>&1); then fail "started with a 0644 tokens file"; fi
grep -q "tokens has mode 0644, must be 0600" <<<"$out" || fail "mode refusal unclear: $out"
chmod 600 "$ROOT/etc/stratus/auth/tokens"
pass "a tokens file others can read is refused: $out"

start_daemon --driver test --listen 127.0.0.1:0
wait_for "grep -q 'listening on tcp 127.0.0.1:' '$E2E_TMP/stratusd.log'" 10 || fail "no tcp listen line in the log"
PORT=$(grep -o 'listening on tcp 127.0.0.1:[0-9]*' "$E2E_TMP/stratusd.log" | head -n1 | sed 's/.*://')
TURI="qemu+tcp://127.0.0.1:$PORT/system"
export XDG_CONFIG_HOME=$E2E_TMP/config   # no remotes file yet
unset STRATUS_TOKEN
tst() { "$BIN/stratus" -c "$TURI" "$@"; }

cat >"$E2E_TMP/tcp.xml" <<'XML'
<domain type='qemu'>
  <name>tcpguest</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>
XML

STRATUS_TOKEN=$TOKEN tst define "$E2E_TMP/tcp.xml" >/dev/null || fail "define over tcp"
out=$(STRATUS_TOKEN=$TOKEN tst list --all) || fail "list over tcp"
grep -q "tcpguest.*shut off" <<<"$out" || fail "list over tcp: $out"
pass "STRATUS_TOKEN: define + list over tcp"

# Events over TCP: the stream is live once the daemon counts it.
STRATUS_TOKEN=$TOKEN "$BIN/stratus" -c "$TURI" event --all --loop --timeout 30 >"$E2E_TMP/events" 2>&1 &
EVENT_PID=$!
wait_for "curl -s --unix-socket '$SOCK' http://x/metrics | grep -q '^stratus_event_streams 1'" 10 ||
  fail "event stream over tcp not live"
STRATUS_TOKEN=$TOKEN tst start tcpguest >/dev/null || fail "start over tcp"
wait_for "grep -q \"event 'lifecycle' for domain 'tcpguest': Started\" '$E2E_TMP/events'" 10 ||
  { cat "$E2E_TMP/events" >&2; fail "no Started event over tcp"; }
kill -INT "$EVENT_PID"; wait "$EVENT_PID" 2>/dev/null || true
grep -q "event loop interrupted" "$E2E_TMP/events" || fail "event CLI did not end on SIGINT: $(cat "$E2E_TMP/events")"
pass "event over tcp: $(head -n1 "$E2E_TMP/events")"

# The remotes file (the HOST:PORT line) instead of the environment.
mkdir -p "$XDG_CONFIG_HOME/stratus"
printf '# test peers\n127.0.0.1:%s %s\n' "$PORT" "$TOKEN" >"$XDG_CONFIG_HOME/stratus/remotes"
chmod 600 "$XDG_CONFIG_HOME/stratus/remotes"
out=$(tst domstate tcpguest) || fail "domstate with the remotes file"
[ "$out" = running ] || fail "domstate: $out"
tst destroy tcpguest >/dev/null || fail "destroy over tcp"
pass "remotes file token"

# No token at all / a wrong one: non-zero, virsh's two lines.
rm "$XDG_CONFIG_HOME/stratus/remotes"
if err=$(tst list 2>&1); then fail "list without a token succeeded"; fi
grep -q "^error: failed to connect to the hypervisor" <<<"$err" || fail "no-token message: $err"
grep -q "no token for 127.0.0.1:$PORT" <<<"$err" || fail "no-token reason: $err"
grep -q "$XDG_CONFIG_HOME/stratus/remotes" <<<"$err" || fail "no-token message does not name the file: $err"
pass "no token: $(tail -n1 <<<"$err")"
if err=$(STRATUS_TOKEN=0123456789 tst list 2>&1); then fail "list with a wrong token succeeded"; fi
grep -q "^error: failed to connect to the hypervisor" <<<"$err" || fail "wrong-token message: $err"
grep -q "authentication failed" <<<"$err" || fail "wrong-token reason: $err"
pass "wrong token: $(tail -n1 <<<"$err")"
grep -q "authentication failed from 127.0.0.1:" "$E2E_TMP/stratusd.log" || fail "auth failure not logged with the peer"
grep -q "0123456789" "$E2E_TMP/stratusd.log" && fail "the log holds a whole wrong token"
pass "failures logged with the peer address"

# Raw HTTP without a token: 401 and the JSON error.
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /v1/domains HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >&3
reply=$(timeout 10 cat <&3) || true
exec 3<&-
grep -q "^HTTP/1.1 401" <<<"$reply" || fail "raw request without a token: $reply"
grep -q '"code":"auth-failed"' <<<"$reply" || fail "401 body is not the JSON error: $reply"
pass "raw HTTP without a token: $(head -n1 <<<"$reply" | tr -d '\r')"

# Revoked while the daemon runs: refused at once, no restart.
STRATUS_TOKEN=$TOKEN tst list --all >/dev/null || fail "list before revoke"
"$BIN/stratusd" token revoke --root "$ROOT" "${TOKEN:0:8}" >/dev/null || fail "token revoke"
if err=$(STRATUS_TOKEN=$TOKEN tst list --all 2>&1); then fail "revoked token still works"; fi
grep -q "authentication failed" <<<"$err" || fail "revoked-token message: $err"
NEW=$("$BIN/stratusd" token create --root "$ROOT") || fail "second token"
STRATUS_TOKEN=$NEW tst list --all >/dev/null || fail "a token created while running does not work"
pass "revoke and create take effect without a restart"

kill -TERM "$DAEMON_PID"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" = 0 ] || fail "stratusd exited $rc on SIGTERM"
echo "remote_tcp: all passed"
