// CpuSet: libvirt's bitmap syntax (virBitmapParse / virBitmapFormat).
#include <gtest/gtest.h>

#include "util/cpuset.h"

using stratus::CpuSet;

namespace {
std::string canon(std::string_view text) {
  auto s = CpuSet::parse(text);
  return s ? s->str() : "<invalid>";
}
}  // namespace

TEST(CpuSet, ParsesLibvirtSyntax) {
  EXPECT_EQ(canon("0"), "0");
  EXPECT_EQ(canon("0-7"), "0-7");
  EXPECT_EQ(canon("1,3-5"), "1,3-5");
  EXPECT_EQ(canon("0-7,^3"), "0-2,4-7");
  EXPECT_EQ(canon(" 1 , 2 - 3 "), "1-3");
  EXPECT_EQ(canon("3,1,2"), "1-3");
  EXPECT_EQ(canon("^1"), "");  // valid, but empty
  EXPECT_EQ(canon("0,^0,0"), "0");
  EXPECT_EQ(canon("1,"), "1");  // libvirt accepts a trailing comma
}

TEST(CpuSet, RejectsWhatLibvirtRejects) {
  for (const char* bad : {"", " ", "x", "-1", "1-0", "0-", "0,,1", "0-3,^1-2", "1 2", "^", "0-7,^0-7", "+1"})
    EXPECT_EQ(canon(bad), "<invalid>") << "'" << bad << "'";
  EXPECT_FALSE(CpuSet::parse("1024"));            // libvirt's 1024-bit limit
  EXPECT_FALSE(CpuSet::parse("99999999999999999999"));
  EXPECT_TRUE(CpuSet::parse("7", 8));
  EXPECT_FALSE(CpuSet::parse("8", 8));
}

TEST(CpuSet, FormatsAndMaps) {
  CpuSet s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.str(), "");
  EXPECT_FALSE(s.last());
  s.set(1);
  s.set(2);
  s.set(5);
  EXPECT_EQ(s.str(), "1-2,5");
  EXPECT_EQ(s.count(), 3u);
  EXPECT_EQ(*s.last(), 5u);
  EXPECT_EQ(s.yesNoMap(8), "-yy--y--");
  EXPECT_EQ(s.yesNoMap(2), "-y");
  EXPECT_EQ(s.truncated(3).str(), "1-2");
  EXPECT_EQ(CpuSet::all(8).str(), "0-7");
  EXPECT_EQ(CpuSet::all(1).str(), "0");
  EXPECT_EQ(CpuSet::all(0).str(), "");
  s.clear(2);
  s.clear(100);
  EXPECT_EQ(s.str(), "1,5");
  EXPECT_EQ(*CpuSet::parse("5,1"), s);
}
