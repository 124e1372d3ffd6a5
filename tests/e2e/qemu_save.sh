#!/bin/bash
# Issue 5, save / restore of real QEMU guests through stratusd and the
# stratus CLI: the test guest ticks, is saved (raw and compressed), restored,
# and its tick counter goes on from where it was (no reboot); managed save +
# start; save-image-dumpxml/-define; a save aborted with domjobabort leaves
# the guest running and no file; a broken image is refused.
BIN=$1
SRC=$2
source "$(dirname "$0")/lib.sh"

GUEST_DIR=${STRATUS_GUEST_DIR:-/var/tmp/stratus-guest}
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 0; }
GUEST_DIR=$GUEST_DIR "$SRC/scripts/make-guest.sh" >/dev/null || fail "cannot build the test guest"

guest_xml() {  # NAME MEM_MIB
  GUEST_DIR=$GUEST_DIR "$SRC/scripts/guest-xml.sh" "$1" "$2" "$E2E_TMP/$1.qcow2" "$E2E_TMP/$1.serial" > "$E2E_TMP/$1.xml"
  echo "$E2E_TMP/$1.xml"
}
state() { st domstate "$1" --reason 2>/dev/null | head -n1; }
serial() { cat "$E2E_TMP/$1.serial" 2>/dev/null || true; }
# the last tick number the guest printed (0: none yet)
last_tick() { serial "$1" | sed -n 's/^tick \([0-9]*\) .*/\1/p' | tail -n1 | grep . || echo 0; }
first_tick() { serial "$1" | sed -n 's/^tick \([0-9]*\) .*/\1/p' | head -n1 | grep . || echo 0; }
ready_count() { serial "$1" | grep -c GUEST-READY || true; }
qemu_pid() {
  local uuid; uuid=$(st domuuid "$1" 2>/dev/null) || return 0
  pgrep -f -- "-uuid $uuid" | head -n1 || true
}
# After a restore the serial log starts afresh (QEMU truncates it): the
# guest must not boot again and its counter must continue past `before`.
expect_continues() {  # NAME BEFORE
  local n=$1 before=$2
  wait_for "[ \$(last_tick $n) -gt $before ]" 30 || fail "$n: no tick after restore (last before: $before): $(serial $n | tail -3)"
  [ "$(ready_count "$n")" = 0 ] || fail "$n booted again after restore: $(serial "$n" | head -5)"
  [ "$(first_tick "$n")" -ge "$before" ] || fail "$n: ticks restarted at $(first_tick "$n") (was at $before)"
}

BG_PID=
cleanup_all() {
  set +e
  [ -n "$BG_PID" ] && kill "$BG_PID" 2>/dev/null && wait "$BG_PID" 2>/dev/null
  for d in $(st list --name 2>/dev/null); do st destroy "$d" >/dev/null 2>&1; done
  e2e_cleanup
}
trap cleanup_all EXIT

start_daemon
st define "$(guest_xml vm1 128)" >/dev/null || fail "define"
st start vm1 >/dev/null || fail "start"
wait_for "[ \$(last_tick vm1) -ge 2 ]" 120 || fail "guest did not tick: $(serial vm1 | tail -3)"
pass "guest boots and ticks"

# ---- save (raw) with the progress bar, then restore ----
img=$E2E_TMP/vm1.save
out=$(st save vm1 "$img" --verbose 2>"$E2E_TMP/save.err") || fail "save: $out $(cat "$E2E_TMP/save.err")"
before=$(last_tick vm1)
grep -q "Domain 'vm1' saved to $img" <<<"$out" || fail "save message: $out"
grep -q "Save: \[100 %\]" "$E2E_TMP/save.err" || fail "no progress bar: $(cat -A "$E2E_TMP/save.err")"
[ -s "$img" ] || fail "no save image"
[ ! -e "$img.stratus-part" ] || fail "temporary file left"
[ "$(state vm1)" = "shut off (saved)" ] || fail "state after save: $(state vm1)"
[ -z "$(qemu_pid vm1)" ] || fail "QEMU still running after save"
st domjobinfo vm1 --completed | grep -q "^Job type: *Completed" || fail "domjobinfo --completed: $(st domjobinfo vm1 --completed)"
st domjobinfo vm1 --completed | grep -q "^Operation: *Save" || fail "domjobinfo --completed operation"
st save-image-dumpxml "$img" | grep -q "<name>vm1</name>" || fail "save-image-dumpxml"
raw_size=$(stat -c %s "$img")
pass "save: $((raw_size / 1048576)) MiB image, shut off (saved), progress bar, domjobinfo --completed"

cp "$E2E_TMP/vm1.serial" "$E2E_TMP/vm1.serial.before"
out=$(st restore "$img" --verbose 2>"$E2E_TMP/restore.err") || fail "restore: $out $(cat "$E2E_TMP/restore.err")"
grep -q "Domain restored from $img" <<<"$out" || fail "restore message: $out"
[ "$(state vm1)" = "running (restored)" ] || fail "state after restore: $(state vm1)"
expect_continues vm1 "$before"
pass "restore: running (restored), tick $(first_tick vm1) follows tick $before, no reboot"

