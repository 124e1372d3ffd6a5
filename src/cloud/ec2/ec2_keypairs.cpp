// CreateKeyPair (ssh-keygen makes the key; the private half is returned
// once and never stored), ImportKeyPair, DescribeKeyPairs, DeleteKeyPair.
// The public key reaches guests through the instance's cloud-init seed.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/ec2/ec2_context.h"
#include "util/process.h"
#include "util/temp_dir.h"

namespace stratus::cloud::ec2 {

namespace {

Result<std::string> readAll(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error(ErrorCode::SystemError, "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// EC2's fingerprint forms: colon-separated MD5 for RSA, base64 SHA-256 for
// ed25519, taken from `ssh-keygen -l`.
Result<std::string> fingerprint(Ctx& c, const std::string& pubFile, const std::string& type) {
  bool rsa = type == "rsa";
  auto out = runCapture({c.s.opts.keygen, "-l", "-E", rsa ? "md5" : "sha256", "-f", pubFile});
  if (!out) return ec2Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
  std::istringstream words(*out);
  std::string bits, fp;
  words >> bits >> fp;
  auto colon = fp.find(':');
  if (colon == std::string::npos) return ec2Error("InternalError", "ssh-keygen printed no fingerprint: " + trimmed(*out));
  return fp.substr(colon + 1);
}

Status validKeyName(const std::string& name) {
  if (name.empty() || name.size() > 255 ||
      std::any_of(name.begin(), name.end(), [](unsigned char ch) { return ch < 0x20 || ch > 0x7e; }))
    return ec2Error("InvalidParameterValue", "Key pair names are 1-255 printable ASCII characters");
  return okStatus();
}

void keyPairItem(pugi::xml_node parent, const KeyPair& k) {
  addText(parent, "keyPairId", "key-" + std::string(17 - std::min<std::size_t>(17, std::to_string(k.id).size()), '0') +
                                   std::to_string(k.id));
  addText(parent, "keyName", k.name);
  addText(parent, "keyFingerprint", k.fingerprint);
  addText(parent, "keyType", k.type);
  addText(parent, "publicKey", k.publicKey);
  addText(parent, "createTime", aws::formatIsoDate(k.created));
}

}  // namespace

Status createKeyPair(Ctx& c) {
  auto name = c.p.required("KeyName");
  if (!name) return std::move(name).error();
  STRATUS_TRY(validKeyName(*name));
  std::string type = c.p.value("KeyType", "rsa");
  if (type != "rsa" && type != "ed25519") return ec2Error("InvalidParameterValue", "KeyType must be rsa or ed25519");
  std::string format = c.p.value("KeyFormat", "pem");
  if (format != "pem") return ec2Error("InvalidParameterValue", "KeyFormat pem is the only one supported");
  auto existing = c.s.ec2.keyPairs(c.user.id);
  if (!existing) return std::move(existing).error();
  if (std::any_of(existing->begin(), existing->end(), [&](const KeyPair& k) { return k.name == *name; }))
    return ec2Error("InvalidKeyPair.Duplicate", "The keypair '" + *name + "' already exists.");
  auto dir = TempDir::create("stratus-ec2-key");
  if (!dir) return ec2Error("InternalError", "cannot create a temporary directory for the key");
  std::string file = dir->path() + "/key";
  std::vector<std::string> argv = {c.s.opts.keygen, "-q", "-t", type, "-N", "", "-C", *name, "-f", file};
  if (type == "rsa") argv.insert(argv.end(), {"-b", "2048", "-m", "PEM"});
  if (auto out = runCapture(argv); !out) return ec2Error("InternalError", "ssh-keygen failed: " + out.error().message);
  auto priv = readAll(file);
  if (!priv) return std::move(priv).error();
  auto pub = readAll(file + ".pub");
  if (!pub) return std::move(pub).error();
  auto fp = fingerprint(c, file + ".pub", type);
  if (!fp) return std::move(fp).error();
  auto k = c.s.ec2.addKeyPair(KeyPair{0, c.user.id, *name, type, *fp, trimmed(*pub), c.s.now()});
  if (!k) return std::move(k).error();
  addText(c.root, "keyName", k->name);
  addText(c.root, "keyFingerprint", k->fingerprint);
  addText(c.root, "keyMaterial", trimmed(*priv));
  addText(c.root, "keyPairId", "key-" + std::string(17 - std::min<std::size_t>(17, std::to_string(k->id).size()), '0') +
                                   std::to_string(k->id));
  return okStatus();
}

Status importKeyPair(Ctx& c) {
  auto name = c.p.required("KeyName");
  if (!name) return std::move(name).error();
  STRATUS_TRY(validKeyName(*name));
  auto material = c.p.required("PublicKeyMaterial");
  if (!material) return std::move(material).error();
  // The SDK sends the key line base64-encoded (a blob); old tools the line itself.
  std::string line = material->rfind("ssh-", 0) == 0 ? *material : aws::base64Decode(*material).value_or("");
  line = trimmed(line);
  if (line.find('\n') != std::string::npos || line.size() > 16384 ||
      (line.rfind("ssh-rsa ", 0) != 0 && line.rfind("ssh-ed25519 ", 0) != 0))
    return ec2Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format (ssh-rsa or ssh-ed25519)");
  std::string type = line.rfind("ssh-rsa ", 0) == 0 ? "rsa" : "ed25519";
  auto dir = TempDir::create("stratus-ec2-key");
  if (!dir) return ec2Error("InternalError", "cannot create a temporary directory for the key");
  {
    std::ofstream out(dir->path() + "/key.pub");
    out << line << "\n";
  }
  auto fp = fingerprint(c, dir->path() + "/key.pub", type);
  if (!fp) return std::move(fp).error();
  auto k = c.s.ec2.addKeyPair(KeyPair{0, c.user.id, *name, type, *fp, line, c.s.now()});
  if (!k) return std::move(k).error();
  addText(c.root, "keyName", k->name);
  addText(c.root, "keyFingerprint", k->fingerprint);
  addText(c.root, "keyPairId", "key-" + std::string(17 - std::min<std::size_t>(17, std::to_string(k->id).size()), '0') +
                                   std::to_string(k->id));
  return okStatus();
}

Status describeKeyPairs(Ctx& c) {
  auto names = c.p.list("KeyName");
  auto filters = c.p.filters();
  if (!filters) return std::move(filters).error();
  auto all = c.s.ec2.keyPairs(c.user.id);
  if (!all) return std::move(all).error();
  for (const auto& n : names)
    if (std::none_of(all->begin(), all->end(), [&](const KeyPair& k) { return k.name == n; }))
      return ec2Error("InvalidKeyPair.NotFound", "The key pair '" + n + "' does not exist");
  auto set = c.root.append_child("keySet");
  for (const auto& k : *all) {
    if (!names.empty() && std::find(names.begin(), names.end(), k.name) == names.end()) continue;
    bool pass = true;
    for (const auto& f : *filters) {
      const std::string* field = f.name == "key-name" ? &k.name : f.name == "fingerprint" ? &k.fingerprint
                                : f.name == "key-type"                            ? &k.type
                                                                                  : nullptr;
      if (!field) return ec2Error("InvalidParameterValue", "The filter '" + f.name.substr(0, 64) + "' is invalid");
      if (std::none_of(f.values.begin(), f.values.end(), [&](const std::string& p) { return wildcardMatch(p, *field); }))
        pass = false;
    }
    if (pass) keyPairItem(set.append_child("item"), k);
  }
  return okStatus();
}

Status deleteKeyPair(Ctx& c) {
  auto name = c.p.required("KeyName");
  if (!name) return std::move(name).error();
  // EC2 answers true whether or not the key existed.
  auto gone = c.s.ec2.deleteKeyPair(c.user.id, *name);
  if (!gone) return std::move(gone).error();
  addBool(c.root, "return", true);
  return okStatus();
}

}  // namespace stratus::cloud::ec2
