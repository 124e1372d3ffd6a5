#!/bin/bash
# Issue 4 end to end: the project's test guest booted by stratusd's QEMU
# driver and driven with the stratus CLI as a virsh user would: every
# lifecycle verb, events, a transient domain, autostart, a daemon killed
# with SIGKILL while guests run, and a QEMU that dies under us.
BIN=$1
SRC=$2
source "$(dirname "$0")/lib.sh"

GUEST_DIR=${STRATUS_GUEST_DIR:-/var/tmp/stratus-guest}
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 0; }
GUEST_DIR=$GUEST_DIR "$SRC/scripts/make-guest.sh" >/dev/null || fail "cannot build the test guest"

# guest_xml NAME: the test guest with its own overlay disk and serial log
guest_xml() {
  local n=$1
  GUEST_DIR=$GUEST_DIR "$SRC/scripts/guest-xml.sh" "$n" 128 "$E2E_TMP/$n.qcow2" "$E2E_TMP/$n.serial" > "$E2E_TMP/$n.xml"
  echo "$E2E_TMP/$n.xml"
}
serial_has() { grep -qs "$2" "$E2E_TMP/$1.serial"; }
# count of a marker in the serial log (it is truncated at each QEMU start)
serial_count() { grep -cs "$2" "$E2E_TMP/$1.serial" || true; }
state() { st domstate "$1" --reason 2>/dev/null | head -n1; }
qemu_pid() {  # by the domain's uuid on QEMU's command line, as a user would find it
  local uuid; uuid=$(st domuuid "$1")
  pgrep -f -- "-uuid $uuid" | head -n1
}

start_daemon
EVENTS_PID=
# Cleanup must run whatever failed: no command in it may stop it under set -e.
trap 'set +e; for d in $(st list --name 2>/dev/null); do st destroy "$d" >/dev/null 2>&1; done; [ -n "$EVENTS_PID" ] && kill "$EVENTS_PID" 2>/dev/null; e2e_cleanup' EXIT

# events, recorded from the start
"$BIN/stratus" -c "$URI" event --all --loop > "$E2E_TMP/events.txt" 2>&1 &
EVENTS_PID=$!

st define "$(guest_xml vm1)" >/dev/null || fail "define"
out=$(st start vm1) || fail "start: $out"
[ "$out" = "Domain 'vm1' started" ] || fail "start message: $out"
[ "$(state vm1)" = "running (booted)" ] || fail "state after start: $(state vm1)"
wait_for "serial_has vm1 GUEST-READY" 90 || fail "guest did not print GUEST-READY"
pass "start -> running (booted) -> GUEST-READY"

st list | grep -Eq "^ [0-9]+ +vm1 +running" || fail "list lacks the running guest with its id: $(st list)"
id=$(st domid vm1); [ "$id" -gt 0 ] || fail "domid: $id"
st dominfo vm1 | grep -Eq "^CPU time: +[0-9.]+s" || fail "dominfo lacks CPU time"
st dominfo vm1 | grep -q "^Max memory:     131072 KiB" || fail "dominfo memory"
pass "list / domid / dominfo"

st suspend vm1 >/dev/null && [ "$(state vm1)" = "paused (user)" ] || fail "suspend: $(state vm1)"
st resume vm1 >/dev/null && [ "$(state vm1)" = "running (unpaused)" ] || fail "resume: $(state vm1)"
pass "suspend / resume"

n=$(serial_count vm1 GUEST-READY)
st reboot vm1 >/dev/null || fail "reboot"
wait_for "[ \$(serial_count vm1 GUEST-READY) -gt $n ]" 90 || fail "guest did not come back after reboot"
[ "$(state vm1)" = "running (unpaused)" ] || [ "$(state vm1)" = "running (booted)" ] || fail "state after reboot: $(state vm1)"
pass "reboot (guest powered off and came back in the same QEMU)"

n=$(serial_count vm1 GUEST-READY)
st reset vm1 >/dev/null || fail "reset"
wait_for "[ \$(serial_count vm1 GUEST-READY) -gt $n ]" 90 || fail "guest did not come back after reset"
pass "reset"

st shutdown vm1 >/dev/null || fail "shutdown"
wait_for "[ \"\$(state vm1)\" = 'shut off (shutdown)' ]" 30 || fail "shutdown did not reach shut off: $(state vm1)"
[ -z "$(qemu_pid vm1)" ] || fail "QEMU left after shutdown"
pass "shutdown -> shut off (shutdown)"

st start vm1 --paused >/dev/null && [ "$(state vm1)" = "paused (user)" ] || fail "start --paused: $(state vm1)"
st destroy vm1 >/dev/null && [ "$(state vm1)" = "shut off (destroyed)" ] || fail "destroy: $(state vm1)"
pass "start --paused / destroy -> shut off (destroyed)"

