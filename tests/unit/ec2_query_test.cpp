// The EC2 Query API's pure parts: parameter parsing (lists, filters, tags),
// error codes, XML shapes, the flavour table, DescribeInstances' filters
// and pagination.
#include <gtest/gtest.h>

#include "cloud/aws/canonical.h"
#include "cloud/ec2/ec2_errors.h"
#include "cloud/ec2/ec2_flavours.h"
#include "cloud/ec2/ec2_instance_view.h"
#include "cloud/ec2/ec2_query.h"
#include "cloud/ec2/ec2_xml.h"

using namespace stratus;
using namespace stratus::cloud;
using namespace stratus::cloud::ec2;

TEST(Ec2Query, ParsesFormEncodingAndIndexedLists) {
  auto q = QueryParams::parse("Action=DescribeInstances&InstanceId.2=i-2&InstanceId.10=i-10&InstanceId.1=i-1&X=a+b%2Fc");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->value("Action"), "DescribeInstances");
  EXPECT_EQ(q->value("X"), "a b/c");
  EXPECT_EQ(q->list("InstanceId"), (std::vector<std::string>{"i-1", "i-2", "i-10"}));
  EXPECT_TRUE(q->list("Nothing").empty());
  EXPECT_EQ(q->pairs().size(), 5u);
}

TEST(Ec2Query, RefusesMalformedAndRepeatedParameters) {
  auto bad = QueryParams::parse("Action=%zz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ec2Code(bad.error()), "InvalidParameterValue");
  auto twice = QueryParams::parse("A=1&A=2");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(ec2Code(twice.error()), "InvalidParameterValue");
  auto q = QueryParams::parse("A=1");
  auto other = QueryParams::parse("A=3");
  EXPECT_FALSE(q->merge(*other).ok());
}

TEST(Ec2Query, RequiredAndIntegerParameters) {
  auto q = QueryParams::parse("MinCount=2&MaxCount=x&Empty=");
  auto missing = q->required("ImageId");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(ec2Code(missing.error()), "MissingParameter");
  EXPECT_EQ(ec2Code(q->required("Empty").error()), "MissingParameter");
  auto min = q->integer("MinCount", 1, 10);
  ASSERT_TRUE(min.ok());
  EXPECT_EQ(**min, 2);
  EXPECT_EQ(ec2Code(q->integer("MaxCount", 1, 10).error()), "InvalidParameterValue");
  EXPECT_EQ(ec2Code(q->integer("MinCount", 5, 10).error()), "InvalidParameterValue");
  EXPECT_FALSE(q->integer("Absent", 1, 10)->has_value());
}

TEST(Ec2Query, FiltersGroupNamesAndValues) {
  auto q = QueryParams::parse(
      "Filter.1.Name=instance-state-name&Filter.1.Value.2=stopped&Filter.1.Value.1=running&Filter.2.Name=tag:env&Filter.2.Value.1=prod");
  auto f = q->filters();
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->size(), 2u);
  EXPECT_EQ((*f)[0].name, "instance-state-name");
  EXPECT_EQ((*f)[0].values, (std::vector<std::string>{"running", "stopped"}));
  EXPECT_EQ((*f)[1].name, "tag:env");
  auto nameless = QueryParams::parse("Filter.1.Value.1=x");
  EXPECT_EQ(ec2Code(nameless->filters().error()), "InvalidParameterValue");
  auto junk = QueryParams::parse("Filter.1.Name=a&Filter.1.Bogus=x");
  EXPECT_FALSE(junk->filters().ok());
}

TEST(Ec2Query, TagsWithAndWithoutValues) {
  auto q = QueryParams::parse("Tag.1.Key=Name&Tag.1.Value=web&Tag.2.Key=env");
  auto t = q->tags("Tag");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].key, "Name");
  EXPECT_EQ((*t)[0].value.value_or("?"), "web");
  EXPECT_FALSE((*t)[1].value.has_value());
  EXPECT_FALSE(QueryParams::parse("Tag.1.Value=v")->tags("Tag").ok());
  EXPECT_FALSE(QueryParams::parse("Tag.1.Key=aws:x")->tags("Tag").ok());
  auto spec = QueryParams::parse("TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v");
  auto st = spec->tags("TagSpecification.1.Tag");
  ASSERT_TRUE(st.ok());
  ASSERT_EQ(st->size(), 1u);
  EXPECT_EQ((*st)[0].key, "k");
}

TEST(Ec2Query, Wildcards) {
  EXPECT_TRUE(wildcardMatch("web-*", "web-01"));
  EXPECT_TRUE(wildcardMatch("w?b", "web"));
  EXPECT_TRUE(wildcardMatch("*", ""));
  EXPECT_TRUE(wildcardMatch("*a*b", "xxaxxb"));
  EXPECT_FALSE(wildcardMatch("web", "web-01"));
  EXPECT_FALSE(wildcardMatch("a*c", "abd"));
}