# ---- compressed images: smaller, and they restore ----
for fmt in zstd gzip; do
  command -v "$fmt" >/dev/null || { echo "skip: $fmt not installed"; continue; }
  cimg=$E2E_TMP/vm1.$fmt.save
  st save vm1 "$cimg" --image-format "$fmt" >/dev/null || fail "save --image-format $fmt"
  before=$(last_tick vm1)
  size=$(stat -c %s "$cimg")
  [ "$size" -lt "$raw_size" ] || fail "$fmt image ($size) not smaller than raw ($raw_size)"
  st restore "$cimg" >/dev/null || fail "restore $fmt"
  expect_continues vm1 "$before"
  pass "$fmt image: $((size / 1048576)) MiB < $((raw_size / 1048576)) MiB raw; restored, ticks go on"
done

# ---- save-image-define: a new description, restore paused ----
st save vm1 "$img" >/dev/null || fail "save for save-image-define"
before=$(last_tick vm1)
st save-image-dumpxml "$img" --security-info > "$E2E_TMP/img.xml"
sed -i "s|</name>|</name><description>after define</description>|" "$E2E_TMP/img.xml"
st save-image-define "$img" "$E2E_TMP/img.xml" --paused | grep -q "State file $img updated." || fail "save-image-define"
st save-image-dumpxml "$img" | grep -q "<description>after define</description>" || fail "XML not replaced"
st restore "$img" >/dev/null || fail "restore after save-image-define"
[ "$(state vm1)" = "paused (user)" ] || fail "save-image-define --paused ignored: $(state vm1)"
st dumpxml vm1 | grep -q "<description>after define</description>" || fail "restored guest lacks the new XML"
st resume vm1 >/dev/null || fail "resume"
expect_continues vm1 "$before"
pass "save-image-define --paused: restored paused with the new XML, resumes ticking"

# ---- managed save, then start resumes ----
out=$(st managedsave vm1) || fail "managedsave: $out"
before=$(last_tick vm1)
grep -q "Domain 'vm1' state saved by libvirt" <<<"$out" || fail "managedsave message: $out"
st dominfo vm1 | grep -q "^Managed save:   yes" || fail "dominfo lacks Managed save: yes"
st list --all --with-managed-save --name | grep -qx vm1 || fail "list --with-managed-save"
st list --all --managed-save | grep -Eq "vm1 +saved" || fail "list --managed-save: $(st list --all --managed-save)"
[ "$(state vm1)" = "shut off (saved)" ] || fail "state after managedsave: $(state vm1)"
st start vm1 >/dev/null || fail "start from managed save"
[ "$(state vm1)" = "running (restored)" ] || fail "state after start: $(state vm1)"
st dominfo vm1 | grep -q "^Managed save:   no" || fail "managed save image still there"
expect_continues vm1 "$before"
pass "managedsave + start: restored, ticks go on, image removed"

# ---- a broken image is refused, nothing left running ----
head -c 10000 "$img" > "$E2E_TMP/short.save"
st save vm1 "$img" >/dev/null || fail "save before corrupt test"
# the header says more state follows than there is: QEMU fails to load it
head -c $(( $(stat -c %s "$img") / 2 )) "$img" > "$E2E_TMP/half.save"
if err=$(st restore "$E2E_TMP/half.save" 2>&1); then fail "a truncated image restored"; fi
grep -q "error: Failed to restore domain from" <<<"$err" || fail "restore error: $err"
[ "$(state vm1)" = "shut off (saved)" ] || fail "state after failed restore: $(state vm1)"
[ -z "$(qemu_pid vm1)" ] || fail "QEMU left after a failed restore"
if err=$(st restore "$E2E_TMP/short.save" 2>&1); then fail "a header-only image restored"; fi
pass "broken image refused: $(tail -n1 <<<"$err" | cut -c1-100)"
st restore "$img" >/dev/null || fail "restore the good image"

