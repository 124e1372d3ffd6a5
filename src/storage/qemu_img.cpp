#include "storage/qemu_img.h"

#include <nlohmann/json.hpp>

#include <charconv>

namespace stratus::storage {

namespace {

std::string normalFormat(const std::string& f) { return f.empty() ? "raw" : f; }

}  // namespace

Result<ImageInfo> parseImageInfoJson(std::string_view json, std::string_view what) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Error(ErrorCode::OperationFailed, "qemu-img info of " + std::string(what) + ": output is not a JSON object");
  ImageInfo info;
  auto num = [&](const char* key) -> std::uint64_t {
    auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
  };
  auto str = [&](const nlohmann::json& o, const char* key) -> std::string {
    auto it = o.find(key);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  info.format = str(j, "format");
  if (info.format.empty() || !j.contains("virtual-size"))
    return Error(ErrorCode::OperationFailed,
                 "qemu-img info of " + std::string(what) + ": no 'format' or 'virtual-size' in its output");
  info.virtualSize = num("virtual-size");
  info.actualSize = num("actual-size");
  info.clusterSize = num("cluster-size");
  info.backingFile = str(j, "backing-filename");
  info.fullBackingFile = str(j, "full-backing-filename");
  info.backingFormat = str(j, "backing-filename-format");
  if (auto fs = j.find("format-specific"); fs != j.end() && fs->is_object()) {
    if (auto d = fs->find("data"); d != fs->end() && d->is_object()) {
      info.compat = str(*d, "compat");
      if (auto lr = d->find("lazy-refcounts"); lr != d->end() && lr->is_boolean()) info.lazyRefcounts = lr->get<bool>();
    }
  }
  return info;
}

std::optional<double> parseConvertProgress(std::string_view piece) {
  // qemu-img writes "    (12.34/100%)\r" repeatedly; take the last complete one.
  std::optional<double> last;
  std::size_t pos = 0;
  while ((pos = piece.find('(', pos)) != std::string_view::npos) {
    std::size_t close = piece.find("/100%)", pos);
    if (close == std::string_view::npos) break;
    std::string_view num = piece.substr(pos + 1, close - pos - 1);
    double v = 0;
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
    if (ec == std::errc() && p == num.data() + num.size() && v >= 0 && v <= 100) last = v / 100.0;
    pos = close;
  }
  return last;
}

std::optional<double> ConvertProgressReader::feed(std::string_view piece) {
  carry_.append(piece);
  auto frac = parseConvertProgress(carry_);
  // Keep only what follows the last complete figure: the start of the next.
  if (auto cut = carry_.rfind(')'); cut != std::string::npos) carry_.erase(0, cut + 1);
  if (carry_.size() > 256) carry_.erase(0, carry_.size() - 64);  // never a figure: noise
  return frac;
}

bool isCreatableFormat(std::string_view format) {
  return format.empty() || format == "raw" || format == "qcow2" || format == "vmdk" || format == "vdi" ||
         format == "vhdx";
}

namespace {

// -o options shared by create and convert.
std::string imageOptions(const conf::VolumeDef& vol, const daemon::VolumeCreateOptions& opts) {
  std::string fmt = normalFormat(vol.format);
  std::vector<std::string> o;
  if (opts.preallocMetadata && fmt == "qcow2") o.push_back("preallocation=metadata");
  if (fmt == "qcow2") {
    if (!vol.compat.empty()) o.push_back("compat=" + vol.compat);
    if (vol.lazyRefcounts) o.push_back("lazy_refcounts=on");
    if (!vol.clusterSize.empty()) o.push_back("cluster_size=" + vol.clusterSize);
  }
  std::string s;
  for (const auto& x : o) s += (s.empty() ? "" : ",") + x;
  return s;
}

}  // namespace

Result<std::vector<std::string>> qemuImgCreateArgs(const std::string& path, const conf::VolumeDef& vol,
                                                   const daemon::VolumeCreateOptions& opts) {
  std::string fmt = normalFormat(vol.format);
  if (!isCreatableFormat(fmt))
    return Error(ErrorCode::Unsupported, "storage volume format '" + fmt +
                                             "' is not supported: Stratus creates raw, qcow2, vmdk, vdi and vhdx");
  if (opts.preallocMetadata && fmt != "qcow2")
    return Error(ErrorCode::Unsupported, "metadata preallocation is only supported for qcow2 volumes, not " + fmt);
  bool hasBacking = vol.backing && !vol.backing->path.empty();
  if (hasBacking && fmt != "qcow2" && fmt != "vmdk")
    return Error(ErrorCode::Unsupported, "a backing store is not supported by the " + fmt + " format");
  if (hasBacking && opts.preallocMetadata)
    return Error(ErrorCode::InvalidArgument, "metadata preallocation conflicts with a backing store");
  std::vector<std::string> a = {"qemu-img", "create", "-q", "-f", fmt};
  std::string o = imageOptions(vol, opts);
  if (!o.empty()) a.insert(a.end(), {"-o", o});
  if (hasBacking) {
    a.insert(a.end(), {"-b", vol.backing->path});
    a.insert(a.end(), {"-F", normalFormat(vol.backing->format)});
  }
  a.push_back(path);
  if (vol.capacity > 0 || !hasBacking) a.push_back(std::to_string(vol.capacity));
  return a;
}

std::vector<std::string> qemuImgConvertArgs(const std::string& fromPath, const std::string& fromFormat,
                                            const std::string& path, const conf::VolumeDef& vol,
                                            const daemon::VolumeCreateOptions& opts, bool targetExists) {
  std::vector<std::string> a = {"qemu-img", "convert", "-p", "-f", normalFormat(fromFormat),
                                "-O", normalFormat(vol.format)};
  std::string o = imageOptions(vol, opts);
  if (!o.empty()) a.insert(a.end(), {"-o", o});
  // -n: write into an existing target (an LV) instead of creating a file.
  if (targetExists) a.push_back("-n");
  a.push_back(fromPath);
  a.push_back(path);
  return a;
}

}  // namespace stratus::storage
