# two-hosts.sh: two Stratus hosts on one machine, for migration tests and
# benchmarks (source it). Host A and host B are each a network namespace
# (joined by a veth pair, 10.77.N.1 <-> 10.77.N.2) and a mount namespace in
# which TH_PRIVATE shows a directory of that host's own; everything else,
# the caller's TH_DIR included, is storage both hosts share. Each host runs
# its own stratusd with its own --root, listening on its unix socket (the
# CLI reaches both from outside) and, once th_tokens ran, on TCP port 16509
# of its veth address.
#
#   TH_DIR  a directory of the caller's (required); TH_BIN the build's bin/
#   TH_NET  the third octet of the addresses (default 77)
#
#   th_up                 namespaces, veth, directories
#   th_tokens             a token per host, and each host's remotes file
#                         naming the other's (for --p2p)
#   th_daemon H [ARGS]    start H's stratusd (A or B); TH_PID_H is its PID
#   th_kill H [SIG]       stop H's stratusd (default KILL) and wait for it
#   th_uri H / th_ip H / th_tcp_uri H / th_root H
#   th_down               stop what th_up/th_daemon started, by PID and by
#                         namespace; delete the namespaces
TH_NET=${TH_NET:-77}
TH_PRIVATE=${TH_DIR:?TH_DIR must be set}/private
TH_NS_A=sth$$a
TH_NS_B=sth$$b
TH_PID_A=
TH_PID_B=

th_ip() { [ "$1" = A ] && echo "10.77.$TH_NET.1" || echo "10.77.$TH_NET.2"; }
th_ns() { [ "$1" = A ] && echo "$TH_NS_A" || echo "$TH_NS_B"; }
th_root() { echo "$TH_DIR/root-$1"; }
th_uri() { echo "qemu+unix:///system?socket=$(th_root "$1")/run/stratus/stratusd.sock"; }
th_tcp_uri() { echo "qemu+tcp://$(th_ip "$1")/system"; }

th_up() {
  mkdir -p "$TH_PRIVATE" "$TH_DIR/private-A" "$TH_DIR/private-B" "$(th_root A)" "$(th_root B)"
  ip netns add "$TH_NS_A" || return 1
  ip netns add "$TH_NS_B" || return 1
  ip link add "sth$$A" type veth peer name "sth$$B" || return 1
  ip link set "sth$$A" netns "$TH_NS_A"
  ip link set "sth$$B" netns "$TH_NS_B"
  local h
  for h in A B; do
    ip -n "$(th_ns $h)" addr add "$(th_ip $h)/24" dev "sth$$$h"
    ip -n "$(th_ns $h)" link set "sth$$$h" up
    ip -n "$(th_ns $h)" link set lo up
  done
}

th_tokens() {
  local h other token
  for h in A B; do
    token=$("$TH_BIN/stratusd" token create --root "$(th_root $h)") || return 1
    other=$([ $h = A ] && echo B || echo A)
    mkdir -p "$(th_root $other)/etc/stratus/auth"
    echo "$(th_ip $h) $token" >> "$(th_root $other)/etc/stratus/auth/remotes"
    chmod 600 "$(th_root $other)/etc/stratus/auth/remotes"
    eval "TH_TOKEN_$h=$token"
  done
}

th_daemon() {
  local h=$1; shift
  local listen=()
  [ -s "$(th_root $h)/etc/stratus/auth/tokens" ] && listen=(--listen "$(th_ip $h)")
  ip netns exec "$(th_ns $h)" unshare -m --propagation private /bin/sh -c \
    'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$TH_DIR/private-$h" "$TH_PRIVATE" \
    "$TH_BIN/stratusd" --root "$(th_root $h)" --migration-address "$(th_ip $h)" \
    --migration-host "$(th_ip $h)" "${listen[@]}" "$@" >>"$TH_DIR/stratusd-$h.log" 2>&1 &
  eval "TH_PID_$h=$!"
  local i
  for i in $(seq 500); do
    "$TH_BIN/stratus" -c "$(th_uri $h)" -q uri >/dev/null 2>&1 && return 0
    kill -0 "$!" 2>/dev/null || break
    sleep 0.02
  done
  echo "stratusd on host $h did not come up:" >&2
  tail -n 20 "$TH_DIR/stratusd-$h.log" >&2
  return 1
}

th_kill() {
  local h=$1 sig=${2:-KILL} pidvar="TH_PID_$1"
  [ -n "${!pidvar}" ] || return 0
  kill -"$sig" "${!pidvar}" 2>/dev/null || true
  wait "${!pidvar}" 2>/dev/null || true  # its status is the signal's: not ours to fail on
  eval "TH_PID_$h="
}

th_down() {
  local h p
  for h in A B; do th_kill $h KILL; done
  for h in A B; do
    for p in $(ip netns pids "$(th_ns $h)" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  done
  for h in A B; do ip netns del "$(th_ns $h)" 2>/dev/null; done
  return 0
}
