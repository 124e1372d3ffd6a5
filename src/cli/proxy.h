// `stratus proxy [--socket PATH]`: what qemu+ssh:// runs on the remote host
// (libvirt's virt-ssh-helper). Relays stdin/stdout to the local daemon's
// unix socket, byte for byte, until either side ends.
#pragma once

namespace stratus::cli {

// argv[0] is "proxy". Returns the process exit code.
int runProxy(int argc, char** argv);

}  // namespace stratus::cli
