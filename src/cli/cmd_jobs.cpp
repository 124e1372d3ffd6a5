// Long-running domain jobs: domjobinfo, domjobabort, the progress bar of
// save/managedsave/restore --verbose; and the save-image-* commands.
#include <chrono>
#include <future>
#include <regex>

#include "cli/handlers.h"
#include "cli/interrupt.h"
#include "cli/job_progress.h"
#include "cli/xpath.h"

namespace stratus::cli {

namespace {

// virsh's vshPrettyCapacity: the value in the largest binary unit below it.
std::string pretty(std::uint64_t v, std::string_view suffix = "") {
  static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double d = static_cast<double>(v);
  std::size_t u = 0;
  while (d >= 1024.0 && u + 1 < std::size(units)) {
    d /= 1024.0;
    ++u;
  }
  return fmt::format("{:.3f} {}{}", d, units[u], suffix);
}

std::string jobTypeName(const std::string& type) {
  if (type == "bounded") return "Bounded";
  if (type == "unbounded") return "Unbounded";
  if (type == "completed") return "Completed";
  if (type == "failed") return "Failed";
  if (type == "cancelled") return "Cancelled";
  return "None";
}

std::string operationName(const std::string& op) {
  if (op == "save") return "Save";
  if (op == "restore") return "Restore";
  if (op == "start") return "Start";
  if (op == "dump") return "Dump";
  if (op == "migration-in") return "Incoming migration";
  if (op == "migration-out") return "Outgoing migration";
  return "Unknown";
}

}  // namespace

std::string formatJobInfo(const daemon::JobInfo& j, bool completed, bool anystats) {
  std::string out = fmt::format("{:<17} {:<12}\n", "Job type:", jobTypeName(j.type));
  bool running = j.type == "bounded" || j.type == "unbounded";
  if (!running && !(completed && j.type == "completed") && !anystats) return out;
  if (j.type == "none") return out;
  auto line = [&out](std::string_view label, const std::string& value) {
    out += fmt::format("{:<17} {}\n", label, value);
  };
  auto count = [&out](std::string_view label, std::uint64_t v, std::string_view unit = "") {
    out += fmt::format("{:<17} {:<12}{}\n", label, v, unit);
  };
  // libvirt reports some statistics of a migration even when they are 0
  // (dirty rate, iteration, post-copy requests, page counts); for a save
  // only what QEMU measured.
  const bool migration = j.operation == "migration-out" || j.operation == "migration-in";
  out += fmt::format("{:<17} {:<12}\n", "Operation:", operationName(j.operation));
  count("Time elapsed:", j.timeElapsedMs, " ms");
  if (j.dataTotal || j.dataRemaining || j.dataProcessed) {
    line("Data processed:", pretty(j.dataProcessed));
    line("Data remaining:", pretty(j.dataRemaining));
    line("Data total:", pretty(j.dataTotal));
  }
  if (j.memTotal || j.memRemaining || j.memProcessed) {
    line("Memory processed:", pretty(j.memProcessed));
    line("Memory remaining:", pretty(j.memRemaining));
    line("Memory total:", pretty(j.memTotal));
  }
  if (j.memBps) line("Memory bandwidth:", pretty(j.memBps, "/s"));
  if (migration) count("Dirty rate:", j.dirtyRate, " pages/s");
  if (j.pageSize) count("Page size:", j.pageSize, " bytes");
  if (migration) {
    count("Iteration:", j.memIteration);
    count("Postcopy requests:", j.postcopyRequests);
  }
  // A migration's disks (copy-storage) are virsh's "File" lines.
  if (j.diskTotal || j.diskRemaining || j.diskProcessed) {
    line("File processed:", pretty(j.diskProcessed));
    line("File remaining:", pretty(j.diskRemaining));
    line("File total:", pretty(j.diskTotal));
  }
  if (j.diskBps) line("File bandwidth:", pretty(j.diskBps, "/s"));
  if (migration || j.constantPages) count("Constant pages:", j.constantPages);
  if (migration || j.normalPages) count("Normal pages:", j.normalPages);
  if (migration || j.normalBytes) line("Normal data:", pretty(j.normalBytes));
  if (j.type == "completed") {
    if (j.downtimeMs || (migration && j.memTotal)) count("Total downtime:", j.downtimeMs, " ms");
  } else if (j.expectedDowntimeMs) {
    count("Expected downtime:", j.expectedDowntimeMs, " ms");
  }
  if (j.setupTimeMs) count("Setup time:", j.setupTimeMs, " ms");
  if (!j.error.empty()) line("Error message:", j.error);
  return out;
}

Status watchJob(Ctl& ctl, std::string_view label, const std::string& domainKey, bool verbose,
                const std::function<Status()>& work) {
  if (domainKey.empty()) return work();
  auto* conn = ctl.conn();
  // Ctrl-C cancels the job (virsh's domjobabort on SIGINT); the work then
  // ends with the daemon's "operation aborted" error.
  SigintScope sigint;
  bool abortSent = false;
  auto done = std::async(std::launch::async, work);
  int shown = -1;
  // virsh polls every 500 ms; a save here takes well under a second, so
  // look more often.
  while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (sigint.interrupted() && !abortSent) {
      abortSent = true;
      if (auto a = conn->abortDomainJob(domainKey); !a) ctl.error(describeError(a.error()));
    }
    if (!verbose) continue;
    auto j = conn->domainJobInfo(domainKey, false);
    if (!j || (j->type != "unbounded" && j->type != "bounded") || j->dataTotal == 0) continue;
    int p = jobProgressPercent(*j);
    if (p == 100) p = 99;
    if (p == shown) continue;
    shown = p;
    ctl.progress(progressBar(label, p));
  }
  Status s = done.get();
  if (s && verbose) ctl.progress(progressBar(label, 100));
  else if (shown >= 0) ctl.progress("\n");
  return s;
}

