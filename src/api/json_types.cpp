#include "api/json_types.h"

#include <array>
#include <charconv>

namespace stratus::api {

namespace {
constexpr std::array<std::string_view, 8> kStateNames = {
    "nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"};
}  // namespace

std::string_view stateWireName(conf::DomainState s) {
  auto i = static_cast<std::size_t>(s);
  return i < kStateNames.size() ? kStateNames[i] : kStateNames[0];
}

std::optional<conf::DomainState> stateFromWireName(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == name) return static_cast<conf::DomainState>(i);
  return std::nullopt;
}

std::string_view metadataKindName(daemon::MetadataKind k) {
  return k == daemon::MetadataKind::Title ? "title" : "description";
}

std::optional<daemon::MetadataKind> metadataKindFromName(std::string_view name) {
  if (name == "title") return daemon::MetadataKind::Title;
  if (name == "description") return daemon::MetadataKind::Description;
  return std::nullopt;
}

nlohmann::json errorToJson(const Error& e) {
  nlohmann::json inner = {{"code", errorCodeName(e.code)}, {"message", e.message}};
  if (e.where) {
    inner["file"] = e.where->file;
    inner["line"] = e.where->line;
    inner["field"] = e.where->field;
  }
  return {{"error", std::move(inner)}};
}

Error errorFromJson(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object())
    return Error(ErrorCode::InternalError, "malformed error reply from stratusd: " + j.dump());
  const auto& e = j["error"];
  Error out;
  try {
    out.code = errorCodeFromName(e.value("code", std::string("internal-error")));
    out.message = e.value("message", std::string());
    if (e.contains("file") || e.contains("line") || e.contains("field")) {
      ErrorLocation loc;
      loc.file = e.value("file", std::string());
      loc.line = e.value("line", 0);
      loc.field = e.value("field", std::string());
      out.where = std::move(loc);
    }
  } catch (const nlohmann::json::exception& ex) {
    return Error(ErrorCode::InternalError, std::string("malformed error reply from stratusd: ") + ex.what());
  }
  return out;
}

int httpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::Ok: return 200;
    case ErrorCode::InvalidArgument:
    case ErrorCode::XmlSyntax:
    case ErrorCode::XmlInvalid: return 400;
    case ErrorCode::AuthFailed: return 401;
    case ErrorCode::NoDomain:
    case ErrorCode::NoNetwork:
    case ErrorCode::NoStoragePool:
    case ErrorCode::NoStorageVolume: return 404;
    case ErrorCode::DomainExists:
    case ErrorCode::OperationInvalid:
    case ErrorCode::Busy:
    case ErrorCode::Cancelled: return 409;
    case ErrorCode::Unsupported: return 501;
    case ErrorCode::ConnectFailed: return 502;
    case ErrorCode::Timeout:
    case ErrorCode::OperationTimeout: return 504;
    case ErrorCode::InternalError:
    case ErrorCode::OperationFailed:
    case ErrorCode::SystemError: return 500;
  }
  return 500;
}

Result<nlohmann::json> parseJson(std::string_view text, std::string_view what) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Error(ErrorCode::InvalidArgument, "malformed JSON in " + std::string(what));
  return j;
}

}  // namespace stratus::api

namespace stratus {

void to_json(nlohmann::json& j, const ErrorLocation& v) {
  j = {{"file", v.file}, {"line", v.line}, {"field", v.field}};
}
void from_json(const nlohmann::json& j, ErrorLocation& v) {
  v.file = j.value("file", std::string());
  v.line = j.value("line", 0);
  v.field = j.value("field", std::string());
}

}  // namespace stratus

namespace stratus::conf {

void to_json(nlohmann::json& j, const Warning& v) {
  j = {{"message", v.message}, {"file", v.where.file}, {"line", v.where.line}, {"field", v.where.field}};
}
void from_json(const nlohmann::json& j, Warning& v) {
  v.message = j.value("message", std::string());
  from_json(j, v.where);
}

}  // namespace stratus::conf

