#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace trimcheck::test {
namespace {

TEST(TempDir, IsNewAndGoesWithWhatItHolds) {
  std::filesystem::path kept;
  {
    TempDir first("trimcheck-temp-dir-test");
    const TempDir second("trimcheck-temp-dir-test");
    kept = first.path();
    EXPECT_NE(first.path(), second.path());
    EXPECT_TRUE(std::filesystem::is_directory(kept));
    EXPECT_EQ(kept.filename().string().rfind("trimcheck-temp-dir-test.", 0), 0u) << kept;
    std::filesystem::create_directory(kept / "nested");
    std::ofstream(kept / "nested" / "file") << "data";
  }
  EXPECT_FALSE(std::filesystem::exists(kept));
}

TEST(TempDir, AnUnusableBaseIsNamed) {
  try {
    TempDir dir("x", "/nonexistent-trimcheck-base");
    FAIL() << "created " << dir.path();
  } catch (const std::runtime_error &error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent-trimcheck-base/x."), std::string::npos)
        << error.what();
  }
}

} // namespace
} // namespace trimcheck::test
