#include "cloud/rest_api.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "util/fd.h"
#include "util/random.h"

namespace stratus::cloud {

using Json = nlohmann::json;

namespace {

std::string iso8601(std::int64_t t) {
  if (t <= 0) return "";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Error badRequest(const std::string& m) { return Error(ErrorCode::InvalidArgument, "invalid argument: " + m); }

// The user the request's token belongs to.
Result<User> authenticate(CloudStore& store, const api::Request& req) {
  auto it = req.headers.find("authorization");
  const std::string prefix = "Bearer ";
  if (it == req.headers.end() || it->second.rfind(prefix, 0) != 0)
    return Error(ErrorCode::AuthFailed, "authentication failed: no client token (Authorization: Bearer TOKEN)");
  auto u = store.userByToken(it->second.substr(prefix.size()));
  if (!u) return std::move(u).error();
  if (u->disabled) return Error(ErrorCode::AuthFailed, "authentication failed: user '" + u->name + "' is disabled");
  return u;
}

Json imageJson(const Image& i) {
  Json j{{"name", i.name}, {"common", i.ownerId == 0}, {"format", i.format}, {"size", i.sizeBytes},
         {"created", iso8601(i.created)}, {"location", i.location()}, {"registered", true}};
  if (!i.problem.empty()) j["problem"] = i.problem;
  return j;
}

}  // namespace

Json instanceJson(const Instance& i) {
  Json nics = Json::array();
  for (const auto& n : i.nics)
    nics.push_back({{"network", n.pool}, {"ip", n.ip}, {"mac", n.mac}, {"hostname", n.hostname},
                    {"gateway", n.gateway}, {"netmask", n.netmask}, {"dns", n.dns}});
  // A workspace that is gone is "Cancelled" in Nimbus's words (the store
  // says Destroyed).
  return Json{{"handle", i.handle},
              {"name", i.image},
              {"state", i.state == "Destroyed" ? std::string("Cancelled") : i.state},
              {"ip", i.nics.empty() ? "" : i.nics[0].ip},
              {"hostname", i.nics.empty() ? "" : i.nics[0].hostname},
              {"node", i.nodeUri},
              {"vcpus", i.vcpus},
              {"memory_mib", i.memoryMiB},
              {"hours", i.hours},
              {"start", iso8601(i.started)},
              {"termination", iso8601(i.terminates)},
              {"destroy_after", iso8601(i.destroyAfter)},
              {"nics", nics}};
}

api::Router makeCloudRouter(CloudService& service, CloudStore& store, ImageRepository& images,
                            std::function<std::int64_t()> now) {
  api::Router r;
  // Every route runs as the token's user.
  auto authed = [&store](auto body) {
    return [&store, body](api::Request& req) -> api::Response {
      auto u = authenticate(store, req);
      if (!u) return api::errorResponse(u.error());
      try {
        return body(req, *u);
      } catch (const Json::exception& e) {
        return api::errorResponse(badRequest(std::string("malformed JSON request: ") + e.what()));
      }
    };
  };

  r.add("GET", "/v1/info", authed([&service](api::Request&, const User& u) {
          Json nets = Json::array();
          for (const auto& p : service.pools()) nets.push_back({{"name", p.name}, {"slots", p.slots.size()}});
          return api::jsonResponse(200, Json{{"service", "stratus-cloud"}, {"user", u.name}, {"networks", nets}});
        }));

  r.add("GET", "/v1/images", authed([&images](api::Request&, const User& u) {
          auto list = images.list(u.id);
          if (!list) return api::errorResponse(list.error());
          auto waiting = images.waitingObjects(u.id, *list);
          if (!waiting) return api::errorResponse(waiting.error());
          Json a = Json::array();
          for (const auto& i : *list) a.push_back(imageJson(i));
          // Objects put into the image buckets with S3: images once run by their key.
          for (const auto& w : *waiting)
            a.push_back(Json{{"name", w.key}, {"common", w.bucket == ImageRepository::imageBucket(0)}, {"format", ""},
                             {"size", w.sizeBytes}, {"created", iso8601(w.modified)}, {"location", w.bucket + "/" + w.key},
                             {"registered", false}});
          return api::jsonResponse(200, a);
        }));

  r.addStreaming("PUT", "/v1/images/{name}", authed([&images](api::Request& req, const User& u) {
                   // The body lands in the store's own partial file, checked and renamed when whole.
                   auto img = images.addWith(u.id, req.param("name"), [&req](const std::string& path) -> Status {
                     UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
                     if (!fd.valid()) return systemError("cannot create " + path, errno);
                     std::string buf(1 << 20, '\0');
                     for (;;) {
                       auto n = req.bodyReader ? req.bodyReader->read(buf.data(), buf.size())
                                               : Result<std::size_t>(std::size_t{0});
                       if (!n) return std::move(n).error();
                       if (*n == 0) break;
                       STRATUS_TRY(writeAll(fd.get(), std::string_view(buf.data(), *n), "cannot store the upload"));
                     }
                     if (!req.bodyReader && !req.body.empty())
                       STRATUS_TRY(writeAll(fd.get(), req.body, "cannot store the upload"));
                     return okStatus();
                   });
                   if (!img) return api::errorResponse(img.error());
                   return api::jsonResponse(201, imageJson(*img));
                 }));

  r.add("DELETE", "/v1/images/{name}", authed([&images](api::Request& req, const User& u) {
          if (auto s = images.remove(u.id, req.param("name"), /*deleteObject=*/true); !s) return api::errorResponse(s.error());
          return api::noContent();
        }));

  r.add("POST", "/v1/instances", authed([&service, now](api::Request& req, const User& u) {
          Json in = req.body.empty() ? Json::object() : Json::parse(req.body);
          InstanceRequest ir;
          ir.image = in.value("image", "");
          if (ir.image.empty()) return api::errorResponse(badRequest("'image' is required"));
          ir.hours = in.value("hours", 1.0);
          ir.vcpus = in.value("vcpus", std::int64_t{1});
          ir.memoryMiB = in.value("memory_mib", std::int64_t{256});
          if (in.contains("networks")) ir.networks = in["networks"].get<std::vector<std::string>>();
          int count = in.value("count", 1);
          if (count < 1 || count > 100) return api::errorResponse(badRequest("'count' must be 1-100"));
          std::string token = in.value("client_token", "");
          Json out = Json::array();
          for (int k = 0; k < count; ++k) {
            ir.clientToken = token.empty() ? "" : count == 1 ? token : token + "#" + std::to_string(k);
            auto i = service.run(u, ir, now());
            if (!i) {
              if (out.empty()) return api::errorResponse(i.error());
              break;  // what started stays; the answer lists it
            }
            out.push_back(instanceJson(*i));
          }
          return api::jsonResponse(201, out);
        }));

  r.add("GET", "/v1/instances", authed([&service](api::Request&, const User& u) {
          auto list = service.list(u);
          if (!list) return api::errorResponse(list.error());
          Json a = Json::array();
          for (const auto& i : *list) a.push_back(instanceJson(i));
          return api::jsonResponse(200, a);
        }));

  r.add("GET", "/v1/instances/{handle}", authed([&service](api::Request& req, const User& u) {
          auto i = service.describe(u, req.param("handle"));
          if (!i) return api::errorResponse(i.error());
          return api::jsonResponse(200, instanceJson(*i));
        }));

  r.add("DELETE", "/v1/instances/{handle}", authed([&service](api::Request& req, const User& u) {
          if (auto s = service.terminate(u, req.param("handle")); !s) return api::errorResponse(s.error());
          return api::noContent();
        }));

  r.add("POST", "/v1/instances/{handle}/save", authed([&service](api::Request& req, const User& u) {
          Json in = req.body.empty() ? Json::object() : Json::parse(req.body);
          auto img = service.save(u, req.param("handle"), in.value("name", ""));
          if (!img) return api::errorResponse(img.error());
          return api::jsonResponse(201, imageJson(*img));
        }));

  r.add("POST", "/v1/instances/{handle}/lease", authed([&service, now](api::Request& req, const User& u) {
          Json in = req.body.empty() ? Json::object() : Json::parse(req.body);
          if (!in.contains("hours")) return api::errorResponse(badRequest("'hours' is required"));
          if (auto s = service.extend(u, req.param("handle"), in["hours"].get<double>(), now()); !s)
            return api::errorResponse(s.error());
          auto i = service.describe(u, req.param("handle"));
          if (!i) return api::errorResponse(i.error());
          return api::jsonResponse(200, instanceJson(*i));
        }));
  return r;
}

}  // namespace stratus::cloud