bool cmdDomjobinfo(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  bool completed = pc.has("completed");
  auto j = ctl.conn()->domainJobInfo(d->uuid, completed);
  if (!j) return fail(ctl, j.error());
  ctl.print(formatJobInfo(*j, completed, pc.has("anystats")));
  return true;
}

bool cmdDomjobabort(Ctl& ctl, const ParsedCmd& pc) {
  auto d = lookupDomain(ctl, pc);
  if (!d) return false;
  auto r = ctl.conn()->abortDomainJob(d->uuid);
  if (!r) return fail(ctl, r.error());
  return true;
}

bool cmdSaveImageDumpxml(Ctl& ctl, const ParsedCmd& pc) {
  daemon::XmlOptions o;
  o.securityInfo = pc.has("security-info");
  auto xml = ctl.conn()->saveImageXml(pc.get("file"), o);
  if (!xml) return fail(ctl, xml.error());
  if (auto expr = pc.find("xpath")) {
    auto text = xpathDump(*xml, *expr, pc.has("wrap"));
    if (!text) return fail(ctl, text.error());
    ctl.print(*text);
    return true;
  }
  ctl.print(*xml);
  if (!xml->empty() && xml->back() != '\n') ctl.print("\n");
  return true;
}

namespace {
std::optional<daemon::SaveOptions> stateOptions(Ctl& ctl, const ParsedCmd& pc) {
  daemon::SaveOptions o;
  o.running = pc.has("running");
  o.paused = pc.has("paused");
  if (o.running && o.paused) {
    ctl.error("Options --running and --paused are mutually exclusive");
    return std::nullopt;
  }
  return o;
}
}  // namespace

bool cmdSaveImageDefine(Ctl& ctl, const ParsedCmd& pc) {
  auto o = stateOptions(ctl, pc);
  if (!o) return false;
  std::string xml;
  if (!readFile(ctl, pc.get("xml"), xml)) return false;
  const std::string& file = pc.get("file");
  auto r = ctl.conn()->saveImageDefine(file, xml, *o);
  if (!r) return fail(ctl, fmt::format("Failed to update {}", file), r.error());
  ctl.printExtra(fmt::format("State file {} updated.\n", file));
  return true;
}

bool cmdSaveImageEdit(Ctl& ctl, const ParsedCmd& pc) {
  auto o = stateOptions(ctl, pc);
  if (!o) return false;
  auto* conn = ctl.conn();
  const std::string& file = pc.get("file");
  daemon::XmlOptions xo;
  xo.securityInfo = true;
  auto orig = conn->saveImageXml(file, xo);
  if (!orig) return fail(ctl, orig.error());
  return editDefinition(
      ctl, *orig, fmt::format("Saved image {} XML configuration not changed.\n", file),
      [&](const std::string& xml) -> Result<std::string> {
        auto r = conn->saveImageDefine(file, xml, *o);
        if (!r) return std::move(r).error();
        return file;
      },
      [](const std::string& f) { return fmt::format("State file {} edited.\n", f); });
}

std::string saveImageDomainName(Ctl& ctl, const std::string& file) {
  auto xml = ctl.conn()->saveImageXml(file, {});
  if (!xml) return {};
  static const std::regex name(R"(<name>\s*([^<]+?)\s*</name>)");
  std::smatch m;
  return std::regex_search(*xml, m, name) ? m[1].str() : std::string();
}

}  // namespace stratus::cli
