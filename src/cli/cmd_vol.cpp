// vol-create, vol-create-as, vol-create-from, vol-clone, vol-delete,
// vol-wipe, vol-resize, vol-dumpxml, vol-path, vol-name, vol-key, vol-pool.
// Messages are virsh's.
#include <algorithm>
#include <array>
#include <chrono>
#include <future>

#include <pugixml.hpp>

#include "cli/handlers.h"
#include "cli/storage_cli.h"
#include "cli/interrupt.h"
#include "cli/xpath.h"

namespace stratus::cli {

namespace {

constexpr std::array<std::string_view, 10> kWipeAlgorithms = {
    "zero", "nnsa", "dod", "bsi", "gutmann", "schneier", "pfitzner7", "pfitzner33", "random", "trim"};

daemon::VolumeCreateOptions createOptions(const ParsedCmd& pc) {
  daemon::VolumeCreateOptions o;
  o.preallocMetadata = pc.has("prealloc-metadata");
  o.reflink = pc.has("reflink");
  return o;
}

// A copy into the new volume `pool`/`name` (vol-create-from, vol-clone):
// Ctrl-C cancels it through the node (which then leaves no volume behind);
// with `verbose` virsh's progress bar runs on stderr meanwhile.
Result<daemon::VolumeSummary> watchCopy(Ctl& ctl, const std::string& pool, const std::string& name, bool verbose,
                                        const std::function<Result<daemon::VolumeSummary>()>& work) {
  auto* conn = ctl.conn();
  SigintScope sigint;
  auto done = std::async(std::launch::async, work);
  bool abortSent = false;
  int shown = -1;
  while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (sigint.interrupted() && !abortSent) {
      abortSent = true;
      if (auto a = conn->abortVolumeJob(pool, name); !a) ctl.error(describeError(a.error()));
    }
    if (!verbose) continue;
    auto j = conn->volumeJobInfo(pool, name);
    if (!j || j->dataTotal == 0) continue;
    int p = static_cast<int>(j->dataProcessed * 100 / j->dataTotal);
    p = std::min(p, 99);
    if (p == shown) continue;
    shown = p;
    ctl.progress(fmt::format("\rCopy: [{:3} %]", p));
  }
  auto r = done.get();
  if (verbose && r) ctl.progress("\rCopy: [100 %]\n");
  else if (shown >= 0) ctl.progress("\n");
  return r;
}

// The name in a volume document, for the job to watch ("" when the
// document does not parse: the node will say why).
std::string volumeNameIn(const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return {};
  return doc.child("volume").child("name").text().get();
}

bool printXml(Ctl& ctl, const ParsedCmd& pc, const std::string& xml) {
  if (auto expr = pc.find("xpath")) {
    auto text = xpathDump(xml, *expr, pc.has("wrap"));
    if (!text) return fail(ctl, text.error());
    ctl.print(*text);
    return true;
  }
  ctl.print(xml);
  if (!xml.empty() && xml.back() != '\n') ctl.print("\n");
  return true;
}

}  // namespace

bool cmdVolCreate(Ctl& ctl, const ParsedCmd& pc) {
  auto pool = lookupPool(ctl, pc.get("pool"));
  if (!pool) return false;
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  auto r = ctl.conn()->createVolume(pool->name, xml, file, createOptions(pc));
  if (!r) return fail(ctl, fmt::format("Failed to create vol from {}", file), r.error());
  ctl.printExtra(fmt::format("Vol {} created from {}\n", r->name, file));
  return true;
}

bool cmdVolCreateAs(Ctl& ctl, const ParsedCmd& pc) {
  auto pool = lookupPool(ctl, pc.get("pool"));
  if (!pool) return false;
  VolAsArgs a;
  a.name = pc.get("name");
  const std::string& capText = pc.get("capacity");
  auto cap = parseSizeBytes(capText);
  if (!cap) {
    ctl.error(fmt::format("Malformed size {}", capText));
    return false;
  }
  a.capacity = *cap;
  if (auto alloc = pc.find("allocation")) {
    auto v = parseSizeBytes(*alloc);
    if (!v) {
      ctl.error(fmt::format("Malformed size {}", *alloc));
      return false;
    }
    a.allocation = *v;
  }
  a.format = pc.get("format");
  if (auto backing = pc.find("backing-vol")) {
    // virsh tries the name in this pool, then a key, then a path.
    auto* conn = ctl.conn();
    auto v = conn->lookupVolume(pool->name, *backing);
    if (!v) v = conn->lookupVolume("", *backing);
    if (!v) {
      ctl.error(fmt::format("failed to get vol '{}'", *backing));
      return fail(ctl, v.error());
    }
    a.backingPath = v->path;
    a.backingFormat = pc.get("backing-vol-format");
  }
  std::string xml = buildVolumeXml(a);
  if (pc.has("print-xml")) {
    ctl.print(xml);
    return true;
  }
  auto r = ctl.conn()->createVolume(pool->name, xml, "<vol-create-as>", createOptions(pc));
  if (!r) return fail(ctl, fmt::format("Failed to create vol {}", a.name), r.error());
  ctl.printExtra(fmt::format("Vol {} created\n", r->name));
  return true;
}