namespace stratus::daemon {

void to_json(nlohmann::json& j, const DomainSummary& v) {
  j = {{"id", v.id},
       {"name", v.name},
       {"uuid", v.uuid},
       {"state", api::stateWireName(v.state)},
       {"reason", v.reason},
       {"persistent", v.persistent},
       {"autostart", v.autostart},
       {"managed_save", v.managedSave},
       {"title", v.title}};
}
void from_json(const nlohmann::json& j, DomainSummary& v) {
  v.id = j.value("id", -1);
  v.name = j.value("name", std::string());
  v.uuid = j.value("uuid", std::string());
  auto st = api::stateFromWireName(j.value("state", std::string("nostate")));
  v.state = st.value_or(conf::DomainState::NoState);
  v.reason = j.value("reason", 0);
  v.persistent = j.value("persistent", true);
  v.autostart = j.value("autostart", false);
  v.managedSave = j.value("managed_save", false);
  v.title = j.value("title", std::string());
}

void to_json(nlohmann::json& j, const DomainInfo& v) {
  j = v.summary;
  j["os_type"] = v.osType;
  j["max_mem_kib"] = v.maxMemKiB;
  j["used_mem_kib"] = v.usedMemKiB;
  j["vcpus"] = v.vcpus;
  j["cpu_time_ns"] = v.cpuTimeNs;
  j["security_model"] = v.securityModel;
  j["security_doi"] = v.securityDoi;
  j["security_label"] = v.securityLabel;
}
void from_json(const nlohmann::json& j, DomainInfo& v) {
  from_json(j, v.summary);
  v.osType = j.value("os_type", std::string());
  v.maxMemKiB = j.value("max_mem_kib", std::uint64_t{0});
  v.usedMemKiB = j.value("used_mem_kib", std::uint64_t{0});
  v.vcpus = j.value("vcpus", 0u);
  v.cpuTimeNs = j.value("cpu_time_ns", std::uint64_t{0});
  v.securityModel = j.value("security_model", std::string("none"));
  v.securityDoi = j.value("security_doi", std::string("0"));
  v.securityLabel = j.value("security_label", std::string());
}

void to_json(nlohmann::json& j, const NodeInfo& v) {
  j = {{"model", v.model},     {"cpus", v.cpus},       {"mhz", v.mhz},
       {"nodes", v.nodes},     {"sockets", v.sockets}, {"cores", v.cores},
       {"threads", v.threads}, {"memory_kib", v.memoryKiB}};
}
void from_json(const nlohmann::json& j, NodeInfo& v) {
  v.model = j.value("model", std::string());
  v.cpus = j.value("cpus", 0u);
  v.mhz = j.value("mhz", 0u);
  v.nodes = j.value("nodes", 1u);
  v.sockets = j.value("sockets", 1u);
  v.cores = j.value("cores", 1u);
  v.threads = j.value("threads", 1u);
  v.memoryKiB = j.value("memory_kib", std::uint64_t{0});
}

void to_json(nlohmann::json& j, const VersionInfo& v) {
  j = {{"library_version", v.libraryVersion},
       {"hypervisor_name", v.hypervisorName},
       {"hypervisor_version", v.hypervisorVersion}};
}
void from_json(const nlohmann::json& j, VersionInfo& v) {
  v.libraryVersion = j.value("library_version", std::string());
  v.hypervisorName = j.value("hypervisor_name", std::string());
  v.hypervisorVersion = j.value("hypervisor_version", std::string());
}

void to_json(nlohmann::json& j, const DefineResult& v) {
  j = {{"domain", v.domain}, {"warnings", v.warnings}};
}
void from_json(const nlohmann::json& j, DefineResult& v) {
  j.at("domain").get_to(v.domain);
  v.warnings = j.value("warnings", std::vector<conf::Warning>{});
}

void to_json(nlohmann::json& j, const DomainEvent& v) {
  j = {{"name", v.domainName}, {"uuid", v.domainUuid}, {"type", v.type}, {"detail", v.detail}, {"seq", v.seq}};
}
void from_json(const nlohmann::json& j, DomainEvent& v) {
  v.domainName = j.value("name", std::string());
  v.domainUuid = j.value("uuid", std::string());
  v.type = j.value("type", 0);
  v.detail = j.value("detail", 0);
  v.seq = j.value("seq", std::uint64_t{0});
}

void to_json(nlohmann::json& j, const StartOptions& v) {
  j = {{"paused", v.paused}, {"autodestroy", v.autodestroy}, {"bypass_cache", v.bypassCache},
       {"force_boot", v.forceBoot}};
}
void from_json(const nlohmann::json& j, StartOptions& v) {
  v.paused = j.value("paused", false);
  v.autodestroy = j.value("autodestroy", false);
  v.bypassCache = j.value("bypass_cache", false);
  v.forceBoot = j.value("force_boot", false);
}

void to_json(nlohmann::json& j, const ShutdownOptions& v) { j = {{"mode", v.mode}}; }
void from_json(const nlohmann::json& j, ShutdownOptions& v) { v.mode = j.value("mode", std::string()); }

void to_json(nlohmann::json& j, const DestroyOptions& v) { j = {{"graceful", v.graceful}}; }
void from_json(const nlohmann::json& j, DestroyOptions& v) { v.graceful = j.value("graceful", false); }

void to_json(nlohmann::json& j, const SaveOptions& v) {
  j = {{"running", v.running}, {"paused", v.paused}, {"bypass_cache", v.bypassCache}};
}
void from_json(const nlohmann::json& j, SaveOptions& v) {
  v.running = j.value("running", false);
  v.paused = j.value("paused", false);
  v.bypassCache = j.value("bypass_cache", false);
}

void to_json(nlohmann::json& j, const ModifyScope& v) { j = {{"live", v.live}, {"config", v.config}}; }
void from_json(const nlohmann::json& j, ModifyScope& v) {
  v.live = j.value("live", false);
  v.config = j.value("config", false);
}

void to_json(nlohmann::json& j, const UndefineOptions& v) {
  j = {{"managed_save", v.managedSave}, {"remove_all_storage", v.removeAllStorage}, {"nvram", v.nvram},
       {"keep_nvram", v.keepNvram}};
}
void from_json(const nlohmann::json& j, UndefineOptions& v) {
  v.managedSave = j.value("managed_save", false);
  v.removeAllStorage = j.value("remove_all_storage", false);
  v.nvram = j.value("nvram", false);
  v.keepNvram = j.value("keep_nvram", false);
}

void to_json(nlohmann::json& j, const XmlOptions& v) {
  j = {{"inactive", v.inactive}, {"security_info", v.securityInfo}};
}
void from_json(const nlohmann::json& j, XmlOptions& v) {
  v.inactive = j.value("inactive", false);
  v.securityInfo = j.value("security_info", false);
}

}  // namespace stratus::daemon

