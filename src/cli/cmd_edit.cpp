// edit, net-edit (and desc --edit): the user's editor on a temporary file,
// with virsh's "Try again?" loop when the edited XML does not define.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/handlers.h"

namespace stratus::cli {

namespace {
std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

const char* editorCommand() {
  for (const char* env : {"VISUAL", "EDITOR"})
    if (const char* v = std::getenv(env); v && *v) return v;
  return "vi";
}

// y: edit again, n: give up, i/f: also edit again (we have no schema switch).
char askReedit(Ctl& ctl) {
  if (!isatty(STDIN_FILENO)) return 'n';
  for (;;) {
    ctl.print("Failed. Try again? [y,n,i,f,?]: ");
    ctl.flush();
    int c = std::getchar();
    int rest = c;
    while (rest != '\n' && rest != EOF) rest = std::getchar();
    if (c == EOF) return 'n';
    switch (c) {
      case 'y': case 'n': case 'i': case 'f': return static_cast<char>(c);
      default:
        ctl.print("y - yes, start editor again\n"
                  "n - no, throw away my changes\n"
                  "i - turn off validation and try to redefine again\n"
                  "f - force, try to redefine again\n"
                  "? - print this help\n");
    }
  }
}
}  // namespace

std::optional<std::string> editText(Ctl& ctl, const std::string& text, const char* suffix) {
  std::string path = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : std::string("/tmp")) +
                     "/stratusXXXXXX" + suffix;
  int fd = mkstemps(path.data(), static_cast<int>(std::strlen(suffix)));
  if (fd < 0) {
    ctl.error(fmt::format("Failed to create temporary file: {}", std::strerror(errno)));
    return std::nullopt;
  }
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    ::close(fd);
    ::unlink(path.c_str());
    ctl.error(fmt::format("Failed to write temporary file '{}'", path));
    return std::nullopt;
  }
  ::close(fd);
  ctl.flush();
  std::string cmd = fmt::format("{} {}", editorCommand(), shellQuote(path));
  int rc = std::system(cmd.c_str());
  std::optional<std::string> result;
  if (rc != 0) {
    int status = rc > 0 && WIFEXITED(rc) ? WEXITSTATUS(rc) : rc;
    ctl.error(fmt::format("{}: command failed with exit status {}", cmd, status));
  } else {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    result = ss.str();
  }
  ::unlink(path.c_str());
  return result;
}

bool editDefinition(Ctl& ctl, const std::string& original, std::string_view notChanged,
                    const std::function<Result<std::string>(const std::string&)>& define,
                    const std::function<std::string(const std::string&)>& edited) {
  std::string current = original;
  for (;;) {
    auto text = editText(ctl, current, ".xml");
    if (!text) return false;
    if (*text == original) {
      ctl.printExtra(notChanged);
      return true;
    }
    auto name = define(*text);
    if (name) {
      ctl.printExtra(edited(*name));
      return true;
    }
    ctl.error(name.error());
    current = *text;
    char answer = askReedit(ctl);
    if (answer == 'n') return false;
  }
}

bool cmdEdit(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto* conn = ctl.conn();
  daemon::XmlOptions xo;
  xo.inactive = true;
  xo.securityInfo = true;
  auto orig = conn->domainXml(d->uuid, xo);
  if (!orig) return fail(ctl, orig.error());
  return editDefinition(
      ctl, *orig, fmt::format("Domain '{}' XML configuration not changed.\n", d->name),
      [&](const std::string& xml) -> Result<std::string> {
        auto r = conn->defineDomain(xml, "<edit>");
        if (!r) return std::move(r).error();
        return r->domain.name;
      },
      [](const std::string& name) { return fmt::format("Domain '{}' XML configuration edited.\n", name); });
}

}  // namespace stratus::cli
