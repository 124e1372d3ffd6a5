// stratus: the virsh-compatible command line client and shell.
#include <getopt.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/connect.h"
#include "cli/ctl.h"
#include "cli/proxy.h"
#include "cli/shell.h"

namespace {
void usage() {
  const char* argv0 = "stratus";
  std::printf(
      "\n%s [options]... [<command_string>]\n"
      "%s [options]... <command> [args...]\n\n"
      "  options:\n"
      "    -c | --connect=URI      hypervisor connection URI\n"
      "    -h | --help             this help\n"
      "    -q | --quiet            quiet mode\n"
      "    -r | --readonly         connect readonly\n"
      "    -v                      short version\n"
      "    -V                      long version\n"
      "         --version[=TYPE]   version, TYPE is short or long (default short)\n\n"
      "  commands (non interactive mode):\n\n"
      "  proxy [--socket PATH]     relay stdin/stdout to the local stratusd (what qemu+ssh:// runs remotely)\n\n"
      "  (use 'help' to list them, 'help COMMAND' for one)\n\n",
      argv0, argv0);
}
}  // namespace

int main(int argc, char** argv) {
  static const option longOpts[] = {
      {"connect", required_argument, nullptr, 'c'}, {"quiet", no_argument, nullptr, 'q'},
      {"readonly", no_argument, nullptr, 'r'},      {"help", no_argument, nullptr, 'h'},
      {"version", optional_argument, nullptr, 'v'}, {"debug", required_argument, nullptr, 'd'},
      {"log", required_argument, nullptr, 'l'},     {"timing", no_argument, nullptr, 't'},
      {"escape", required_argument, nullptr, 'e'},  {"keepalive-interval", required_argument, nullptr, 'k'},
      {"keepalive-count", required_argument, nullptr, 'K'}, {nullptr, 0, nullptr, 0}};
  const char* uri = nullptr;
  bool quiet = false, readonly = false;
  int c;
  while ((c = getopt_long(argc, argv, "+c:qrhvVd:l:te:k:K:", longOpts, nullptr)) != -1) {
    switch (c) {
      case 'c': uri = optarg; break;
      case 'q': quiet = true; break;
      case 'r': readonly = true; break;
      case 'h': usage(); return 0;
      case 'v':
        if (optarg && std::string(optarg) == "long") {
          std::printf("Stratus command line tool, version %s\n", STRATUS_VERSION);
        } else {
          std::printf("%s\n", STRATUS_VERSION);
        }
        return 0;
      case 'V': std::printf("Stratus command line tool, version %s\n", STRATUS_VERSION); return 0;
      case 'd': case 'l': case 't': case 'e': case 'k': case 'K': break;  // accepted, no effect
      default:
        std::fprintf(stderr, "error: unsupported option '%s'. See --help.\n", argv[optind - 1]);
        return 1;
    }
  }
  // Not a virsh command: the remote end of qemu+ssh://, no connection of its own.
  if (optind < argc && std::string(argv[optind]) == "proxy") return stratus::cli::runProxy(argc - optind, argv + optind);
  stratus::cli::Ctl ctl(stratus::cli::resolveUri(uri));
  ctl.quiet = quiet;
  ctl.readonly = readonly;
  int rest = argc - optind;
  if (rest == 0) return stratus::cli::runShell(ctl);
  bool ok;
  if (rest == 1) {
    ok = ctl.runLine(argv[optind]);
  } else {
    // Separate arguments are one command, taken as given (as virsh does).
    ok = ctl.runCommands({std::vector<std::string>(argv + optind, argv + argc)});
  }
  return ok ? 0 : 1;
}
