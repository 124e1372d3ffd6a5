#!/bin/bash
# Issue 9, the service node on PostgreSQL: the test starts its own server
# (initdb into a temp dir as the postgres user, since postgres refuses
# root; a free loopback port, password auth), the administrator commands
# and `serve` reach it with the same --db URL, a user runs an instance on a
# simulated node, the service is SIGKILLed and restarted and still knows
# the instance. Nothing is written to an SQLite file; the URL's password
# shows in no output. Two service processes on the database never overcommit
# the node between them. Exits 77 (skip) when PostgreSQL is not installed.
BIN=$1
source "$(dirname "$0")/lib.sh"

PGBIN=${STRATUS_PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
  echo "SKIP: PostgreSQL is not installed (no /usr/lib/postgresql/N/bin/initdb, pg_ctl; apt-get install postgresql)"
  exit 77
fi
command -v qemu-img >/dev/null || { echo "SKIP: qemu-img not installed (images are checked with it)"; exit 77; }
AS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || { echo "SKIP: PostgreSQL is not installed (no postgres user to run it as)"; exit 77; }
  AS=(runuser -u postgres --)
fi

R=$E2E_TMP/cloud
PG=$(mktemp -d /tmp/stratus-pg-e2e.XXXXXX)
SVC_PID=
SVC2_PID=
PG_PID=
stop_service() {
  if [ -n "$SVC_PID" ]; then kill -"${1:-TERM}" "$SVC_PID" 2>/dev/null || true; wait "$SVC_PID" 2>/dev/null || true; fi
  SVC_PID=
}
stop_postgres() {
  # By its PID (postmaster.pid's first line): fast shutdown, bounded wait.
  if [ -n "$PG_PID" ]; then
    kill -INT "$PG_PID" 2>/dev/null || true
    wait_for "! kill -0 $PG_PID 2>/dev/null" 30 || kill -KILL "$PG_PID" 2>/dev/null || true
  fi
  PG_PID=
  rm -rf "$PG"
}
cleanup() {
  set +e  # every step runs, whatever the one before did
  if [ -n "$SVC2_PID" ]; then kill -KILL "$SVC2_PID" 2>/dev/null; wait "$SVC2_PID" 2>/dev/null; fi
  stop_service KILL
  stop_postgres
  e2e_cleanup
}
trap cleanup EXIT

PW='e2e-S3cret'
printf '%s\n' "$PW" > "$PG/pwfile"
[ ${#AS[@]} -gt 0 ] && chown -R postgres: "$PG"
chmod 700 "$PG"
"${AS[@]}" "$PGBIN/initdb" -D "$PG/data" -U stratus --pwfile="$PG/pwfile" --auth-local=trust \
  --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >"$E2E_TMP/initdb.log" 2>&1 ||
  { cat "$E2E_TMP/initdb.log" >&2; fail "initdb"; }
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${AS[@]}" "$PGBIN/pg_ctl" start -w -t 60 -D "$PG/data" -l "$PG/server.log" \
  -o "-p $PGPORT -k $PG -c listen_addresses=127.0.0.1 -c fsync=off" >/dev/null ||
  { cat "$PG/server.log" >&2; fail "pg_ctl start"; }
PG_PID=$(head -1 "$PG/data/postmaster.pid")
"${AS[@]}" "$PGBIN/createdb" -h "$PG" -p "$PGPORT" -U stratus cloud || fail "createdb"
DB="postgresql://stratus:$PW@127.0.0.1:$PGPORT/cloud"
pass "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT (pid $PG_PID)"

sc() { "$BIN/stratus-cloud" --root "$R" --db "$DB" "$@"; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_service() {
  "$BIN/stratus-cloud" --root "$R" serve --db "$DB" --listen "127.0.0.1:$PORT" --s3-listen 127.0.0.1:0 --ec2-listen 127.0.0.1:0 >>"$E2E_TMP/service.log" 2>&1 &
  SVC_PID=$!
  wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT), 1)' 2>/dev/null" 20 ||
    { cat "$E2E_TMP/service.log" >&2; fail "stratus-cloud serve --db postgresql://... did not come up"; }
}
cc() { "$BIN/cloud-client" --conf "$R/alice.properties" "$@"; }
field() { python3 -c "import json,sys; print(json.loads(sys.stdin.readline())['$1'])"; }

sc --service-url "http://127.0.0.1:$PORT" user add alice --properties "$R/alice.properties" >/dev/null || fail "user add"
sc node add test:///default --memory 4096 --vcpus 8 >/dev/null || fail "node add"
head -c 65536 /dev/zero > "$E2E_TMP/tiny.img"
sc image add tiny "$E2E_TMP/tiny.img" --common >/dev/null || fail "image add"
# --db also after the subcommand, as `serve --db URL` takes it
"$BIN/stratus-cloud" --root "$R" user list --db "$DB" | grep -q alice || fail "user list --db"
# the password from libpq's environment instead of the URL
PGPASSWORD="$PW" "$BIN/stratus-cloud" --root "$R" --db "postgresql://stratus@127.0.0.1:$PGPORT/cloud" user list |
  grep -q alice || fail "PGPASSWORD"
[ ! -e "$R/var/lib/stratus-cloud/cloud.db" ] || fail "an SQLite file was written beside the PostgreSQL database"
n=$("${AS[@]}" "$PGBIN/psql" -h "$PG" -p "$PGPORT" -U stratus -d cloud -Atc "SELECT COUNT(*) FROM users WHERE name = 'alice'")
[ "$n" = 1 ] || fail "alice is not in PostgreSQL: $n"
pass "user, node and image in PostgreSQL through stratus-cloud --db"

start_service
out=$(cc --run --name tiny --hours 1) || fail "--run: $out"
h=$(grep -o "vm-[0-9a-f]*" <<<"$out" | head -1)
[ -n "$h" ] || fail "--run output: $out"
[ "$(cc --status --handle "$h" --json | field state)" = Running ] || fail "state: $(cc --status --handle "$h" --json)"
pass "--run: $h Running on test:///default"

stop_service KILL
start_service
j=$(cc --status --handle "$h" --json) || fail "$h lost across a SIGKILLed service: $j"
[ "$(field handle <<<"$j")" = "$h" ] || fail "status after restart: $j"
[ "$(field node <<<"$j")" = test:///default ] || fail "node after restart: $j"
pass "service SIGKILLed and restarted on PostgreSQL: $h still there"

# Two service processes on the one database, twelve requests at once, six
# at each: the node has room for exactly six (3840 MiB free, 640 each), and
# no process places a seventh (one writer at a time: pg_advisory_xact_lock).
PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# its own root (its unix socket), as on another host; the database is shared,
# and so is the image repository (on another host: shared storage mounted there)
mkdir -p "$R/second/var/lib/stratus-cloud"
ln -s "$R/var/lib/stratus-cloud/s3" "$R/second/var/lib/stratus-cloud/s3"
"$BIN/stratus-cloud" --root "$R/second" serve --db "$DB" --listen "127.0.0.1:$PORT2" --s3-listen 127.0.0.1:0 --ec2-listen 127.0.0.1:0 >>"$E2E_TMP/service2.log" 2>&1 &
SVC2_PID=$!
wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $PORT2), 1)' 2>/dev/null" 20 ||
  { cat "$E2E_TMP/service2.log" >&2; fail "a second stratus-cloud serve on the same database did not come up"; }
sed "s/127.0.0.1:$PORT/127.0.0.1:$PORT2/" "$R/alice.properties" > "$R/alice2.properties"
grep -q "127.0.0.1:$PORT2" "$R/alice2.properties" || fail "alice2.properties: $(cat "$R/alice2.properties")"
pids=()
for i in $(seq 1 12); do
  conf=$R/alice.properties; [ $((i % 2)) = 0 ] && conf=$R/alice2.properties
  "$BIN/cloud-client" --conf "$conf" --run --name tiny --hours 1 --memory 640 >"$E2E_TMP/run.$i" 2>&1 &
  pids+=($!)
done
placed=0 refused=0
for i in $(seq 1 12); do
  if wait "${pids[$((i - 1))]}"; then placed=$((placed + 1))
  elif grep -q "no node has room" "$E2E_TMP/run.$i"; then refused=$((refused + 1))
  else fail "run $i: $(cat "$E2E_TMP/run.$i")"; fi
done
[ "$placed" = 6 ] && [ "$refused" = 6 ] || fail "two services placed $placed and refused $refused (want 6 and 6)"
used=$("${AS[@]}" "$PGBIN/psql" -h "$PG" -p "$PGPORT" -U stratus -d cloud -Atc \
  "SELECT SUM(memory_mib) FROM instances WHERE state NOT IN ('Destroyed', 'Corrupted')")
[ "$used" = 4096 ] || fail "the node holds $used MiB of 4096"
kill -TERM "$SVC2_PID"; wait "$SVC2_PID" || true; SVC2_PID=
pass "two services on one database, 12 concurrent requests: 6 placed, 6 refused, 4096 of 4096 MiB"

# A wrong password is an error that does not echo it.
if err=$("$BIN/stratus-cloud" --root "$R" --db "postgresql://stratus:Wr0ng-pw@127.0.0.1:$PGPORT/cloud" user list 2>&1); then
  fail "a wrong password was accepted"
fi
grep -q "password authentication failed" <<<"$err" || fail "wrong password: $err"
grep -q "Wr0ng-pw" <<<"$err" && fail "the password shows in: $err"
stop_service TERM
grep -q "$PW" "$E2E_TMP/service.log" "$E2E_TMP/service2.log" && fail "the password shows in a service log"
pass "no password in errors or the service log"
