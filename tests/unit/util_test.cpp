#include <gtest/gtest.h>

#include <filesystem>

#include "util/atomic_file.h"
#include "util/error.h"
#include "util/uuid.h"

using namespace stratus;

TEST(Uuid, ParsesDashedAndPlain) {
  auto a = Uuid::parse("85badf15-244d-4719-a2da-8c3de0641373");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->str(), "85badf15-244d-4719-a2da-8c3de0641373");
  auto b = Uuid::parse("85BADF15244D4719A2DA8C3DE0641373");
  ASSERT_TRUE(b);
  EXPECT_EQ(*a, *b);
}

TEST(Uuid, RejectsMalformed) {
  EXPECT_FALSE(Uuid::parse(""));
  EXPECT_FALSE(Uuid::parse("85badf15-244d-4719-a2da-8c3de064137"));
  EXPECT_FALSE(Uuid::parse("85badf15-244d-4719-a2da-8c3de06413731"));
  EXPECT_FALSE(Uuid::parse("zzbadf15-244d-4719-a2da-8c3de0641373"));
}

TEST(Uuid, GeneratesVersion4) {
  auto u = Uuid::generate();
  EXPECT_EQ(u.str()[14], '4');
  EXPECT_NE(Uuid::generate(), u);
}

TEST(AtomicFile, WritesAndReplaces) {
  auto dir = std::filesystem::temp_directory_path() / ("stratus-af-" + Uuid::generate().str());
  ASSERT_TRUE(makeDirs(dir.string()));
  auto path = (dir / "x.xml").string();
  ASSERT_TRUE(writeFileAtomic(path, "one"));
  ASSERT_TRUE(writeFileAtomic(path, "two"));
  auto r = readFile(path);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "two");
  // no temp files left behind
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) { (void)e; ++n; }
  EXPECT_EQ(n, 1);
  ASSERT_TRUE(removeFileDurable(path));
  EXPECT_FALSE(readFile(path));
  std::filesystem::remove_all(dir);
}

TEST(Error, DescribeIncludesLocation) {
  Error e(ErrorCode::XmlSyntax, "unexpected '>'", ErrorLocation{"kvm4.xml", 9, "domain/os/boot"});
  EXPECT_EQ(e.describe(), "kvm4.xml:9: domain/os/boot: unexpected '>'");
  EXPECT_STREQ(errorCodeName(ErrorCode::NoDomain), "no-domain");
  EXPECT_EQ(errorCodeFromName("no-domain"), ErrorCode::NoDomain);
}
