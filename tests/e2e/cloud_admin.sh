#!/bin/bash
# Issue 9, the service node's administrator commands: users get keys and a
# cloud.properties (0600), nodes register once, bad input fails clearly,
# and everything is still there when the next command opens the database.
BIN=$1
source "$(dirname "$0")/lib.sh"
sc() { "$BIN/stratus-cloud" --root "$E2E_TMP/cloud" "$@"; }

out=$(sc user add alice --json) || fail "user add: $out"
key=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["access_key_id"], len(d["secret_access_key"]))' <<<"$out")
[[ $key =~ ^AKST[A-Z2-7]{16}\ 40$ ]] || fail "keys: $key"
props=$E2E_TMP/cloud/etc/stratus-cloud/users/alice/cloud.properties
[ "$(stat -c %a "$props")" = 600 ] || fail "cloud.properties mode $(stat -c %a "$props")"
grep -q "^stratus.access.key.id=${key% *}$" "$props" || fail "cloud.properties lacks the key: $(cat "$props")"
pass "user add: access key, 40-character secret, cloud.properties 0600"

if err=$(sc user add alice 2>&1); then fail "a second alice was created"; fi
[ "$err" = "error: operation failed: user 'alice' already exists" ] || fail "duplicate user: $err"
if err=$(sc user add 'bad name' 2>&1); then fail "a bad name was accepted"; fi
grep -q "must be 1-64 letters" <<<"$err" || fail "bad name: $err"
sc user add bob --properties "$E2E_TMP/bob.properties" >/dev/null || fail "user add --properties"
[ -s "$E2E_TMP/bob.properties" ] || fail "--properties not written"
sc user disable bob | grep -q "User 'bob' disabled." || fail "user disable"
sc user list --json | python3 -c 'import json,sys; u={x["name"]: x["disabled"] for x in json.load(sys.stdin)}; sys.exit(0 if u == {"alice": False, "bob": True} else 1)' ||
  fail "user list --json: $(sc user list --json)"
pass "duplicate and bad names refused; --properties; disable; list --json"

sc user add carol --instances 2 --hours 0.5 >/dev/null || fail "user add with quotas"
out=$(sc user quota carol --vcpus 4 --storage 100) || fail "user quota: $out"
grep -q "instances: *2$" <<<"$out" && grep -q "vCPUs: *4$" <<<"$out" && grep -q "image storage: *100 MiB" <<<"$out" &&
  grep -q "longest lease: *0.5 hours" <<<"$out" || fail "user quota output: $out"
[ "$(sc user quota carol --json | python3 -c 'import json,sys; q=json.load(sys.stdin); print(q["max_instances"], q["max_vcpus"], q["max_memory_mib"])')" = "2 4 32768" ] ||
  fail "user quota --json: $(sc user quota carol --json)"
if err=$(sc user quota carol --hours 0 2>&1); then fail "a zero-hour lease limit was accepted"; fi
if err=$(sc user quota nobody --vcpus 1 2>&1); then fail "quota of an unknown user"; fi
grep -q "no user named 'nobody'" <<<"$err" || fail "unknown user: $err"
pass "user add --instances/--hours, user quota shows and changes only what is given"

sc node add test:///default --memory 8192 --vcpus 8 --networks public,private >/dev/null || fail "node add"
if err=$(sc node add test:///default --memory 1 --vcpus 1 2>&1); then fail "a node registered twice"; fi
grep -q "already registered" <<<"$err" || fail "duplicate node: $err"
if err=$(sc node add qemu+tcp://10.0.0.9/system --vcpus 2 2>&1); then fail "node add without --memory"; fi
sc node disable test:///default >/dev/null || fail "node disable"
sc node list | grep -Eq "test:///default +8192 MiB +8 disabled +public,private" || fail "node list: $(sc node list)"
sc node remove test:///default >/dev/null || fail "node remove"
[ "$(sc node list --json)" = "[]" ] || fail "node still listed"
if err=$(sc node remove test:///default 2>&1); then fail "removing an unknown node succeeded"; fi
pass "node add/disable/list/remove; duplicates and missing options refused"
sc --help | grep -q "user" || fail "--help"

# ---- images ----
if command -v qemu-img >/dev/null; then
  qemu-img create -q -f qcow2 "$E2E_TMP/tiny.qcow2" 1M
  sc image add tiny "$E2E_TMP/tiny.qcow2" --common | grep -q "Image 'tiny' added (qcow2, " || fail "image add --common"
  if err=$(sc image add tiny2 "$E2E_TMP/tiny.qcow2" 2>&1); then fail "image add without an owner"; fi
  grep -q -- "--common or --user" <<<"$err" || fail "image add without owner: $err"
  sc image add tiny "$E2E_TMP/tiny.qcow2" --user alice >/dev/null || fail "image add --user"
  [ "$(sc image list --user alice --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ] ||
    fail "image list --user: $(sc image list --user alice)"
  pass "image add --common / --user, list"
else
  echo "SKIP (part): qemu-img not installed: image add"
fi
