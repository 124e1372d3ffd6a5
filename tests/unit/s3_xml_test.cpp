// S3's XML documents: errors, listings, multipart bodies.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "cloud/aws/aws_error.h"
#include "cloud/s3/s3_xml.h"

namespace {

using namespace stratus::cloud;
using namespace stratus::cloud::s3;

pugi::xml_document parse(const std::string& xml) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(xml.c_str())) << xml;
  return doc;
}

TEST(S3Xml, ErrorDocumentEscapes) {
  auto doc = parse(errorXml("NoSuchKey", "no <key> & such", "/b/a&b", "ABC123"));
  auto e = doc.child("Error");
  EXPECT_STREQ(e.child_value("Code"), "NoSuchKey");
  EXPECT_STREQ(e.child_value("Message"), "no <key> & such");
  EXPECT_STREQ(e.child_value("Resource"), "/b/a&b");
  EXPECT_STREQ(e.child_value("RequestId"), "ABC123");
}

TEST(S3Xml, ListingV2) {
  ListPage p;
  p.bucket = "photos";
  p.prefix = "2024/";
  p.delimiter = "/";
  p.maxKeys = 2;
  p.contents.push_back(ObjectInfo{"photos", "2024/a b.jpg", "o-1", 12, "abc", "image/jpeg", "{}", 1, 1700000000});
  p.commonPrefixes = {"2024/06/"};
  p.truncated = true;
  p.nextToken = "tok";
  auto doc = parse(listObjectsXml(p));
  auto r = doc.child("ListBucketResult");
  EXPECT_STREQ(r.child_value("KeyCount"), "2");
  EXPECT_STREQ(r.child_value("IsTruncated"), "true");
  EXPECT_STREQ(r.child_value("NextContinuationToken"), "tok");
  EXPECT_STREQ(r.child("Contents").child_value("Key"), "2024/a b.jpg");
  EXPECT_STREQ(r.child("Contents").child_value("ETag"), "\"abc\"");
  EXPECT_STREQ(r.child("Contents").child_value("LastModified"), "2023-11-14T22:13:20.000Z");
  EXPECT_STREQ(r.child("CommonPrefixes").child_value("Prefix"), "2024/06/");
  p.urlEncode = true;
  auto enc = parse(listObjectsXml(p));
  EXPECT_STREQ(enc.child("ListBucketResult").child("Contents").child_value("Key"), "2024/a%20b.jpg");
}

TEST(S3Xml, CompleteMultipartUploadBody) {
  auto parts = parseCompleteUpload(
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1</PartNumber>"
      "<ETag>\"aa\"</ETag><ChecksumCRC32>x</ChecksumCRC32></Part><Part><ETag>&quot;bb&quot;</ETag>"
      "<PartNumber>2</PartNumber></Part></CompleteMultipartUpload>");
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].number, 1);
  EXPECT_EQ((*parts)[0].etag, "aa");
  EXPECT_EQ((*parts)[1].etag, "bb");
  for (std::string bad : {"", "<x/>", "<CompleteMultipartUpload/>", "<CompleteMultipartUpload><Part><PartNumber>z</PartNumber></Part></CompleteMultipartUpload>", "<CompleteMultipartUpload><Part>"}) {
    auto r = parseCompleteUpload(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(aws::awsCode(r.error()), "MalformedXML");
  }
}

TEST(S3Xml, DeleteObjectsBody) {
  auto d = parseDeleteObjects("<Delete><Quiet>true</Quiet><Object><Key>a b</Key></Object><Object><Key>c/&amp;</Key></Object></Delete>");
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_TRUE(d->quiet);
  EXPECT_EQ(d->keys, (std::vector<std::string>{"a b", "c/&"}));
  for (std::string bad : {"<Delete/>", "<Delete><Object/></Delete>", "<x/>", "<Delete"}) {
    auto r = parseDeleteObjects(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(aws::awsCode(r.error()), "MalformedXML");
  }
  auto doc = parse(deleteResultXml({"a"}, {{"b", aws::awsError("AccessDenied", "no")}}));
  EXPECT_STREQ(doc.child("DeleteResult").child("Deleted").child_value("Key"), "a");
  EXPECT_STREQ(doc.child("DeleteResult").child("Error").child_value("Code"), "AccessDenied");
}

}  // namespace
