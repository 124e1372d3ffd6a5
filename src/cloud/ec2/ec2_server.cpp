// The EC2 Query API's front: parameters from the query string and the
// form body, the signature, which action, and EC2's error document.
#include "cloud/ec2/ec2_server.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>

#include "cloud/aws/canonical.h"
#include "cloud/aws/crypto.h"
#include "cloud/aws/request_auth.h"
#include "cloud/ec2/ec2_context.h"
#include "util/random.h"
#include "util/uuid.h"

namespace stratus::cloud::ec2 {

std::int64_t Ec2Server::Impl::now() const {
  return opts.clock ? opts.clock() : static_cast<std::int64_t>(std::time(nullptr));
}

Ec2Server::Ec2Server(CloudService& service, CloudStore& store, ImageRepository& images, Ec2Options opts)
    : impl_(new Impl{service, store, images, Ec2Store(store.db()), std::move(opts)}) {}
Ec2Server::~Ec2Server() = default;

namespace {

using ActionFn = Status (*)(Ctx&);

const std::map<std::string, ActionFn>& actions() {
  static const std::map<std::string, ActionFn> kActions = {
      {"RunInstances", runInstances},
      {"DescribeInstances", describeInstances},
      {"TerminateInstances", terminateInstances},
      {"StopInstances", stopInstances},
      {"StartInstances", startInstances},
      {"RebootInstances", rebootInstances},
      {"GetConsoleOutput", getConsoleOutput},
      {"DescribeImages", describeImages},
      {"RegisterImage", registerImage},
      {"DeregisterImage", deregisterImage},
      {"CreateKeyPair", createKeyPair},
      {"ImportKeyPair", importKeyPair},
      {"DescribeKeyPairs", describeKeyPairs},
      {"DeleteKeyPair", deleteKeyPair},
      {"CreateTags", createTags},
      {"DeleteTags", deleteTags},
      {"DescribeTags", describeTags},
      {"DescribeAvailabilityZones", describeAvailabilityZones},
      {"DescribeRegions", describeRegions},
  };
  return kActions;
}

api::Response answer(int status, std::string xml, const std::string& requestId) {
  api::Response r;
  r.status = status;
  r.contentType = "text/xml;charset=UTF-8";
  r.body = std::move(xml);
  r.headers.emplace_back("x-amzn-RequestId", requestId);
  return r;
}

api::Response errorAnswer(const Error& e, const std::string& requestId) {
  std::string code = ec2Code(e);
  std::string message = e.message;
  if (code == "AuthFailure" && message.empty()) message = "AWS was not able to validate the provided access credentials";
  return answer(ec2HttpStatus(code), errorXml(code, message, requestId), requestId);
}

bool isForm(const api::Request& req) {
  auto it = req.headers.find("content-type");
  if (it == req.headers.end()) return req.method == "POST";
  std::string t = it->second;
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return t.rfind("application/x-www-form-urlencoded", 0) == 0;
}

}  // namespace

api::Response Ec2Server::handle(api::Request& req) {
  std::string requestId = Uuid::generate().str();
  if (req.method != "GET" && req.method != "POST")
    return errorAnswer(ec2Error("InvalidAction", "The EC2 Query API takes GET and POST requests"), requestId);
  auto [rawPath, rawQuery] = aws::splitTarget(req.target);
  auto fromQuery = QueryParams::parse(rawQuery);
  if (!fromQuery) return errorAnswer(fromQuery.error(), requestId);
  QueryParams params = std::move(*fromQuery);
  std::vector<std::pair<std::string, std::string>> formParams;
  if (req.method == "POST" && isForm(req)) {
    auto fromBody = QueryParams::parse(req.body);
    if (!fromBody) return errorAnswer(fromBody.error(), requestId);
    formParams = fromBody->pairs();
    if (auto s = params.merge(*fromBody); !s) return errorAnswer(s.error(), requestId);
  }

  // Who: every action is signed with a user's access key.
  aws::SignedRequest sr{req.method, req.target, req.headers};
  if (!aws::hasSignature(sr, formParams))
    return errorAnswer(ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials: the request is not signed"),
                       requestId);
  aws::VerifyOptions vo;
  vo.service = "ec2";
  vo.now = impl_->now();
  vo.body = std::string_view(req.body);
  vo.formParams = formParams;
  auto lookup = [this](const std::string& accessKey) -> Result<aws::Credentials> {
    auto u = impl_->store.userByAccessKey(accessKey);
    if (!u) return ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials");
    if (u->disabled) return ec2Error("AuthFailure", "The user of this access key is disabled");
    return aws::Credentials{u->secretKey, u->id, u->name};
  };
  auto auth = aws::verifyRequest(sr, lookup, vo);
  if (!auth) return errorAnswer(auth.error(), requestId);
  if (auth->deferred()) {  // the body is in memory: its hash settles it now
    if (auto s = aws::verifyDeferredPayload(*auth, aws::toHex(aws::sha256(req.body))); !s) return errorAnswer(s.error(), requestId);
  }
  auto user = impl_->store.userByAccessKey(auth->accessKey);
  if (!user) return errorAnswer(ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials"), requestId);

  // What: the action.
  std::string action = params.value("Action");
  if (action.empty()) return errorAnswer(ec2Error("MissingAction", "The request must contain the parameter Action"), requestId);
  auto it = actions().find(action);
  if (it == actions().end())
    return errorAnswer(ec2Error("InvalidAction", "The action " + action.substr(0, 64) + " is not valid for this web service."),
                       requestId);
  Ctx c{*impl_, req, std::move(params), std::move(*user), requestId, action, {}, {}};
  c.root = beginResponse(c.doc, action, requestId);
  if (auto s = it->second(c); !s) return errorAnswer(s.error(), requestId);
  return answer(200, xmlText(c.doc), requestId);
}

api::Router makeEc2Router(Ec2Server& server) {
  api::Router r;
  r.setFallback([&server](api::Request& req) { return server.handle(req); }, false);
  return r;
}

// ---- identifiers ----

namespace {
bool hex8(std::string_view s) {
  return s.size() == 8 && std::all_of(s.begin(), s.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
}
}  // namespace

std::string instanceIdOf(const std::string& handle) {
  return handle.rfind("vm-", 0) == 0 ? "i-" + handle.substr(3) : "i-" + handle;
}

Result<std::string> handleOf(const std::string& instanceId) {
  if (instanceId.rfind("i-", 0) != 0 || !hex8(std::string_view(instanceId).substr(2)))
    return ec2Error("InvalidInstanceID.Malformed", "Invalid id: \"" + instanceId.substr(0, 64) + "\"");
  std::string h = "vm-" + instanceId.substr(2);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return h;
}

std::string imageIdOf(std::int64_t id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "ami-%08llx", static_cast<unsigned long long>(id) & 0xffffffffULL);
  return buf;
}

Result<std::int64_t> imageRowOf(const std::string& imageId) {
  if (imageId.rfind("ami-", 0) != 0 || !hex8(std::string_view(imageId).substr(4)))
    return ec2Error("InvalidAMIID.Malformed", "Invalid id: \"" + imageId.substr(0, 64) + "\" (expecting \"ami-...\")");
  return static_cast<std::int64_t>(std::stoull(imageId.substr(4), nullptr, 16));
}

std::string accountIdOf(std::int64_t userId) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%012lld", static_cast<long long>(userId));
  return buf;
}

Result<Image> visibleImage(Ctx& c, const std::string& imageId) {
  auto row = imageRowOf(imageId);
  if (!row) return std::move(row).error();
  auto all = c.s.images.list(c.user.id);
  if (!all) return std::move(all).error();
  for (const auto& img : *all)
    if (img.id == *row) return img;
  return ec2Error("InvalidAMIID.NotFound", "The image id '[" + imageId + "]' does not exist");
}

}  // namespace stratus::cloud::ec2