TEST(Ec2Errors, CodesAndStatuses) {
  EXPECT_EQ(ec2Code(ec2Error("InvalidAMIID.NotFound", "x")), "InvalidAMIID.NotFound");
  EXPECT_EQ(ec2Code(Error(ErrorCode::AuthFailed, "x")), "AuthFailure");
  EXPECT_EQ(ec2Code(Error(ErrorCode::InvalidArgument, "x")), "InvalidParameterValue");
  EXPECT_EQ(ec2Code(Error(ErrorCode::SystemError, "x")), "InternalError");
  EXPECT_EQ(ec2HttpStatus("AuthFailure"), 401);
  EXPECT_EQ(ec2HttpStatus("InvalidParameterValue"), 400);
  EXPECT_EQ(ec2HttpStatus("InternalError"), 500);
  EXPECT_EQ(ec2HttpStatus("InsufficientInstanceCapacity"), 503);
}

TEST(Ec2Xml, ResponseAndErrorShapes) {
  pugi::xml_document doc;
  auto root = beginResponse(doc, "DescribeRegions", "req-1");
  addText(addText(root, "regionInfo", "").append_child("item"), "regionName", "stratus-1");
  std::string text = xmlText(doc);
  EXPECT_EQ(text.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u) << text;
  EXPECT_NE(text.find("<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId>"),
            std::string::npos)
      << text;
  std::string err = errorXml("AuthFailure", "bad <sig>", "r2");
  EXPECT_NE(err.find("<Response><Errors><Error><Code>AuthFailure</Code><Message>bad &lt;sig&gt;</Message></Error></Errors>"
                     "<RequestID>r2</RequestID></Response>"),
            std::string::npos)
      << err;
  EXPECT_EQ(aws::formatIsoDate(0), "1970-01-01T00:00:00.000Z");  // EC2's time stamps
}

TEST(Ec2Flavours, BuiltinsOverridesAndErrors) {
  auto small = findFlavour(builtinFlavours(), "m1.small");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->vcpus, 1);
  EXPECT_EQ(small->memoryMiB, 1740);
  for (const char* n : {"t1.micro", "m1.medium", "m1.large", "m1.xlarge", "c1.medium", "t2.micro", "t3.large"})
    EXPECT_TRUE(findFlavour(builtinFlavours(), n)) << n;
  auto mine = parseFlavours("# site sizes\nm1.small 2 512\nx1.tiny 1 128  # new\n\n", "flavours");
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  EXPECT_EQ(findFlavour(*mine, "m1.small")->memoryMiB, 512);
  EXPECT_EQ(findFlavour(*mine, "x1.tiny")->vcpus, 1);
  auto bad = parseFlavours("m1.small two 512\n", "flavours");
  ASSERT_FALSE(bad.ok());
  ASSERT_TRUE(bad.error().where);
  EXPECT_EQ(bad.error().where->line, 1);
  EXPECT_FALSE(parseFlavours("a 1 512 extra\n", "f").ok());
  EXPECT_FALSE(parseFlavours("a 0 512\n", "f").ok());
  EXPECT_EQ(flavourFor(builtinFlavours(), 2, 7680), "m1.large");
  EXPECT_EQ(flavourFor(builtinFlavours(), 1, 256), "t2.nano");
  EXPECT_TRUE(loadFlavours("/nonexistent/flavours").ok());
}

namespace {

InstanceView view(std::int64_t id, const std::string& state, std::map<std::string, std::string> tags = {},
                  const std::string& reservation = "r-1") {
  InstanceView v;
  v.instance.id = id;
  v.instance.handle = "vm-0000000" + std::to_string(id);
  v.instance.state = state;
  v.instanceId = "i-0000000" + std::to_string(id);
  v.imageId = id % 2 ? "ami-00000001" : "ami-00000002";
  v.reservationId = reservation;
  v.instanceType = "m1.small";
  v.zone = "stratus-1a";
  v.tags = std::move(tags);
  return v;
}

std::vector<std::string> idsOf(const InstancePage& p) {
  std::vector<std::string> out;
  for (const auto* v : p.items) out.push_back(v->instanceId);
  return out;
}

}  // namespace

TEST(Ec2Instances, StateCodes) {
  EXPECT_EQ(ec2State("Unpropagated").code, 0);
  EXPECT_EQ(ec2State("Running").code, 16);
  EXPECT_STREQ(ec2State("Running").name, "running");
  EXPECT_EQ(ec2State("Destroying").code, 32);
  EXPECT_EQ(ec2State("Destroyed").code, 48);
  EXPECT_EQ(ec2State("Corrupted").code, 48);
  EXPECT_EQ(ec2State("Stopping").code, 64);
  EXPECT_EQ(ec2State("Stopped").code, 80);
}

