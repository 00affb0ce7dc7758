// Mapped lists and the guard against their truncation (verify/mapped_file.hpp): a list
// that another process truncates while verify reads it is one line and exit 2, not SIGBUS
// (issue 20 item 11).
#include "trimcheck/verify/mapped_file.hpp"

#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace trimcheck::verify {
namespace {

namespace fs = std::filesystem;

class ScratchFiles {
public:
  std::string file(const std::string &name, std::size_t size) const {
    const fs::path path = dir_.path() / name;
    std::ofstream(path, std::ios::binary) << std::string(size, 'x');
    return path.string();
  }

private:
  trimcheck::test::TempDir dir_{"trimcheck-mapped-test"};
};

// Maps `path`, truncates it to nothing and reads every byte: the guard ends the process.
// The death test's child runs the test from its start, with scratch files of its own, and
// ends in the guard, where no destructor runs: it removes its directory itself once the
// file is mapped (the mapping keeps the truncated file alive).
[[noreturn]] void read_after_truncation(const std::string &path) {
  auto mapped = MappedFile::open(path);
  if (!mapped)
    std::_Exit(10);
  if (::truncate(path.c_str(), 0) != 0)
    std::_Exit(11);
  std::error_code ignored;
  fs::remove_all(fs::path(path).parent_path(), ignored);
  unsigned sum = 0;
  for (std::uint8_t byte : mapped->bytes())
    sum += *static_cast<volatile const std::uint8_t *>(&byte);
  std::_Exit(sum == 0 ? 12 : 0); // reached only if the read did not fault
}

TEST(MappedFileDeathTest, AFileTruncatedWhileReadIsOneLineAndExitTwo) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchFiles files;
  const std::string path = files.file("list.bin", 3 * 4096 + 100);
  EXPECT_EXIT(read_after_truncation(path), ::testing::ExitedWithCode(2),
              "^trimcheck verify: .*list\\.bin: the file shrank while verify read it");
}

TEST(MappedFileDeathTest, ANameWithANewlineStaysOneLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ScratchFiles files;
  const std::string path = files.file("two\nlines.bin", 2 * 4096);
  EXPECT_EXIT(read_after_truncation(path), ::testing::ExitedWithCode(2),
              "two\\\\nlines\\.bin: the file shrank");
}

TEST(MappedFile, MapsARegularFileWhole) {
  ScratchFiles files;
  const auto mapped = MappedFile::open(files.file("list.bin", 5000));
  ASSERT_TRUE(mapped);
  EXPECT_EQ(mapped->bytes().size(), 5000u);
  EXPECT_EQ(mapped->bytes().front(), 'x');
}

TEST(MappedFile, WhatIsNotANonEmptyRegularFileIsLeftToBeRead) {
  ScratchFiles files;
  EXPECT_FALSE(MappedFile::open(files.file("empty.bin", 0)));
  EXPECT_FALSE(MappedFile::open("/dev/zero"));
  EXPECT_FALSE(MappedFile::open("/nonexistent/list.bin"));
}

TEST(MappedFile, AGuardSlotIsFreedWithItsMapping) {
  ScratchFiles files;
  const std::string path = files.file("list.bin", 100);
  for (std::size_t i = 0; i < 3 * MappedFile::kMaxGuarded; ++i)
    ASSERT_TRUE(MappedFile::open(path)) << i;
  std::vector<MappedFile> held;
  for (std::size_t i = 0; i < MappedFile::kMaxGuarded; ++i)
    held.push_back(*MappedFile::open(path));
  EXPECT_FALSE(MappedFile::open(path)); // every slot taken: the caller reads the file instead
}

} // namespace
} // namespace trimcheck::verify
