# Helpers for end-to-end tests that drive stratusd and stratus as a user
# would. Source it; set BIN (build/bin) and DATA (tests/data) first.
set -euo pipefail

E2E_TMP=$(mktemp -d /tmp/stratus-e2e.XXXXXX)
DAEMON_PID=
E2E_FAILED=0

e2e_cleanup() {
  set +e
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

fail() { echo "FAIL: $*" >&2; E2E_FAILED=1; exit 1; }
pass() { echo "ok: $*"; }

# wait_for COND_CMD TIMEOUT_S: re-check a condition until true (bounded).
wait_for() {
  local cond=$1 deadline=$(( $(date +%s%N) + $2 * 1000000000 ))
  while ! eval "$cond"; do
    [ "$(date +%s%N)" -lt "$deadline" ] || return 1
    sleep 0.02
  done
}

ROOT=$E2E_TMP/root
SOCK=$ROOT/run/stratus/stratusd.sock
URI="qemu+unix:///system?socket=$SOCK"

# DAEMON_PREFIX: a command to run the daemon under (e.g. ip netns exec NS).
DAEMON_PREFIX=()
start_daemon() {
  "${DAEMON_PREFIX[@]}" "$BIN/stratusd" --root "$ROOT" "$@" >>"$E2E_TMP/stratusd.log" 2>&1 &
  DAEMON_PID=$!
  # The socket appears once the daemon accepts requests.
  wait_for "\"$BIN/stratus\" -c '$URI' -q uri >/dev/null 2>&1" 20 || {
    cat "$E2E_TMP/stratusd.log" >&2; fail "stratusd did not come up"; }
}

st() { "$BIN/stratus" -c "$URI" "$@"; }
