// cloud-client: the user's client of a Stratus cloud, with Nimbus's
// cloud-client flags (--list, --transfer, --delete, --run, --status,
// --terminate, --save, --extend, --conf) over the service's REST API, and --json for scripts.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <nlohmann/json.hpp>

#include "api/client.h"
#include "api/endpoint.h"
#include "api/http.h"
#include "api/json_types.h"
#include "cloud-client/cloud_properties.h"
#include "util/atomic_file.h"
#include "util/fd.h"

using namespace stratus;
using Json = nlohmann::json;

namespace {

int fail(const std::string& m) {
  std::fprintf(stderr, "error: %s\n", m.c_str());
  return 1;
}

// "2026-11-26T22:00:00Z" -> "Thu Nov 26 22:00:00 UTC 2026" (Nimbus printed dates like date(1)).
std::string human(const std::string& iso) {
  std::tm tm{};
  if (iso.empty() || !strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return iso.empty() ? "-" : iso;
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buf;
}

class Service {
 public:
  explicit Service(const cloudclient::CloudConf& c)
      : conf_(c),
        conn_(api::tcpEndpoint(c.host, c.port, c.token, std::chrono::seconds(10), std::chrono::milliseconds(0))) {}

  // The JSON answer of a request, or the service's error.
  Result<Json> call(const std::string& method, const std::string& path, const Json* body = nullptr) {
    std::string text = body ? body->dump() : "";
    auto r = conn_.request(method, path, body ? "application/json" : "", text);
    if (!r) return std::move(r).error();
    return decode(*r);
  }
  // Streams the file; `progress` sees the bytes sent so far.
  Result<Json> upload(const std::string& path, int fd, const std::function<void(std::uint64_t)>& progress) {
    std::string buf(1 << 20, '\0');
    std::uint64_t sent = 0;
    auto r = conn_.requestStreamingBody("PUT", path, "application/octet-stream", [&]() -> Result<std::string> {
      for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return systemError("cannot read the image", errno);
        sent += static_cast<std::uint64_t>(n);
        if (progress) progress(sent);
        return std::string(buf.data(), static_cast<std::size_t>(n));
      }
    });
    if (!r) return std::move(r).error();
    return decode(*r);
  }
  const cloudclient::CloudConf& conf() const { return conf_; }

 private:
  static Result<Json> decode(const api::HttpReply& r) {
    Json j = r.body.empty() ? Json() : Json::parse(r.body, nullptr, false);
    if (r.status >= 400) {
      if (j.is_object() && j.contains("error")) return api::errorFromJson(j);
      return Error(ErrorCode::OperationFailed, "the service answered HTTP " + std::to_string(r.status));
    }
    return j;
  }
  cloudclient::CloudConf conf_;
  api::HttpConnection conn_;
};

void printInstance(const Json& i, bool json) {
  if (json) {
    std::printf("%s\n", i.dump().c_str());
    return;
  }
  std::printf("[*] - Workspace %s. %s [ %s ]\n", i.value("handle", "").c_str(), i.value("ip", "").c_str(),
              i.value("hostname", "").c_str());
  std::printf("      State: %s\n", i.value("state", "").c_str());
  std::printf("      Image: %s\n", i.value("name", "").c_str());
  std::printf("      Duration: %.0f minutes.\n", i.value("hours", 0.0) * 60);
  std::printf("      Start time: %s\n", human(i.value("start", "")).c_str());
  std::printf("      Termination time: %s\n", human(i.value("termination", "")).c_str());
  std::printf("      Node: %s\n", i.value("node", "").c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cloud-client: run and manage workspaces (instances) on a Stratus cloud"};
  std::string confFile, name, sourcefile, handle, newname, clientToken;
  std::vector<std::string> networks;
  double hours = 1;
  int count = 1;
  std::int64_t memory = 256, vcpus = 1;
  bool list = false, transfer = false, del = false, run = false, status = false, terminate = false, save = false,
       extend = false, json = false;
  app.add_option("--conf", confFile, "The cloud.properties file (service URL and your credentials)")->required();
  auto* actions = app.add_option_group("action", "What to do (one)");
  actions->add_flag("--list", list, "List the images you can run");
  actions->add_flag("--transfer", transfer, "Upload an image (--sourcefile FILE [--name NAME])");
  actions->add_flag("--delete", del, "Delete one of your images (--name IMAGE)");
  actions->add_flag("--run", run, "Run an image (--name IMAGE --hours H [--network POOL] [--count N])");
  actions->add_flag("--status", status, "Show your workspaces ([--handle ID] for one)");
  actions->add_flag("--terminate", terminate, "Destroy a workspace (--handle ID)");
  actions->add_flag("--save", save, "Save a workspace's disk as a new image (--handle ID [--newname NAME])");
  actions->add_flag("--extend", extend, "A new lease for a running workspace: --hours from now (--handle ID)");
  actions->require_option(1);
  app.add_option("--name", name, "Image name");
  app.add_option("--sourcefile", sourcefile, "The image file to upload")->check(CLI::ExistingFile);
  app.add_option("--hours", hours, "Lease in hours (fractions allowed: 0.01 = 36 s)");
  app.add_option("--network", networks, "Network pool for a NIC (repeatable; one NIC each)");
  app.add_option("--count", count, "How many workspaces to run")->check(CLI::Range(1, 100));
  app.add_option("--memory", memory, "Memory, MiB")->check(CLI::PositiveNumber);
  app.add_option("--vcpus", vcpus, "vCPUs")->check(CLI::PositiveNumber);
  app.add_option("--handle", handle, "A workspace's handle (vm-...)");
  app.add_option("--newname", newname, "The new image's name for --save");
  app.add_option("--client-token", clientToken,
                 "Makes --run idempotent: a retry with the same token returns the workspaces it started");
  app.add_flag("--json", json, "Print JSON: one object per workspace or image");
  CLI11_PARSE(app, argc, argv);

  auto text = readFile(confFile);
  if (!text) return fail(text.error().describe());
  auto conf = cloudclient::parseCloudProperties(*text, confFile);
  if (!conf) return fail(conf.error().describe());
  Service svc(*conf);

  if (list) {
    auto r = svc.call("GET", "/v1/images");
    if (!r) return fail(r.error().message);
    for (const auto& i : *r) {
      if (json) {
        std::printf("%s\n", i.dump().c_str());
        continue;
      }
      // An object put there with S3 becomes an image (its format checked) when first run.
      std::string format = i.value("registered", true) ? i.value("format", "") : "checked when first run";
      std::printf("[Image] '%s'%s  Size: %lld bytes  Format: %s", i.value("name", "").c_str(),
                  i.value("common", false) ? " (common)" : "", static_cast<long long>(i.value("size", 0LL)),
                  format.c_str());
      // Where the bytes are in the S3 repository (port 8888), for S3 clients.
      if (auto loc = i.value("location", ""); !loc.empty()) std::printf("  Location: s3://%s", loc.c_str());
      std::printf("\n");
      if (auto problem = i.value("problem", ""); !problem.empty()) std::printf("        Cannot boot: %s\n", problem.c_str());
    }
    return 0;
  }
  if (transfer) {
    if (sourcefile.empty()) return fail("--transfer needs --sourcefile FILE");
    if (name.empty()) name = sourcefile.substr(sourcefile.rfind('/') + 1);
    UniqueFd fd(::open(sourcefile.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return fail("cannot open " + sourcefile + ": " + std::strerror(errno));
    if (!json) std::printf("Transferring\n  - Source: %s\n  - Destination: %s/v1/images/%s\n", sourcefile.c_str(),
                           svc.conf().serviceUrl.c_str(), name.c_str());
    struct stat st {};
    ::fstat(fd.get(), &st);
    const auto total = static_cast<std::uint64_t>(st.st_size);
    // A progress line on a terminal (stderr), as virsh's --verbose bars.
    bool bar = !json && ::isatty(STDERR_FILENO);
    int shown = -1;
    auto progress = [&](std::uint64_t sent) {
      int pct = total ? static_cast<int>(sent * 100 / total) : 100;
      if (!bar || pct == shown) return;
      shown = pct;
      std::fprintf(stderr, "\r  Transfer: [%3d %%] %.1f of %.1f MiB", pct, static_cast<double>(sent) / (1 << 20),
                   static_cast<double>(total) / (1 << 20));
    };
    auto r = svc.upload("/v1/images/" + api::percentEncode(name), fd.get(), progress);
    if (bar && shown >= 0) std::fprintf(stderr, "\n");
    if (!r) return fail(r.error().message);
    if (json) std::printf("%s\n", r->dump().c_str());
    else if (auto loc = r->value("location", ""); !loc.empty()) std::printf("\nDone: stored as s3://%s\n", loc.c_str());
    else std::printf("\nDone.\n");
    return 0;
  }
  if (del) {
    if (name.empty()) return fail("--delete needs --name IMAGE");
    auto r = svc.call("DELETE", "/v1/images/" + api::percentEncode(name));
    if (!r) return fail(r.error().message);
    if (!json) std::printf("Deleted '%s'.\n", name.c_str());
    return 0;
  }
  if (run) {
    if (name.empty()) return fail("--run needs --name IMAGE");
    Json req{{"image", name}, {"hours", hours}, {"count", count}, {"memory_mib", memory}, {"vcpus", vcpus},
             {"networks", networks}};
    if (!clientToken.empty()) req["client_token"] = clientToken;
    if (!json)
      std::printf("Launching workspace.\n\nWorkspace Factory Service:\n    %s\n\n", svc.conf().serviceUrl.c_str());
    std::fflush(stdout);  // shown while the service works, not after
    auto r = svc.call("POST", "/v1/instances", &req);
    if (!r) return fail(r.error().message);
    for (const auto& i : *r) {
      if (json) {
        std::printf("%s\n", i.dump().c_str());
        continue;
      }
      std::printf("Creating workspace \"%s\"... done.\n\n", i.value("handle", "").c_str());
      std::printf("       IP address: %s\n", i.value("ip", "").c_str());
      std::printf("         Hostname: %s\n", i.value("hostname", "").c_str());
      std::printf("       Start time: %s\n", human(i.value("start", "")).c_str());
      std::printf(" Termination time: %s\n\n", human(i.value("termination", "")).c_str());
      std::printf("%s: '%s'\n", i.value("state", "").c_str(), i.value("handle", "").c_str());
    }
    return 0;
  }
  if (status) {
    auto r = handle.empty() ? svc.call("GET", "/v1/instances") : svc.call("GET", "/v1/instances/" + handle);
    if (!r) return fail(r.error().message);
    if (r->is_array()) {
      if (r->empty() && !json) std::printf("There are no workspaces.\n");
      for (const auto& i : *r) printInstance(i, json);
    } else {
      printInstance(*r, json);
    }
    return 0;
  }
  if (terminate) {
    if (handle.empty()) return fail("--terminate needs --handle ID");
    auto r = svc.call("DELETE", "/v1/instances/" + handle);
    if (!r) return fail(r.error().message);
    if (!json) std::printf("Terminating workspace '%s'... done.\n", handle.c_str());
    return 0;
  }
  if (extend) {
    if (handle.empty()) return fail("--extend needs --handle ID");
    Json req{{"hours", hours}};
    auto r = svc.call("POST", "/v1/instances/" + handle + "/lease", &req);
    if (!r) return fail(r.error().message);
    printInstance(*r, json);
    return 0;
  }
  if (save) {
    if (handle.empty()) return fail("--save needs --handle ID");
    Json req = Json::object();
    if (!newname.empty()) req["name"] = newname;
    if (!json) std::printf("Saving workspace '%s' (shutting it down, copying its disk)...\n", handle.c_str());
    std::fflush(stdout);
    auto r = svc.call("POST", "/v1/instances/" + handle + "/save", &req);
    if (!r) return fail(r.error().message);
    if (json) std::printf("%s\n", r->dump().c_str());
    else std::printf("Saved as image '%s' (%lld bytes). Workspace '%s' terminated.\n", r->value("name", "").c_str(),
                     static_cast<long long>(r->value("size", 0LL)), handle.c_str());
    return 0;
  }
  return 0;
}
