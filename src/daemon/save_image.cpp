#include "daemon/save_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "util/fd.h"

namespace stratus::daemon {

namespace {

constexpr std::string_view kMagic = "STRATUS-SAVE ";
constexpr std::size_t kMaxHeaderText = 4096;

std::size_t roundUp(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

std::string headerText(const SaveImageHeader& h, std::uint64_t dataOffset) {
  return std::string(kMagic) + "2\nxml-length " + std::to_string(h.xml.size()) + "\nstate " +
         (h.paused ? "paused" : "running") + "\nformat " + h.format + "\ndata-offset " + std::to_string(dataOffset) +
         "\n\n";
}

Error bad(const std::string& label, const std::string& why) {
  return Error(ErrorCode::InvalidArgument,
               "invalid argument: " + label + " is not a Stratus save image (" + why + ")");
}

// A decimal number that fills `text` completely.
std::optional<std::uint64_t> number(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

Status preadAll(int fd, std::string& buf, off_t off, const std::string& label) {
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::pread(fd, buf.data() + got, buf.size() - got, off + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("cannot read save image " + label, errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  buf.resize(got);
  return okStatus();
}

Status pwriteAll(int fd, std::string_view data, off_t off, const std::string& label) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, off + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return systemError("cannot write save image " + label, errno);
    done += static_cast<std::size_t>(n);
  }
  return okStatus();
}

}  // namespace

std::string encodeSaveImageHeader(SaveImageHeader& h, std::size_t spare) {
  h.version = 2;
  // The offset's own digits are part of the header: settle it in two rounds.
  std::uint64_t offset = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t need = headerText(h, offset).size() + h.xml.size() + spare;
    std::uint64_t next = roundUp(need, kSaveImageAlign);
    if (next == offset) break;
    offset = next;
  }
  h.dataOffset = offset;
  std::string out = headerText(h, offset) + h.xml;
  out.resize(static_cast<std::size_t>(offset), '\0');
  return out;
}

Result<SaveImageLayout> parseSaveImageHeader(std::string_view head, const std::string& label) {
  if (head.substr(0, kMagic.size()) != kMagic) return bad(label, "bad magic");
  auto end = head.find("\n\n");
  if (end == std::string_view::npos || end > kMaxHeaderText) return bad(label, "header not terminated");
  SaveImageLayout l;
  auto firstEol = head.find('\n');
  auto version = number(head.substr(kMagic.size(), firstEol - kMagic.size()));
  if (!version || (*version != 1 && *version != 2))
    return bad(label, "unsupported version " + std::string(head.substr(kMagic.size(), firstEol - kMagic.size())));
  l.header.version = static_cast<int>(*version);
  std::optional<std::uint64_t> xmlLen, dataOffset;
  for (std::size_t pos = firstEol + 1; pos < end;) {
    auto eol = head.find('\n', pos);
    std::string_view line = head.substr(pos, eol - pos);
    pos = eol + 1;
    auto sp = line.find(' ');
    std::string_view key = line.substr(0, sp), value = sp == std::string_view::npos ? "" : line.substr(sp + 1);
    if (key == "xml-length") {
      xmlLen = number(value);
      if (!xmlLen) return bad(label, "bad xml-length");
    } else if (key == "state") {
      if (value != "running" && value != "paused") return bad(label, "bad state '" + std::string(value) + "'");
      l.header.paused = value == "paused";
    } else if (key == "format") {
      if (value.empty()) return bad(label, "empty format");
      l.header.format = std::string(value);
    } else if (key == "data-offset") {
      dataOffset = number(value);
      if (!dataOffset) return bad(label, "bad data-offset");
    }
    // other keys: written by a newer Stratus, not needed to restore
  }
  if (!xmlLen || *xmlLen == 0 || *xmlLen > kSaveImageMaxXml) return bad(label, "bad xml-length");
  l.xmlOffset = end + 2;
  l.xmlLength = static_cast<std::size_t>(*xmlLen);
  std::uint64_t xmlEnd = l.xmlOffset + l.xmlLength;
  if (l.header.version == 1) {
    l.header.format = "raw";
    l.header.dataOffset = xmlEnd;
  } else {
    if (!dataOffset) return bad(label, "no data-offset");
    if (*dataOffset < xmlEnd) return bad(label, "data-offset inside the XML");
    l.header.dataOffset = *dataOffset;
  }
  return l;
}

Result<SaveImageHeader> readSaveImageHeader(int fd, const std::string& label) {
  std::string head(kMaxHeaderText + 2, '\0');
  STRATUS_TRY(preadAll(fd, head, 0, label));
  auto l = parseSaveImageHeader(head, label);
  if (!l) return std::move(l).error();
  SaveImageHeader h = std::move(l->header);
  h.xml.assign(l->xmlLength, '\0');
  STRATUS_TRY(preadAll(fd, h.xml, static_cast<off_t>(l->xmlOffset), label));
  if (h.xml.size() != l->xmlLength) return bad(label, "truncated");
  struct stat st {};
  if (::fstat(fd, &st) != 0) return systemError("cannot stat save image " + label, errno);
  if (static_cast<std::uint64_t>(st.st_size) < h.dataOffset) return bad(label, "truncated");
  if (::lseek(fd, static_cast<off_t>(h.dataOffset), SEEK_SET) < 0)
    return systemError("cannot seek in save image " + label, errno);
  return h;
}

Status rewriteSaveImage(const std::string& path, const std::string& xml, std::optional<bool> paused) {
  UniqueFd f(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (!f.valid()) return systemError("cannot open save image " + path, errno);
  auto old = readSaveImageHeader(f.get(), path);
  if (!old) return std::move(old).error();
  SaveImageHeader h = *old;
  h.xml = xml;
  if (paused) h.paused = *paused;
  // In place: the new header + XML must end before the state begins.
  if (old->version == 2 && headerText(h, old->dataOffset).size() + xml.size() <= old->dataOffset) {
    std::string out = headerText(h, old->dataOffset) + xml;
    out.resize(static_cast<std::size_t>(old->dataOffset), '\0');
    STRATUS_TRY(pwriteAll(f.get(), out, 0, path));
    if (::fdatasync(f.get()) != 0) return systemError("cannot sync save image " + path, errno);
    return okStatus();
  }
  // Otherwise a new file: new header, then the state copied across.
  std::string out = encodeSaveImageHeader(h);
  std::string tmp = path + ".stratus-part";
  UniqueFd t(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!t.valid()) return systemError("cannot create " + tmp, errno);
  auto fail = [&](Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  if (auto s = pwriteAll(t.get(), out, 0, tmp); !s) return fail(s);
  loff_t in = static_cast<loff_t>(old->dataOffset), outOff = static_cast<loff_t>(h.dataOffset);
  for (;;) {
    ssize_t n = ::copy_file_range(f.get(), &in, t.get(), &outOff, 1 << 30, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(systemError("cannot copy save image " + path, errno));
    if (n == 0) break;
  }
  if (::fsync(t.get()) != 0) return fail(systemError("cannot sync " + tmp, errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(systemError("cannot replace " + path, errno));
  return okStatus();
}

}  // namespace stratus::daemon