# ---- domjobabort during a save (throttled so it cannot finish first) ----
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || fail "daemon exit"
start_daemon --save-max-bandwidth 4
[ "$(state vm1)" = "running (restored)" ] || fail "guest not reattached: $(state vm1)"
before=$(last_tick vm1)
st save vm1 "$E2E_TMP/abort.save" --verbose > "$E2E_TMP/abort.out" 2>&1 &
BG_PID=$!
wait_for "st domjobinfo vm1 2>/dev/null | grep -q '^Operation: *Save'" 30 || fail "no save job visible: $(st domjobinfo vm1 2>&1)"
wait_for "st domjobinfo vm1 2>/dev/null | grep -q '^Data processed: *[1-9]'" 30 || fail "save job makes no progress"
[ "$(state vm1)" = "paused (saving)" ] || fail "state during save: $(state vm1)"
st domjobinfo vm1 | grep -q "^Data total:" || fail "domjobinfo during save: $(st domjobinfo vm1)"
if command -v curl >/dev/null; then  # the same job through the API
  j=$(curl -s --unix-socket "$SOCK" http://localhost/v1/domains/vm1/job)
  grep -q '"type":"unbounded"' <<<"$j" && grep -q '"operation":"save"' <<<"$j" && grep -q '"percent":[0-9]' <<<"$j" \
    && grep -q '"data_total":[1-9]' <<<"$j" || fail "GET /v1/domains/vm1/job during a save: $j"
fi
st domjobabort vm1 || fail "domjobabort"
rc=0; wait "$BG_PID" || rc=$?; BG_PID=
[ "$rc" != 0 ] || fail "aborted save succeeded"
grep -q "operation aborted: domain save job: canceled by client" "$E2E_TMP/abort.out" || fail "abort message: $(cat "$E2E_TMP/abort.out")"
[ "$(state vm1)" = "running (save canceled)" ] || fail "state after abort: $(state vm1)"
[ ! -e "$E2E_TMP/abort.save" ] && [ ! -e "$E2E_TMP/abort.save.stratus-part" ] || fail "file left after abort: $(ls "$E2E_TMP")"
wait_for "[ \$(last_tick vm1) -gt $before ]" 30 || fail "guest stopped ticking after abort"
st domjobinfo vm1 --completed --anystats | grep -q "^Job type: *Cancelled" || fail "completed job not cancelled"
pass "domjobabort: save cancelled, guest running (save canceled), no file, ticks go on"

# ---- Ctrl-C on `stratus save` aborts the job, as in virsh ----
before=$(last_tick vm1)
"$BIN/stratus" -c "$URI" save vm1 "$E2E_TMP/ctrlc.save" > "$E2E_TMP/ctrlc.out" 2>&1 &
BG_PID=$!
wait_for "st domjobinfo vm1 2>/dev/null | grep -q '^Data processed: *[1-9]'" 30 || fail "no save in progress before Ctrl-C"
kill -INT "$BG_PID"
rc=0; wait "$BG_PID" || rc=$?; BG_PID=
[ "$rc" = 1 ] || fail "save after Ctrl-C: exit $rc, $(cat "$E2E_TMP/ctrlc.out")"
grep -q "operation aborted: domain save job: canceled by client" "$E2E_TMP/ctrlc.out" || fail "Ctrl-C message: $(cat "$E2E_TMP/ctrlc.out")"
[ "$(state vm1)" = "running (save canceled)" ] || fail "state after Ctrl-C: $(state vm1)"
[ ! -e "$E2E_TMP/ctrlc.save" ] && [ ! -e "$E2E_TMP/ctrlc.save.stratus-part" ] || fail "file left after Ctrl-C: $(ls "$E2E_TMP")"
wait_for "[ \$(last_tick vm1) -gt $before ]" 30 || fail "guest stopped ticking after Ctrl-C"
pass "Ctrl-C on save: job aborted, exit 1, guest running, no file"

# ---- the daemon dies (SIGKILL) during a save: the next one resumes the guest ----
st suspend vm1 >/dev/null && st resume vm1 >/dev/null || fail "suspend/resume"
[ "$(state vm1)" = "running (unpaused)" ] || fail "state before the kill: $(state vm1)"
before=$(last_tick vm1)
st save vm1 "$E2E_TMP/crash.save" > "$E2E_TMP/crash.out" 2>&1 &
BG_PID=$!
wait_for "st domjobinfo vm1 2>/dev/null | grep -q '^Data processed: *[1-9]'" 30 || fail "no save in progress before the daemon kill"
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
rc=0; wait "$BG_PID" || rc=$?; BG_PID=
[ "$rc" != 0 ] || fail "save succeeded although its daemon was killed"
start_daemon
[ "$(state vm1)" = "running (save canceled)" ] || fail "after the daemon restart: $(state vm1)"
[ ! -e "$E2E_TMP/crash.save" ] || fail "an interrupted save left its image under the final name"
[ ! -e "$E2E_TMP/crash.save.stratus-part" ] || fail "the next daemon left the interrupted save's partial file"
wait_for "[ \$(last_tick vm1) -gt $before ]" 30 || fail "guest does not tick after the interrupted save"
pass "daemon SIGKILLed during a save: the next daemon cancels the migration and removes the partial file, the guest runs on"

# ---- save --xml stores the given definition; restore --xml starts with another ----
st dumpxml vm1 --security-info | sed 's|</domain>|<description>saved with --xml</description></domain>|' > "$E2E_TMP/vm1-save.xml"
st dumpxml vm1 --security-info | sed 's|</domain>|<description>restored with --xml</description></domain>|' > "$E2E_TMP/vm1-restore.xml"
st save vm1 "$E2E_TMP/xml.save" --xml "$E2E_TMP/vm1-save.xml" > /dev/null || fail "save --xml"
st save-image-dumpxml "$E2E_TMP/xml.save" | grep -q "<description>saved with --xml</description>" || fail "save --xml: image XML"
st restore "$E2E_TMP/xml.save" --xml "$E2E_TMP/vm1-restore.xml" > /dev/null || fail "restore --xml"
st dumpxml vm1 | grep -q "<description>restored with --xml</description>" || fail "restore --xml: live XML"
pass "save --xml / restore --xml: the image and the restored guest carry the given XML"

st destroy vm1 >/dev/null
echo "1 passed, 0 failed"