# destroy --graceful stops the guest with SIGTERM only
st start vm1 >/dev/null || fail "start for graceful destroy"
st destroy vm1 --graceful >/dev/null || fail "destroy --graceful"
[ "$(state vm1)" = "shut off (destroyed)" ] || fail "destroy --graceful: $(state vm1)"
# start --autodestroy: the guest lives as long as the client that started it
# (here a shell session kept open on a FIFO, then closed)
mkfifo "$E2E_TMP/shell.in"
st < "$E2E_TMP/shell.in" > "$E2E_TMP/shell.out" 2>&1 &
SHELL_PID=$!
exec 8>"$E2E_TMP/shell.in"
echo "start vm1 --autodestroy" >&8
wait_for "[ \"\$(state vm1)\" = 'running (booted)' ]" 30 || fail "start --autodestroy: $(state vm1)"
exec 8>&-
wait "$SHELL_PID" || true
wait_for "[ \"\$(state vm1)\" = 'shut off (destroyed)' ]" 10 || fail "autodestroy guest outlived its client: $(state vm1)"
pass "destroy --graceful; start --autodestroy ends with its client"

# a transient guest
out=$(st create "$(guest_xml tr1)") || fail "create: $out"
st list --transient --name | grep -qx tr1 || fail "transient guest not listed"
st destroy tr1 >/dev/null || fail "destroy transient"
st list --all --name | grep -qx tr1 && fail "transient guest still listed after destroy"
pass "create (transient) / destroy removes it"

# a guest that dies under us is noticed within a second
st start vm1 >/dev/null || fail "start again"
pid=$(qemu_pid vm1); [ -n "$pid" ] || fail "no QEMU for vm1"
kill -KILL "$pid"
wait_for "[ \"\$(state vm1)\" = 'shut off (crashed)' ]" 1 || fail "QEMU death not noticed within 1 s: $(state vm1)"
pass "QEMU killed -> shut off (crashed) within 1 s"

# SIGKILL the daemon while a guest runs: the next daemon reattaches
st start vm1 >/dev/null || fail "start before daemon kill"
wait_for "serial_has vm1 GUEST-READY" 90 || fail "no GUEST-READY before daemon kill"
id=$(st domid vm1); pid=$(qemu_pid vm1)
st autostart vm1 >/dev/null || fail "autostart"
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
kill -0 "$pid" || fail "guest died with the daemon"
start_daemon
[ "$(state vm1)" = "running (booted)" ] || fail "after daemon restart: $(state vm1)"
[ "$(st domid vm1)" = "$id" ] || fail "id changed across daemon restart"
[ "$(qemu_pid vm1)" = "$pid" ] || fail "guest restarted instead of reattached"
st suspend vm1 >/dev/null && st resume vm1 >/dev/null || fail "reattached guest not controllable"
pass "daemon SIGKILL + restart: guest reattached (same pid, same id)"

# autostart: a fresh daemon starts marked domains that are not running
st destroy vm1 >/dev/null
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || fail "daemon SIGTERM exit code"
start_daemon
wait_for "[ \"\$(state vm1)\" = 'running (booted)' ]" 30 || fail "autostart did not start vm1: $(state vm1)"
st destroy vm1 >/dev/null
pass "autostart on daemon start"

# lifecycle policies: on_poweroff='restart' brings the guest back after it
# powers off; on_reboot='destroy' makes a reboot end it.
x=$(guest_xml pol1); sed -i "s|<on_poweroff>destroy</on_poweroff>|<on_poweroff>restart</on_poweroff>|" "$x"
st define "$x" >/dev/null && st start pol1 >/dev/null || fail "start pol1"
wait_for "serial_has pol1 GUEST-READY" 90 || fail "pol1 did not boot"
id=$(st domid pol1)
st shutdown pol1 >/dev/null || fail "shutdown pol1"
wait_for "[ \"\$(st domid pol1)\" != '$id' ] && [ \"\$(st domid pol1)\" != '-' ]" 30 || fail "on_poweroff=restart did not restart: $(state pol1)"
st destroy pol1 >/dev/null
pass "on_poweroff='restart': powered-off guest started again (id $id -> new id)"
x=$(guest_xml pol2); sed -i "s|<on_reboot>restart</on_reboot>|<on_reboot>destroy</on_reboot>|" "$x"
st define "$x" >/dev/null && st start pol2 >/dev/null || fail "start pol2"
wait_for "serial_has pol2 GUEST-READY" 90 || fail "pol2 did not boot"
st reboot pol2 >/dev/null || fail "reboot pol2"
wait_for "[ \"\$(state pol2)\" = 'shut off (shutdown)' ]" 30 || fail "on_reboot=destroy: $(state pol2)"
pass "on_reboot='destroy': reboot ends the guest"