namespace stratus::api {

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when invalid.
std::size_t utf8Length(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n;
  std::uint32_t cp;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
    return 0;
  return n;
}

void appendField(std::string& out, const char* key, std::string_view value) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
  appendJsonString(out, value);
}

void appendInt(std::string& out, const char* key, long long value) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
  out.append(std::to_string(value));
}

void appendBool(std::string& out, const char* key, bool value) {
  out.push_back('"');
  out.append(key);
  out.append(value ? "\":true" : "\":false");
}

// A small pull reader for the domain list: no DOM, no per-token
// allocation beyond the strings it keeps. Unknown fields are skipped, so
// newer daemons may add fields.
class ListReader {
 public:
  explicit ListReader(std::string_view t) : t_(t) {}

  bool parse(std::vector<daemon::DomainSummary>& out) {
    if (!expect('{')) return false;
    if (peek() == '}') return ++p_, atEnd();
    for (;;) {
      std::string key;
      if (!readString(key) || !expect(':')) return false;
      if (key == "domains") {
        if (!readList(out)) return false;
      } else if (!skipValue()) {
        return false;
      }
      if (peek() == ',') {
        ++p_;
        continue;
      }
      return expect('}') && atEnd();
    }
  }
  const std::string& error() const { return err_; }

 private:
  bool readList(std::vector<daemon::DomainSummary>& out) {
    if (!expect('[')) return false;
    if (peek() == ']') return ++p_, true;
    for (;;) {
      auto& d = out.emplace_back();
      if (!readSummary(d)) return false;
      if (peek() == ',') {
        ++p_;
        continue;
      }
      return expect(']');
    }
  }

  bool readSummary(daemon::DomainSummary& d) {
    if (!expect('{')) return false;
    if (peek() == '}') return ++p_, true;
    std::string key, sval;
    for (;;) {
      if (!readString(key) || !expect(':')) return false;
      bool ok = true;
      if (key == "name") ok = readString(d.name);
      else if (key == "uuid") ok = readString(d.uuid);
      else if (key == "title") ok = readString(d.title);
      else if (key == "state") {
        ok = readString(sval);
        d.state = stateFromWireName(sval).value_or(conf::DomainState::NoState);
      } else if (key == "id") ok = readInt(d.id);
      else if (key == "reason") ok = readInt(d.reason);
      else if (key == "persistent") ok = readBool(d.persistent);
      else if (key == "autostart") ok = readBool(d.autostart);
      else if (key == "managed_save") ok = readBool(d.managedSave);
      else ok = skipValue();
      if (!ok) return false;
      if (peek() == ',') {
        ++p_;
        continue;
      }
      return expect('}');
    }
  }

