#!/bin/bash
# libvirt as the peer of the benchmarks, in the same run (issues 5 and 8):
# the system's libvirtd (qemu:///system) and virtlogd, started by this script
# and stopped by it, by PID. No systemd here, so nothing else starts them.
#
#   bench/libvirt-peer.sh up      install libvirt-daemon-system + libvirt-clients
#                                 if missing, configure, start virtlogd + libvirtd
#   bench/libvirt-peer.sh down    destroy/undefine the benches' domains (lvb-*),
#                                 stop libvirtd and virtlogd by their PIDs
#   bench/libvirt-peer.sh status  what runs, and whether any libvirt network is active
#
# Setup as ../shared/bench/README.md describes the baseline's: qemu.conf with
# user/group root and security_driver none (no AppArmor/SELinux here), libvirtd
# in the foreground under ../shared/bench/subreaper.py (PID 1 here reaps
# orphaned QEMUs only every ~2 s, which would add ~1.6 s to every destroy).
#
# Safety: libvirt's packaged `default` network NATs guests to the machine's
# uplink. No libvirt network may run here: every network autostart link is
# removed before libvirtd starts, none is ever started, and `up` fails (and
# stops what it started) should one be active anyway.
#
# Env: STATE (pidfiles and logs, default /run/stratus-libvirt-peer),
#      SUBREAPER (default ../shared/bench/subreaper.py).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
STATE=${STATE:-/run/stratus-libvirt-peer}
SUBREAPER=${SUBREAPER:-$PWD/../shared/bench/subreaper.py}
URI=qemu:///system
QEMU_CONF=/etc/libvirt/qemu.conf
MARK="# bench/libvirt-peer.sh (stratus): QEMU as root, no security driver"
DAEMONS="libvirtd virtlogd virtlockd virtqemud virtnetworkd dnsmasq"

