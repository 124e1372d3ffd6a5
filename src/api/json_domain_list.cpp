// The fast path for big domain lists: a direct JSON writer and a pull reader
// (no DOM), producing and accepting the same document as
// nlohmann::json{{"domains", list}}.
#include <charconv>

#include "api/json_types.h"

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
          std::uint32_t cp = 0;
          if (!hex4(cp)) return false;
          if (cp >= 0xd800 && cp <= 0xdbff && t_.substr(p_, 2) == "\\u") {
            p_ += 2;
            std::uint32_t lo = 0;
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
