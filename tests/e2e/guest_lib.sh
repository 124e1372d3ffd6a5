# Helpers for end-to-end tests that boot the project's test guest
# (scripts/make-guest.sh) with NICs and drive it through its console.
# Source after lib.sh; set SRC (the source tree) and GUEST_DIR first. The
# caller's cleanup stops the consoles: kill every PID in CONSOLE_PIDS.
CONSOLE_PIDS=()

# guest_test_prereqs WHAT: skip (exit 0, saying why) unless root and QEMU are
# here (WHAT names what root is needed for), then build the test guest.
guest_test_prereqs() {
  [ "$(id -u)" = 0 ] || { echo "SKIP: needs root ($1)"; exit 0; }
  command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 0; }
  GUEST_DIR=$GUEST_DIR "$SRC/scripts/make-guest.sh" >/dev/null || fail "cannot build the test guest"
}

# netns_create NAME: the test's own network namespace (NS), loopback up;
# ns CMD... runs CMD in it.
netns_create() {
  NS=$1
  ip netns add "$NS" || fail "cannot create network namespace $NS"
  ip netns exec "$NS" ip link set lo up
}
ns() { ip netns exec "$NS" "$@"; }

# netns_teardown: stop the consoles and the daemon, then everything still
# running in the namespace (all ours) by PID; deleting the namespace takes
# its bridges, taps and rules with it. For the caller's EXIT trap.
netns_teardown() {
  for p in "${CONSOLE_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  if [ -n "$DAEMON_PID" ]; then kill -KILL "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; fi
  DAEMON_PID=
  for p in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  ip netns del "$NS" 2>/dev/null
}

# guest NAME NIC_XML...: define and start the test guest with a pty console
# and these NICs; its console output goes to $E2E_TMP/NAME.out.
guest() {
  local n=$1; shift
  GUEST_DIR=$GUEST_DIR "$SRC/scripts/guest-xml.sh" "$n" 96 "$E2E_TMP/$n.qcow2" /dev/null > "$E2E_TMP/$n.xml"
  python3 - "$E2E_TMP/$n.xml" "$@" <<'PY'
import re, sys
path, nics = sys.argv[1], "".join(sys.argv[2:])
x = open(path).read()
x = re.sub(r"<serial type='file'>.*?</console>",
           "<serial type='pty'><target port='0'/></serial><console type='pty'><target type='serial' port='0'/></console>" + nics,
           x, flags=re.S)
open(path, "w").write(x)
PY
  st define "$E2E_TMP/$n.xml" >/dev/null || fail "define $n"
  st start "$n" >/dev/null || fail "start $n: $(st start "$n" 2>&1)"
  console_open "$n"
}

# console_open NAME: `stratus console NAME` in the background (again: after
# a daemon restart, or when the guest was started anew; the previous one is
# stopped first), fed from a FIFO we hold open (CON_NAME), output appended
# to $E2E_TMP/NAME.out.
console_open() {
  local n=$1 fd pidvar="CONPID_$1" fdvar="CON_$1"
  if [ -n "${!pidvar:-}" ]; then
    kill "${!pidvar}" 2>/dev/null || true  # it may have ended with its guest or daemon
    wait "${!pidvar}" 2>/dev/null || true
    eval "exec {$fdvar}>&-"
  fi
  [ -p "$E2E_TMP/$n.in" ] || mkfifo "$E2E_TMP/$n.in"
  st console "$n" < "$E2E_TMP/$n.in" >> "$E2E_TMP/$n.out" 2>&1 &
  CONSOLE_PIDS+=($!)
  eval "$pidvar=$!"
  exec {fd}>"$E2E_TMP/$n.in"
  eval "$fdvar=$fd"
}

# run_in NAME COMMAND: run COMMAND in the guest; its exit code is ours.
CMD_ID=0
run_in() {
  local n=$1 fdvar="CON_$1"; shift
  CMD_ID=$((CMD_ID + 1))
  echo "run $CMD_ID $*" >&"${!fdvar}"
  wait_for "grep -q 'CMD-END $CMD_ID rc=' '$E2E_TMP/$n.out'" 60 ||
    fail "$n did not run: $* (console: $(tail -n 5 "$E2E_TMP/$n.out"))"
  grep -q "CMD-END $CMD_ID rc=0" "$E2E_TMP/$n.out"
}

# The guest's eth0 address as its last tick line shows it.
guest_ip() { grep -o "tick [0-9]* .* ip=[0-9./]*" "$E2E_TMP/$1.out" | tail -n1 | sed 's/.* ip=//; s|/.*||'; }
wait_ip() { wait_for "guest_ip $1 | grep -q '^$2'" 120 || fail "$1 got no address in $2*: $(tail -n3 "$E2E_TMP/$1.out")"; }
# wait_ticking NAME: the guest has booted and reads its console.
wait_ticking() { wait_for "grep -q '^tick ' '$E2E_TMP/$1.out'" 120 || fail "$1 did not boot: $(tail -n3 "$E2E_TMP/$1.out")"; }

# nic MAC NETWORK: an <interface type='network'> on NETWORK.
nic() { echo "<interface type='network'><mac address='$1'/><source network='$2'/><model type='virtio'/></interface>"; }
