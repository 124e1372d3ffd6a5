#include "cloud/s3/s3_xml.h"

#include <pugixml.hpp>

#include "cloud/aws/aws_error.h"
#include "cloud/aws/canonical.h"

namespace stratus::cloud::s3 {

namespace {
constexpr const char* kDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr const char* kNs = " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";

std::string el(const std::string& name, std::string_view text) {
  return "<" + name + ">" + xmlEscape(text) + "</" + name + ">";
}
std::string quoted(const std::string& etag) { return "\"" + etag + "\""; }
}  // namespace

std::string xmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string errorXml(const std::string& code, const std::string& message, const std::string& resource,
                     const std::string& requestId) {
  return std::string(kDecl) + "<Error>" + el("Code", code) + el("Message", message) + el("Resource", resource) +
         el("RequestId", requestId) + "</Error>";
}

std::string listBucketsXml(const std::vector<Bucket>& buckets, const std::string& ownerId, const std::string& ownerName) {
  std::string out = std::string(kDecl) + "<ListAllMyBucketsResult" + kNs + "><Owner>" + el("ID", ownerId) +
                    el("DisplayName", ownerName) + "</Owner><Buckets>";
  for (const auto& b : buckets)
    out += "<Bucket>" + el("Name", b.name) + el("CreationDate", aws::formatIsoDate(b.created)) + "</Bucket>";
  return out + "</Buckets></ListAllMyBucketsResult>";
}

std::string listObjectsXml(const ListPage& p) {
  auto key = [&](const std::string& k) { return p.urlEncode ? aws::uriEncode(k, false) : k; };
  std::string out = std::string(kDecl) + "<ListBucketResult" + kNs + ">" + el("Name", p.bucket) +
                    el("Prefix", key(p.prefix));
  if (p.v2) {
    out += el("KeyCount", std::to_string(p.contents.size() + p.commonPrefixes.size()));
    if (!p.continuationToken.empty()) out += el("ContinuationToken", p.continuationToken);
    if (!p.startAfter.empty()) out += el("StartAfter", key(p.startAfter));
    if (p.truncated) out += el("NextContinuationToken", p.nextToken);
  } else {
    out += el("Marker", key(p.marker));
    if (p.truncated && !p.delimiter.empty()) out += el("NextMarker", key(p.nextToken));
  }
  out += el("MaxKeys", std::to_string(p.maxKeys));
  if (!p.delimiter.empty()) out += el("Delimiter", key(p.delimiter));
  if (p.urlEncode) out += el("EncodingType", "url");
  out += el("IsTruncated", p.truncated ? "true" : "false");
  for (const auto& o : p.contents)
    out += "<Contents>" + el("Key", key(o.key)) + el("LastModified", aws::formatIsoDate(o.modified)) +
           el("ETag", quoted(o.etag)) + el("Size", std::to_string(o.size)) + el("StorageClass", "STANDARD") +
           "</Contents>";
  for (const auto& cp : p.commonPrefixes) out += "<CommonPrefixes>" + el("Prefix", key(cp)) + "</CommonPrefixes>";
  return out + "</ListBucketResult>";
}

std::string initiateUploadXml(const std::string& bucket, const std::string& key, const std::string& uploadId) {
  return std::string(kDecl) + "<InitiateMultipartUploadResult" + kNs + ">" + el("Bucket", bucket) + el("Key", key) +
         el("UploadId", uploadId) + "</InitiateMultipartUploadResult>";
}

std::string completeUploadXml(const std::string& location, const std::string& bucket, const std::string& key,
                              const std::string& etag) {
  return std::string(kDecl) + "<CompleteMultipartUploadResult" + kNs + ">" + el("Location", location) +
         el("Bucket", bucket) + el("Key", key) + el("ETag", quoted(etag)) + "</CompleteMultipartUploadResult>";
}

std::string listPartsXml(const Upload& u, const std::vector<Part>& parts) {
  std::string out = std::string(kDecl) + "<ListPartsResult" + kNs + ">" + el("Bucket", u.bucket) + el("Key", u.key) +
                    el("UploadId", u.id) + el("StorageClass", "STANDARD") + el("PartNumberMarker", "0") +
                    el("NextPartNumberMarker", parts.empty() ? "0" : std::to_string(parts.back().number)) +
                    el("MaxParts", "10000") + el("IsTruncated", "false");
  for (const auto& p : parts)
    out += "<Part>" + el("PartNumber", std::to_string(p.number)) + el("LastModified", aws::formatIsoDate(p.modified)) +
           el("ETag", quoted(p.etag)) + el("Size", std::to_string(p.size)) + "</Part>";
  return out + "</ListPartsResult>";
}

std::string listUploadsXml(const std::string& bucket, const std::vector<Upload>& uploads) {
  std::string out = std::string(kDecl) + "<ListMultipartUploadsResult" + kNs + ">" + el("Bucket", bucket) +
                    el("KeyMarker", "") + el("UploadIdMarker", "") + el("MaxUploads", "1000") +
                    el("IsTruncated", "false");
  for (const auto& u : uploads)
    out += "<Upload>" + el("Key", u.key) + el("UploadId", u.id) + el("StorageClass", "STANDARD") +
           el("Initiated", aws::formatIsoDate(u.created)) + "</Upload>";
  return out + "</ListMultipartUploadsResult>";
}

std::string copyObjectXml(const std::string& etag, std::int64_t modified) {
  return std::string(kDecl) + "<CopyObjectResult" + kNs + ">" + el("LastModified", aws::formatIsoDate(modified)) +
         el("ETag", quoted(etag)) + "</CopyObjectResult>";
}

Result<std::vector<CompletedPart>> parseCompleteUpload(const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size()))
    return aws::awsError("MalformedXML", "The XML you provided was not well-formed.");
  auto root = doc.child("CompleteMultipartUpload");
  if (!root) return aws::awsError("MalformedXML", "The XML is not a CompleteMultipartUpload document.");
  std::vector<CompletedPart> out;
  for (auto p : root.children("Part")) {
    std::string num = p.child_value("PartNumber");
    std::string etag = p.child_value("ETag");
    if (num.empty() || num.size() > 5 || num.find_first_not_of("0123456789") != std::string::npos)
      return aws::awsError("MalformedXML", "a Part without a valid PartNumber");
    // ETags arrive quoted, sometimes as &quot;.
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
    out.push_back(CompletedPart{std::stoi(num), etag});
  }
  if (out.empty()) return aws::awsError("MalformedXML", "CompleteMultipartUpload names no Part.");
  return out;
}

