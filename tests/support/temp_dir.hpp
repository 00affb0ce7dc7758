// A directory of one test's own, under the system's temporary directory ($TMPDIR, else
// /tmp), removed with everything in it when the test ends, also when an assertion ends the
// test early. The one way tests make a directory (the product's is process::ScratchDir,
// which also sweeps what killed runs left behind).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace trimcheck::test {

class TempDir {
public:
  // `prefix` names the directory (prefix.XXXXXX), so that one left by a crashed test says
  // which test it was. Throws std::runtime_error if it cannot be created.
  explicit TempDir(std::string_view prefix = "trimcheck-test",
                   const std::filesystem::path &base = std::filesystem::temp_directory_path()) {
    std::string pattern = (base / (std::string(prefix) + ".XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::runtime_error("cannot create a temporary directory " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored; // a test that removed it itself
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return path_; }

private:
  std::filesystem::path path_;
};

} // namespace trimcheck::test
