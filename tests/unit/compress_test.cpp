// Save image formats: names and their programs.
#include <gtest/gtest.h>

#include "util/compress.h"

using namespace stratus;

TEST(Compress, FormatNames) {
  EXPECT_EQ(*normalizeImageFormat(""), "raw");
  EXPECT_EQ(*normalizeImageFormat("raw"), "raw");
  EXPECT_EQ(*normalizeImageFormat("zstd"), "zstd");
  auto bad = normalizeImageFormat("rar");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
  EXPECT_NE(bad.error().message.find("known: raw, gzip"), std::string::npos) << bad.error().message;
  EXPECT_EQ(imageFormats().front(), "raw");
}

TEST(Compress, ProgramsAreFoundInPath) {
  EXPECT_EQ(compressorFor("raw").error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(compressorFor("nope").error().code, ErrorCode::InvalidArgument);
  if (findProgram("gzip").empty()) GTEST_SKIP() << "gzip not installed";
  auto c = compressorFor("gzip");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->compressArgv.front(), findProgram("gzip"));
  EXPECT_EQ(c->decompressArgv.at(1), "-d");
  EXPECT_TRUE(findProgram("no-such-program-stratus").empty());
}