say() { echo "libvirt-peer: $*" >&2; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { cat "$STATE/$1.pid" 2>/dev/null; }
vs() { timeout 60 virsh -q -c "$URI" "$@"; }

# PIDs of the libvirt-related daemons running now (to list, never to kill by name).
daemon_pids() {
  local d
  for d in $DAEMONS; do ps -C "$d" -o pid= 2>/dev/null; done | tr -d ' ' | sort -n
}

install_if_missing() {
  command -v libvirtd >/dev/null && command -v virsh >/dev/null && return 0
  say "installing libvirt-daemon-system libvirt-clients (Debian packages; the peer of issues 5 and 8)"
  local before after p
  before=$(daemon_pids)
  # No recommends: the xen/lxc/vbox drivers are not needed. This machine's
  # /usr/sbin/policy-rc.d (exit 101) keeps the postinst from starting services;
  # checked below all the same.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    libvirt-daemon-system libvirt-clients >"$STATE/apt.log" 2>&1 ||
    { say "apt-get install failed (see $STATE/apt.log)"; tail -n 20 "$STATE/apt.log" >&2; return 1; }
  after=$(daemon_pids)
  for p in $(comm -13 <(echo "$before") <(echo "$after")); do
    # Started by the packages' scripts during our install: ours to stop.
    say "stopping PID $p ($(ps -o comm= -p "$p")), started by the package install"
    kill "$p" 2>/dev/null
  done
}

configure() {
  [ -f "$QEMU_CONF" ] || { say "no $QEMU_CONF"; return 1; }
  # Replace earlier settings of the three keys (ours or anyone's), then one marked block.
  sed -i -e "\\|^$MARK\$|d" -e '/^[[:space:]]*\(user\|group\|security_driver\)[[:space:]]*=/d' "$QEMU_CONF"
  printf '%s\nuser = "root"\ngroup = "root"\nsecurity_driver = "none"\n' "$MARK" >> "$QEMU_CONF"
  # Never a network: no autostart links (the packaged `default` one NATs to the uplink).
  rm -f /etc/libvirt/qemu/networks/autostart/*
}

wait_gone() {  # PID [tenths]
  local i
  for ((i = 0; i < ${2:-100}; i++)); do alive "$1" || return 0; sleep 0.1; done
  return 1
}

active_networks() { vs net-list --name 2>/dev/null | sed '/^$/d'; }

up() {
  mkdir -p "$STATE"
  if alive "$(pid_of reaper)"; then say "already up (reaper PID $(pid_of reaper))"; return 0; fi
  if [ -S /run/libvirt/libvirt-sock ] && vs version >/dev/null 2>&1; then
    say "a libvirtd this script did not start answers on $URI; not touching it"; return 1
  fi
  [ -x "$SUBREAPER" ] || { say "no $SUBREAPER"; return 1; }
  install_if_missing || return 1
  configure || return 1
  setsid virtlogd -p "$STATE/virtlogd.pid" </dev/null >"$STATE/virtlogd.out" 2>&1 &
  echo $! > "$STATE/virtlogd.pid.launch"
  setsid "$SUBREAPER" --pidfile "$STATE/reaper.pid" libvirtd -p "$STATE/libvirtd.pid" \
    </dev/null >"$STATE/libvirtd.out" 2>&1 &
  echo $! > "$STATE/reaper.pid.launch"
  local i
  for i in $(seq 200); do vs version >/dev/null 2>&1 && break; sleep 0.1; done
  if ! vs version >/dev/null 2>&1; then
    say "libvirtd did not answer on $URI:"; tail -n 20 "$STATE/libvirtd.out" >&2; down; return 1
  fi
  local nets
  nets=$(active_networks)
  if [ -n "$nets" ]; then
    say "a libvirt network is active ($nets): stopping everything"; down; return 1
  fi
  say "up: libvirtd PID $(pid_of libvirtd) (reaper $(pid_of reaper)), virtlogd PID $(pid_of virtlogd); $(vs version | tr '\n' ' ')"
}

down() {
  local r l v d
  r=$(pid_of reaper); [ -n "$r" ] || r=$(cat "$STATE/reaper.pid.launch" 2>/dev/null)
  l=$(pid_of libvirtd)
  v=$(pid_of virtlogd); [ -n "$v" ] || v=$(cat "$STATE/virtlogd.pid.launch" 2>/dev/null)
  if alive "$r" && vs version >/dev/null 2>&1; then
    # The benches' guests (libvirt leaves running QEMUs behind when it stops).
    for d in $(vs list --all --name | grep '^lvb-'); do
      vs destroy "$d" >/dev/null 2>&1; vs undefine "$d" >/dev/null 2>&1
    done
    d=$(vs list --name | sed '/^$/d' | tr '\n' ' ')
    [ -z "$d" ] || say "still running in libvirt (not the benches'): $d"
  fi
  if alive "$r"; then
    kill -TERM "$r"  # the reaper forwards it to libvirtd and exits with it
    wait_gone "$r" 150 || { say "libvirtd did not stop in 15 s: KILL"; alive "$l" && kill -KILL "$l"; kill -KILL "$r"; wait_gone "$r" 50; }
  fi
  if alive "$v"; then kill -TERM "$v"; wait_gone "$v" 50 || kill -KILL "$v"; fi
  rm -f "$STATE"/*.pid.launch
  local left
  left=$(daemon_pids | tr '\n' ' ')
  [ -z "${left// /}" ] || say "libvirt-related processes still running (not started by this script?): $left"
  say "down"
}

status() {
  local n
  for n in reaper libvirtd virtlogd; do
    if alive "$(pid_of $n)"; then echo "$n running, PID $(pid_of $n)"; else echo "$n not running"; fi
  done
  if vs version >/dev/null 2>&1; then
    echo "active libvirt networks: $(active_networks | tr '\n' ' ')(none expected)"
    echo "domains: $(vs list --all --name | sed '/^$/d' | tr '\n' ' ')"
  fi
  echo "libvirt-related processes: $(daemon_pids | tr '\n' ' ')"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
