#!/bin/bash
# Issue 3 end to end: the course examples define, dump and undefine through
# the daemon; the malformed example is refused with a line-numbered error and
# stores nothing; SIGKILL + restart loses nothing; SIGTERM exits cleanly.
BIN=$1
DATA=$2
source "$(dirname "$0")/lib.sh"

start_daemon --driver test

out=$(st define "$DATA/domain/kvm4.xml") || fail "define kvm4"
[ "$out" = "Domain 'kvm4' defined from $DATA/domain/kvm4.xml" ] || fail "define message: $out"
st define "$DATA/domain/JoomlaSchulung.xml" >/dev/null || fail "define JoomlaSchulung"
pass "course examples defined"

xml=$(st dumpxml kvm4) || fail "dumpxml"
grep -q "<name>kvm4</name>" <<<"$xml" || fail "dumpxml lacks the name"
grep -q "85badf15-244d-4719-a2da-8c3de0641373" <<<"$xml" || fail "dumpxml lacks the uuid"
grep -q "0E:1F:35:AB:45:0C\|0e:1f:35:ab:45:0c" <<<"$xml" || fail "dumpxml lost the MAC"
pass "dumpxml"

before=$(ls "$ROOT/etc/stratus/qemu")
if err=$(st define "$DATA/domain/kvm4-as-printed.xml" 2>&1); then fail "malformed XML accepted"; fi
grep -q "kvm4-as-printed.xml" <<<"$err" || fail "error does not name the file: $err"
grep -q "9" <<<"$err" && grep -q "10" <<<"$err" || fail "error does not name lines 9/10: $err"
[ "$(ls "$ROOT/etc/stratus/qemu")" = "$before" ] || fail "malformed define changed the store"
pass "malformed example refused: $(tail -n1 <<<"$err")"

list_before=$(st list --all)
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true
start_daemon --driver test
[ "$(st list --all)" = "$list_before" ] || fail "definitions changed across SIGKILL: $(st list --all)"
pass "SIGKILL + restart keeps every definition"

st undefine kvm4 >/dev/null || fail "undefine kvm4"
st undefine JoomlaSchulung >/dev/null || fail "undefine JoomlaSchulung"
[ -z "$(st list --all --name)" ] || fail "domains left after undefine"
[ ! -e "$ROOT/etc/stratus/qemu/kvm4.xml" ] || fail "config file left after undefine"
pass "undefine"

kill -TERM "$DAEMON_PID"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" = 0 ] || fail "stratusd exited $rc on SIGTERM"
pass "SIGTERM exits 0"
echo "1 passed, 0 failed"