TEST(Ec2Instances, FiltersIdsAndTerminated) {
  std::vector<InstanceView> all = {view(1, "Running", {{"env", "prod"}}), view(2, "Stopped", {{"env", "dev"}}),
                                   view(3, "Destroyed")};
  auto p = selectInstances(all, {}, {}, std::nullopt, "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(idsOf(*p), (std::vector<std::string>{"i-00000001", "i-00000002"}));  // terminated hidden
  p = selectInstances(all, {"i-00000003"}, {}, std::nullopt, "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(idsOf(*p), (std::vector<std::string>{"i-00000003"}));
  auto missing = selectInstances(all, {"i-0000000f"}, {}, std::nullopt, "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(ec2Code(missing.error()), "InvalidInstanceID.NotFound");
  p = selectInstances(all, {}, {{"tag:env", {"pr*"}}}, std::nullopt, "");
  EXPECT_EQ(idsOf(*p), (std::vector<std::string>{"i-00000001"}));
  p = selectInstances(all, {}, {{"instance-state-name", {"terminated", "stopped"}}}, std::nullopt, "");
  EXPECT_EQ(idsOf(*p), (std::vector<std::string>{"i-00000002", "i-00000003"}));
  p = selectInstances(all, {}, {{"image-id", {"ami-00000002"}}}, std::nullopt, "");
  EXPECT_EQ(idsOf(*p), (std::vector<std::string>{"i-00000002"}));
  p = selectInstances(all, {}, {{"instance-id", {"i-00000002"}}, {"tag:env", {"prod"}}}, std::nullopt, "");
  EXPECT_TRUE(p->items.empty());
  auto bad = selectInstances(all, {}, {{"no-such-filter", {"x"}}}, std::nullopt, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ec2Code(bad.error()), "InvalidParameterValue");
}

TEST(Ec2Instances, Pagination) {
  std::vector<InstanceView> all;
  for (int i = 1; i <= 9; ++i) all.push_back(view(i, "Running"));
  auto p1 = selectInstances(all, {}, {}, 5, "");
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->items.size(), 5u);
  ASSERT_FALSE(p1->nextToken.empty());
  auto p2 = selectInstances(all, {}, {}, 5, p1->nextToken);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->items.size(), 4u);
  EXPECT_EQ(p2->items.front()->instanceId, "i-00000006");
  EXPECT_TRUE(p2->nextToken.empty());
  EXPECT_EQ(ec2Code(selectInstances(all, {}, {}, 4, "").error()), "InvalidParameterValue");
  EXPECT_EQ(ec2Code(selectInstances(all, {"i-00000001"}, {}, 5, "").error()), "InvalidParameterCombination");
  EXPECT_EQ(ec2Code(selectInstances(all, {}, {}, 5, "garbage").error()), "InvalidParameterValue");
}

TEST(Ec2Instances, ReservationXmlGroupsInstances) {
  std::vector<InstanceView> all = {view(1, "Running", {{"Name", "a"}}, "r-a"), view(2, "Running", {}, "r-b"),
                                   view(3, "Stopped", {}, "r-a")};
  all[0].instance.nics.push_back(Instance::Nic{"default", "10.0.0.5", "52:54:00:00:00:01", "vm5"});
  all[0].keyName = "mykey";
  std::vector<const InstanceView*> page = {&all[0], &all[1], &all[2]};
  pugi::xml_document doc;
  auto root = beginResponse(doc, "DescribeInstances", "r");
  appendReservations(root.append_child("reservationSet"), page, "000000000001");
  auto set = root.child("reservationSet");
  auto first = set.first_child();
  EXPECT_STREQ(first.child_value("reservationId"), "r-a");
  EXPECT_STREQ(first.child_value("ownerId"), "000000000001");
  int n = 0;
  for (auto it : first.child("instancesSet").children("item")) {
    (void)it;
    ++n;
  }
  EXPECT_EQ(n, 2);
  auto item = first.child("instancesSet").first_child();
  EXPECT_STREQ(item.child_value("instanceId"), "i-00000001");
  EXPECT_STREQ(item.child("instanceState").child_value("code"), "16");
  EXPECT_STREQ(item.child("instanceState").child_value("name"), "running");
  EXPECT_STREQ(item.child_value("privateIpAddress"), "10.0.0.5");
  EXPECT_STREQ(item.child_value("ipAddress"), "10.0.0.5");
  EXPECT_STREQ(item.child_value("dnsName"), "vm5");
  EXPECT_STREQ(item.child_value("keyName"), "mykey");
  EXPECT_STREQ(item.child("placement").child_value("availabilityZone"), "stratus-1a");
  EXPECT_STREQ(item.child("tagSet").first_child().child_value("key"), "Name");
  EXPECT_STREQ(first.next_sibling().child_value("reservationId"), "r-b");
}