# on_crash: the guest panics (an NMI with unknown_nmi_panic=1, reported by
# its pvpanic device) and the policy decides what follows.
for pol in preserve destroy restart; do
  x=$(guest_xml crash-$pol)
  sed -i -e "s|console=ttyS0 quiet|console=ttyS0 quiet unknown_nmi_panic=1|" \
         -e "s|<on_crash>destroy</on_crash>|<on_crash>$pol</on_crash>|" \
         -e "s|<memballoon model='virtio'/>|<memballoon model='virtio'/><panic model='isa'/>|" "$x"
  st define "$x" >/dev/null && st start crash-$pol >/dev/null || fail "start crash-$pol"
  wait_for "serial_has crash-$pol GUEST-READY" 90 || fail "crash-$pol did not boot"
  id=$(st domid crash-$pol)
  st inject-nmi crash-$pol >/dev/null || fail "inject-nmi crash-$pol"
  case $pol in
    preserve) want="[ \"\$(state crash-$pol)\" = 'crashed (panicked)' ]" ;;
    destroy) want="[ \"\$(state crash-$pol)\" = 'shut off (crashed)' ]" ;;
    restart) want="[ \"\$(st domid crash-$pol)\" != '$id' ] && [ \"\$(state crash-$pol)\" = 'running (booted)' ]" ;;
  esac
  wait_for "$want" 30 || fail "on_crash=$pol: $(state crash-$pol)"
  st destroy crash-$pol >/dev/null 2>&1 || true
done
pass "on_crash preserve / destroy / restart after a guest panic"

# console and displays: a guest with a pty serial port and VNC
x=$(guest_xml con1)
python3 - "$x" <<'PY'
import re, sys
p = sys.argv[1]
x = open(p).read()
x = re.sub(r"<serial type='file'>.*?</serial>", "<serial type='pty'><target port='0'/></serial>", x, flags=re.S)
x = re.sub(r"<console type='file'>.*?</console>",
           "<console type='pty'><target type='serial' port='0'/></console><graphics type='vnc' autoport='yes'/>", x, flags=re.S)
open(p, "w").write(x)
PY
st define "$x" >/dev/null && st start con1 >/dev/null || fail "start con1"
[ "$(st vncdisplay con1 | head -n1)" = "127.0.0.1:$(( $(st dumpxml con1 | sed -n "s/.*graphics type='vnc' port='\([0-9]*\)'.*/\1/p") - 5900 ))" ] || fail "vncdisplay: $(st vncdisplay con1)"
st domdisplay con1 | grep -q "^vnc://127.0.0.1:" || fail "domdisplay: $(st domdisplay con1)"
mkfifo "$E2E_TMP/console.in"
st console con1 < "$E2E_TMP/console.in" > "$E2E_TMP/console.out" 2>&1 &
CONSOLE_PID=$!
exec 7>"$E2E_TMP/console.in"
wait_for "grep -q 'tick' '$E2E_TMP/console.out'" 90 || fail "no guest output through console: $(cat "$E2E_TMP/console.out")"
printf '\x1d' >&7
wait "$CONSOLE_PID" || fail "console did not end cleanly on Ctrl-]"
exec 7>&-
grep -q "^Connected to domain 'con1'" "$E2E_TMP/console.out" || fail "console banner"
st destroy con1 >/dev/null
pass "console (guest output through the daemon, Ctrl-] leaves), vncdisplay, domdisplay"

kill "$EVENTS_PID" 2>/dev/null || true  # it may have ended with the daemon it watched
wait "$EVENTS_PID" 2>/dev/null || true
grep -q "event 'lifecycle' for domain 'vm1': Started Booted" "$E2E_TMP/events.txt" || fail "no Started event: $(head -5 "$E2E_TMP/events.txt")"
grep -q "event 'lifecycle' for domain 'vm1': Stopped Shutdown" "$E2E_TMP/events.txt" || fail "no Stopped Shutdown event"
grep -q "event 'lifecycle' for domain 'vm1': Suspended Paused" "$E2E_TMP/events.txt" || fail "no Suspended event"
pass "event --all --loop printed the lifecycle"
# type='kvm' on a host without KVM: a clear error (this host's /dev/kvm is
# hidden from a daemon told to look elsewhere)
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || fail "daemon SIGTERM exit code"
start_daemon --kvm-device "$E2E_TMP/no-kvm"
x=$(guest_xml kvm1); sed -i "s|<domain type='qemu'>|<domain type='kvm'>|" "$x"
st define "$x" >/dev/null || fail "define kvm1"
if err=$(st start kvm1 2>&1); then fail "a kvm domain started without KVM"; fi
grep -q "error: Failed to start domain 'kvm1'" <<<"$err" || fail "kvm error headline: $err"
grep -q "domain type 'kvm' needs $E2E_TMP/no-kvm, which this host does not have" <<<"$err" || fail "kvm error text: $err"
[ "$(state kvm1)" = "shut off" ] || [ "$(state kvm1)" = "shut off (unknown)" ] || fail "kvm1 state: $(state kvm1)"
pass "type='kvm' without KVM: $(tail -n1 <<<"$err")"
echo "1 passed, 0 failed"