Result<DeleteRequest> parseDeleteObjects(const std::string& body) {
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size()))
    return aws::awsError("MalformedXML", "The XML you provided was not well-formed.");
  auto root = doc.child("Delete");
  if (!root) return aws::awsError("MalformedXML", "The XML is not a Delete document.");
  DeleteRequest out;
  out.quiet = std::string(root.child_value("Quiet")) == "true";
  for (auto o : root.children("Object")) {
    if (!o.child("Key")) return aws::awsError("MalformedXML", "an Object without a Key");
    out.keys.emplace_back(o.child_value("Key"));
  }
  if (out.keys.empty() || out.keys.size() > 1000)
    return aws::awsError("MalformedXML", "Delete names " + std::to_string(out.keys.size()) + " objects (1 to 1000 allowed).");
  return out;
}

std::string deleteResultXml(const std::vector<std::string>& deleted,
                            const std::vector<std::pair<std::string, Error>>& failed) {
  std::string out = std::string(kDecl) + "<DeleteResult" + kNs + ">";
  for (const auto& k : deleted) out += "<Deleted>" + el("Key", k) + "</Deleted>";
  for (const auto& [k, e] : failed)
    out += "<Error>" + el("Key", k) + el("Code", aws::awsCode(e)) + el("Message", e.message) + "</Error>";
  return out + "</DeleteResult>";
}

}  // namespace stratus::cloud::s3
