#!/bin/bash
# Installs every build, run and test dependency from Debian 12 packages.
# Idempotent; run as root. Why each package is here: docs/dependencies.md.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  # build
  build-essential cmake ninja-build pkg-config
  # libraries (DESIGN.md)
  libboost-dev libboost-system-dev nlohmann-json3-dev libpugixml-dev libcli11-dev
  libfmt-dev libspdlog-dev libsqlite3-dev libedit-dev
  # tests
  libgtest-dev googletest python3
  # hypervisor and the test guest
  qemu-system-x86 qemu-utils busybox-static linux-image-cloud-amd64 cpio
  # the peer we compare against (virsh -c test:///default), not a dependency;
  # libvirtd itself (libvirt-daemon-system), the benchmarks' same-run peer, is
  # installed by bench/libvirt-peer.sh up only (docs/dependencies.md)
  libvirt-clients
  # networking (virtual networks, test namespaces; Open vSwitch for OVS ports)
  iproute2 dnsmasq-base nftables openvswitch-switch
  # storage pools (issue 6): file systems, LVM, iSCSI target and userspace
  # initiator, QEMU's network block drivers, NFS client tools and server
  xfsprogs dosfstools lvm2 tgt libiscsi-bin open-iscsi qemu-block-extra
  nfs-common rpcbind nfs-ganesha nfs-ganesha-vfs
  # the test guest's bootable disk image (boot.img: FAT + syslinux, made with mtools)
  syslinux syslinux-common mtools
  # remote URIs (issue 8): qemu+ssh:// runs ssh; the test starts its own sshd in a
  # namespace; curl reads /metrics in the remote tests
  openssh-client openssh-server curl
  # stratus-cloud's optional PostgreSQL database (issue 9): libpq to build
  # against; the server so the tests can start their own (initdb, pg_ctl)
  libpq-dev postgresql
  # the S3/EC2 request signatures (issue 10): HMAC, SHA-256, MD5 from OpenSSL;
  # nodejs (with npm) runs the AWS SDK for JavaScript against the S3 server
  # (tests/e2e/cloud_s3_sdk.sh; Debian's own nodejs lacks npm: that test then SKIPs)
  libssl-dev nodejs
  # EC2 instances' user data and key pairs reach the guest on a cloud-init
  # NoCloud seed ISO (volume label cidata)
  genisoimage
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