  void ws() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\n' || t_[p_] == '\r' || t_[p_] == '\t')) ++p_;
  }
  char peek() {
    ws();
    return p_ < t_.size() ? t_[p_] : '\0';
  }
  bool atEnd() {
    ws();
    return p_ == t_.size() || fail("trailing data");
  }
  bool fail(const char* what) {
    if (err_.empty()) err_ = std::string(what) + " at byte " + std::to_string(p_);
    return false;
  }
  bool expect(char c) {
    if (peek() != c) return fail("unexpected character");
    ++p_;
    return true;
  }
  bool readBool(bool& v) {
    ws();
    if (t_.substr(p_, 4) == "true") {
      v = true;
      p_ += 4;
      return true;
    }
    if (t_.substr(p_, 5) == "false") {
      v = false;
      p_ += 5;
      return true;
    }
    return fail("expected a boolean");
  }
  bool readInt(int& v) {
    ws();
    long long x = 0;
    auto [end, ec] = std::from_chars(t_.data() + p_, t_.data() + t_.size(), x);
    if (ec != std::errc()) return fail("expected an integer");
    p_ = static_cast<std::size_t>(end - t_.data());
    v = static_cast<int>(x);
    return true;
  }
  static void appendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }
  bool hex4(std::uint32_t& v) {
    if (p_ + 4 > t_.size()) return fail("short \\u escape");
    v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = t_[p_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return fail("bad \\u escape");
    }
    return true;
  }
  bool readString(std::string& out) {
    if (!expect('"')) return false;
    out.clear();
    for (;;) {
      std::size_t start = p_;
      while (p_ < t_.size() && t_[p_] != '"' && t_[p_] != '\\') ++p_;
      out.append(t_.data() + start, p_ - start);
      if (p_ >= t_.size()) return fail("unterminated string");
      if (t_[p_++] == '"') return true;
      if (p_ >= t_.size()) return fail("unterminated escape");
      char e = t_[p_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xd800 && cp <= 0xdbff && t_.substr(p_, 2) == "\\u") {
            p_ += 2;
            std::uint32_t lo;
            if (!hex4(lo)) return false;
            if (lo >= 0xdc00 && lo <= 0xdfff) cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            else cp = 0xfffd;
          } else if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xfffd;
          }
          appendUtf8(out, cp);
          break;
        }
        default: return fail("bad escape");
      }
    }
  }
  bool skipValue() {
    char c = peek();
    if (c == '"') {
      std::string ignored;
      return readString(ignored);
    }
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++p_;
      if (peek() == close) return ++p_, true;
      for (;;) {
        if (c == '{') {
          std::string k;
          if (!readString(k) || !expect(':')) return false;
        }
        if (!skipValue()) return false;
        if (peek() == ',') {
          ++p_;
          continue;
        }
        return expect(close);
      }
    }
    // number, true, false, null
    std::size_t start = p_;
    while (p_ < t_.size() && std::string_view("+-.0123456789eEtruefalsn").find(t_[p_]) != std::string_view::npos) ++p_;
    return p_ > start || fail("expected a value");
  }

  std::string_view t_;
  std::size_t p_ = 0;
  std::string err_;
};

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      // Copy the run of plain characters at once.
      std::size_t j = i + 1;
      while (j < s.size()) {
        auto d = static_cast<unsigned char>(s[j]);
        if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\') break;
        ++j;
      }
      out.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    if (c >= 0x80) {
      auto n = utf8Length(s, i);
      if (n == 0) {
        out.append("\\ufffd");
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    ++i;
  }
  out.push_back('"');
}

std::string encodeDomainList(const std::vector<daemon::DomainSummary>& list) {
  std::string out;
  out.reserve(64 + list.size() * 200);
  out.append("{\"domains\":[");
  bool first = true;
  // Keys in the order nlohmann's (sorted) objects print them.
  for (const auto& d : list) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('{');
    appendBool(out, "autostart", d.autostart);
    out.push_back(',');
    appendInt(out, "id", d.id);
    out.push_back(',');
    appendBool(out, "managed_save", d.managedSave);
    out.push_back(',');
    appendField(out, "name", d.name);
    out.push_back(',');
    appendBool(out, "persistent", d.persistent);
    out.push_back(',');
    appendInt(out, "reason", d.reason);
    out.push_back(',');
    appendField(out, "state", stateWireName(d.state));
    out.push_back(',');
    appendField(out, "title", d.title);
    out.push_back(',');
    appendField(out, "uuid", d.uuid);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

Result<std::vector<daemon::DomainSummary>> decodeDomainList(std::string_view text) {
  std::vector<daemon::DomainSummary> out;
  ListReader reader(text);
  if (!reader.parse(out)) return Error(ErrorCode::InternalError, "malformed domain list from stratusd: " + reader.error());
  return out;
}

}  // namespace stratus::api