bool cmdVolCreateFrom(Ctl& ctl, const ParsedCmd& pc) {
  auto pool = lookupPool(ctl, pc.get("pool"));
  if (!pool) return false;
  auto input = lookupVol(ctl, pc, "vol", "inputpool");
  if (!input) return false;
  const std::string& file = pc.get("file");
  std::string xml;
  if (!readFile(ctl, file, xml)) return false;
  auto* conn = ctl.conn();
  auto r = watchCopy(ctl, pool->name, volumeNameIn(xml), pc.has("verbose"), [&] {
    return conn->createVolumeFrom(pool->name, xml, file, input->pool, input->name, createOptions(pc));
  });
  if (!r) return fail(ctl, fmt::format("Failed to create vol from {}", file), r.error());
  ctl.printExtra(fmt::format("Vol {} created from input vol {}\n", r->name, input->name));
  return true;
}

bool cmdVolClone(Ctl& ctl, const ParsedCmd& pc) {
  auto orig = lookupVol(ctl, pc);
  if (!orig) return false;
  auto* conn = ctl.conn();
  auto origXml = conn->volumeXml(orig->pool, orig->name);
  if (!origXml) return fail(ctl, origXml.error());
  const std::string& newName = pc.get("newname");
  auto xml = cloneVolumeXml(*origXml, newName);
  if (!xml) return fail(ctl, xml.error());
  if (pc.has("print-xml")) {
    ctl.print(*xml);
    return true;
  }
  auto r = watchCopy(ctl, orig->pool, newName, pc.has("verbose"), [&] {
    return conn->createVolumeFrom(orig->pool, *xml, "<vol-clone>", orig->pool, orig->name, createOptions(pc));
  });
  if (!r) return fail(ctl, fmt::format("Failed to clone vol from {}", orig->name), r.error());
  ctl.printExtra(fmt::format("Vol {} cloned from {}\n", newName, orig->name));
  return true;
}

bool cmdVolDelete(Ctl& ctl, const ParsedCmd& pc) {
  auto v = lookupVol(ctl, pc);
  if (!v) return false;
  const std::string& key = pc.get("vol");
  auto r = ctl.conn()->deleteVolume(v->pool, v->name);
  if (!r) return fail(ctl, fmt::format("Failed to delete vol {}", key), r.error());
  ctl.printExtra(fmt::format("Vol {} deleted\n", key));
  return true;
}

bool cmdVolWipe(Ctl& ctl, const ParsedCmd& pc) {
  auto v = lookupVol(ctl, pc);
  if (!v) return false;
  daemon::VolumeWipeOptions o;
  if (auto alg = pc.find("algorithm")) {
    if (std::find(kWipeAlgorithms.begin(), kWipeAlgorithms.end(), *alg) == kWipeAlgorithms.end()) {
      ctl.error(fmt::format("Unsupported algorithm '{}'", *alg));
      return false;
    }
    o.algorithm = *alg;
  }
  const std::string& key = pc.get("vol");
  auto r = ctl.conn()->wipeVolume(v->pool, v->name, o);
  if (!r) return fail(ctl, fmt::format("Failed to wipe vol {}", key), r.error());
  ctl.printExtra(fmt::format("Vol {} wiped\n", key));
  return true;
}

bool cmdVolResize(Ctl& ctl, const ParsedCmd& pc) {
  daemon::VolumeResizeOptions o;
  o.allocate = pc.has("allocate");
  o.delta = pc.has("delta");
  o.shrink = pc.has("shrink");
  auto v = lookupVol(ctl, pc);
  if (!v) return false;
  std::string text = pc.get("capacity");
  // The API takes sizes; a negative one is a shrinking delta, allowed only
  // with --shrink.
  if (!text.empty() && text.front() == '-') {
    if (!o.shrink) {
      ctl.error("negative size requires --shrink");
      return false;
    }
    text.erase(0, 1);
    o.delta = true;
  }
  auto cap = parseSizeBytes(text);
  if (!cap) {
    ctl.error(fmt::format("Malformed size {}", text));
    return false;
  }
  auto r = ctl.conn()->resizeVolume(v->pool, v->name, *cap, o);
  if (!r)
    return fail(ctl, fmt::format("Failed to change size of volume '{}' {} {}", v->name, o.delta ? "by" : "to", text),
                r.error());
  ctl.printExtra(
      fmt::format("Size of volume '{}' successfully changed {} {}\n", v->name, o.delta ? "by" : "to", text));
  return true;
}

bool cmdVolDumpxml(Ctl& ctl, const ParsedCmd& pc) {
  auto v = lookupVol(ctl, pc);
  if (!v) return false;
  auto xml = ctl.conn()->volumeXml(v->pool, v->name);
  if (!xml) return fail(ctl, xml.error());
  return printXml(ctl, pc, *xml);
}

bool cmdVolPath(Ctl& ctl, const ParsedCmd& pc) {
  auto v = lookupVol(ctl, pc);
  if (!v) return false;
  ctl.printf("{}\n", v->path);
  return true;
}

bool cmdVolName(Ctl& ctl, const ParsedCmd& pc) {
  auto v = lookupVol(ctl, pc, "vol", "", false);
  if (!v) return false;
  ctl.printf("{}\n", v->name);
  return true;
}

bool cmdVolKey(Ctl& ctl, const ParsedCmd& pc) {
  auto v = lookupVol(ctl, pc);
  if (!v) return false;
  ctl.printf("{}\n", v->key);
  return true;
}

bool cmdVolPool(Ctl& ctl, const ParsedCmd& pc) {
  auto v = lookupVol(ctl, pc, "vol", "", false);
  if (!v) return false;
  if (!pc.has("uuid")) {
    ctl.printf("{}\n", v->pool);
    return true;
  }
  auto p = ctl.conn()->lookupPool(v->pool);
  if (!p) return fail(ctl, p.error());
  ctl.printf("{}\n", p->uuid);
  return true;
}

}  // namespace stratus::cli
