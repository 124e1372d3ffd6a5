// Save image header: encode, parse, read from a file, rewrite the XML.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "daemon/save_image.h"

using namespace stratus;
using namespace stratus::daemon;

namespace {

const std::string kXml = "<domain type='qemu'>\n  <name>vm1</name>\n</domain>\n";

std::string stateBytes(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/stratus-saveimg.XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void writeFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST(SaveImage, EncodeThenParseRoundTrips) {
  SaveImageHeader h;
  h.xml = kXml;
  h.paused = true;
  h.format = "zstd";
  std::string head = encodeSaveImageHeader(h);
  EXPECT_EQ(head.size(), h.dataOffset);
  EXPECT_EQ(h.dataOffset % kSaveImageAlign, 0u);
  EXPECT_EQ(head.rfind("STRATUS-SAVE 2\n", 0), 0u);
  auto l = parseSaveImageHeader(head, "img");
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_TRUE(l->header.paused);
  EXPECT_EQ(l->header.format, "zstd");
  EXPECT_EQ(l->header.dataOffset, h.dataOffset);
  EXPECT_EQ(head.substr(l->xmlOffset, l->xmlLength), kXml);
  // Room for the XML to grow in place.
  EXPECT_GE(h.dataOffset - (l->xmlOffset + l->xmlLength), kSaveImageAlign);
}

TEST(SaveImage, LargeXmlStillAligned) {
  SaveImageHeader h;
  h.xml = "<domain>" + std::string(100000, ' ') + "</domain>";
  std::string head = encodeSaveImageHeader(h);
  EXPECT_EQ(h.dataOffset % kSaveImageAlign, 0u);
  auto l = parseSaveImageHeader(head, "img");
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->xmlLength, h.xml.size());
  EXPECT_EQ(l->header.format, "raw");
  EXPECT_FALSE(l->header.paused);
}

TEST(SaveImage, ReadsVersionOneImages) {
  std::string v1 = "STRATUS-SAVE 1\nxml-length " + std::to_string(kXml.size()) + "\nstate paused\n\n" + kXml + "STATE";
  auto l = parseSaveImageHeader(v1, "old");
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_EQ(l->header.version, 1);
  EXPECT_EQ(l->header.format, "raw");
  EXPECT_TRUE(l->header.paused);
  EXPECT_EQ(v1.substr(l->header.dataOffset), "STATE");
}

TEST(SaveImage, MalformedHeadersAreInvalidArgument) {
  auto x = std::to_string(kXml.size());
  const std::vector<std::string> cases = {std::string("QEMU-SAVE"), std::string("STRATUS-SAVE 9\nxml-length 5\n\n<a/>"),
                          "STRATUS-SAVE 2\nxml-length " + x + "\nformat raw\ndata-offset 4096\n",  // no blank line
                          "STRATUS-SAVE 2\nxml-length 0\ndata-offset 4096\n\n",
                          "STRATUS-SAVE 2\nxml-length 99999999999\ndata-offset 4096\n\n",
                          "STRATUS-SAVE 2\nxml-length 12x\ndata-offset 4096\n\n",
                          "STRATUS-SAVE 2\nxml-length " + x + "\ndata-offset\n\n",
                          "STRATUS-SAVE 2\nxml-length " + x + "\n\n" + kXml,  // no data-offset
                          "STRATUS-SAVE 2\nxml-length " + x + "\ndata-offset 10\n\n" + kXml,
                          "STRATUS-SAVE 2\nxml-length " + x + "\nstate frozen\ndata-offset 4096\n\n",
                          "STRATUS-SAVE 2\nxml-length " + x + "\nformat \ndata-offset 4096\n\n",
                          "STRATUS-SAVE " + std::string(5000, '2')};
  for (const std::string& bad : cases) {
    auto l = parseSaveImageHeader(bad, "bad.img");
    ASSERT_FALSE(l.ok()) << bad;
    EXPECT_EQ(l.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(l.error().message.find("bad.img is not a Stratus save image"), std::string::npos) << l.error().message;
  }
}

TEST(SaveImage, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  SaveImageHeader h;
  h.xml = kXml;
  std::string good = encodeSaveImageHeader(h);
  for (int i = 0; i < 2000; ++i) {
    std::string s = good.substr(0, 200);
    for (int k = 0; k < 4; ++k) s[rng() % s.size()] = static_cast<char>(rng() % 256);
    s.resize(rng() % s.size());
    (void)parseSaveImageHeader(s, "fuzz");
  }
}

TEST(SaveImage, ReadHeaderPositionsAtTheState) {
  TempDir dir;
  SaveImageHeader h;
  h.xml = kXml;
  std::string state = stateBytes(10000);
  writeFile(dir.file("a.img"), encodeSaveImageHeader(h) + state);
  int fd = ::open(dir.file("a.img").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto r = readSaveImageHeader(fd, "a.img");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->xml, kXml);
  EXPECT_EQ(::lseek(fd, 0, SEEK_CUR), static_cast<off_t>(r->dataOffset));
  char first[3] = {};
  ASSERT_EQ(::read(fd, first, 3), 3);
  EXPECT_EQ(std::string(first, 3), "abc");
  ::close(fd);
}

TEST(SaveImage, TruncatedImagesAreRefused) {
  TempDir dir;
  SaveImageHeader h;
  h.xml = kXml;
  std::string head = encodeSaveImageHeader(h);
  for (std::size_t cut : {std::size_t(20), std::size_t(100), head.size() - 1}) {
    writeFile(dir.file("t.img"), head.substr(0, cut));
    int fd = ::open(dir.file("t.img").c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    auto r = readSaveImageHeader(fd, "t.img");
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    ::close(fd);
  }
}

TEST(SaveImage, RewriteInPlaceKeepsTheState) {
  TempDir dir;
  SaveImageHeader h;
  h.xml = kXml;
  std::string state = stateBytes(50000);
  std::string path = dir.file("r.img");
  writeFile(path, encodeSaveImageHeader(h) + state);
  std::string bigger = "<domain type='qemu'>\n  <name>vm1</name>\n  <description>" + std::string(1000, 'd') +
                       "</description>\n</domain>\n";
  ASSERT_TRUE(rewriteSaveImage(path, bigger, true).ok());
  std::string all = readFile(path);
  EXPECT_EQ(all.size(), h.dataOffset + state.size());  // same layout: in place
  int fd = ::open(path.c_str(), O_RDONLY);
  auto r = readSaveImageHeader(fd, path);
  ::close(fd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->xml, bigger);
  EXPECT_TRUE(r->paused);
  EXPECT_EQ(all.substr(r->dataOffset), state);
}

TEST(SaveImage, RewriteBeyondThePaddingCopiesTheState) {
  TempDir dir;
  SaveImageHeader h;
  h.xml = kXml;
  h.format = "gzip";
  std::string state = stateBytes(70000);
  std::string path = dir.file("g.img");
  writeFile(path, encodeSaveImageHeader(h) + state);
  std::string huge = "<domain>\n  <name>vm1</name>\n  <description>" + std::string(20000, 'x') +
                     "</description>\n</domain>\n";
  ASSERT_TRUE(rewriteSaveImage(path, huge, std::nullopt).ok());
  int fd = ::open(path.c_str(), O_RDONLY);
  auto r = readSaveImageHeader(fd, path);
  ::close(fd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_GT(r->dataOffset, h.dataOffset);
  EXPECT_EQ(r->xml, huge);
  EXPECT_EQ(r->format, "gzip");
  EXPECT_FALSE(r->paused);
  EXPECT_EQ(readFile(path).substr(r->dataOffset), state);
  EXPECT_FALSE(std::filesystem::exists(path + ".stratus-part"));
}

TEST(SaveImage, RewriteOfAMissingOrForeignFileFails) {
  TempDir dir;
  EXPECT_EQ(rewriteSaveImage(dir.file("none.img"), kXml, std::nullopt).error().code, ErrorCode::SystemError);
  writeFile(dir.file("foreign.img"), "QEVM\x00\x00\x00\x03 not ours");
  auto r = rewriteSaveImage(dir.file("foreign.img"), kXml, std::nullopt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(readFile(dir.file("foreign.img")).substr(0, 4), "QEVM");
}
