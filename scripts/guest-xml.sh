#!/bin/bash
# guest-xml.sh NAME MEM_MIB DISK SERIAL_LOG
# Prints the domain XML of the project's test guest (scripts/guest-domain.xml.in)
# with its own qcow2 overlay DISK (created here, backed by the guest's base
# disk) and its serial console in SERIAL_LOG. GUEST_DIR: where
# scripts/make-guest.sh put the guest (default /var/tmp/stratus-guest).
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 NAME MEM_MIB DISK SERIAL_LOG" >&2; exit 2; }
name=$1 mem=$2 disk=$3 serial=$4
GUEST_DIR=${GUEST_DIR:-/var/tmp/stratus-guest}
here=$(dirname "$0")
rm -f "$disk"
qemu-img create -q -f qcow2 -b "$GUEST_DIR/disk.qcow2" -F qcow2 "$disk"
# The disk placeholder goes first: it contains @GUEST_DIR@ itself.
sed -e "s|@NAME@|$name|; s|@UUID@|$(cat /proc/sys/kernel/random/uuid)|; s|@MEM_MIB@|$mem|" \
    -e "s|@GUEST_DIR@/disk.qcow2|$disk|; s|@GUEST_DIR@|$GUEST_DIR|g; s|@SERIAL_LOG@|$serial|g" \
    "$here/guest-domain.xml.in"
