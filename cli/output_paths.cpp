// Output paths checked when the command line is parsed, before any work starts (a full
// `check` took minutes before it found that --junit could not be written).
#include "commands.hpp"

#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace trimcheck::cli {
namespace {

namespace fs = std::filesystem;

// Why a directory at `dir` cannot be created or written, or "" if it can: the nearest
// existing ancestor must be a writable directory.
std::string directory_problem(const fs::path &dir) {
  std::error_code error;
  for (fs::path at = fs::absolute(dir, error); !at.empty(); at = at.parent_path()) {
    const fs::file_status status = fs::status(at, error);
    if (status.type() == fs::file_type::not_found) {
      if (at == at.parent_path())
        break;
      continue;
    }
    if (status.type() != fs::file_type::directory)
      return at.string() + " is not a directory";
    if (::access(at.c_str(), W_OK | X_OK) != 0)
      return at.string() + " is not writable";
    return {};
  }
  return "no existing directory above it";
}

CLI::Validator output_validator(bool directory) {
  return CLI::Validator(
      [directory](const std::string &value) -> std::string {
        if (value.empty())
          return "an empty path";
        const fs::path path(value);
        std::error_code error;
        const fs::file_status status = fs::status(path, error);
        std::string problem;
        if (directory)
          problem = directory_problem(path);
        else if (status.type() == fs::file_type::directory)
          problem = "it is a directory";
        else if (fs::exists(status))
          problem = ::access(path.c_str(), W_OK) == 0 ? "" : "it is not writable";
        else
          problem = directory_problem(fs::absolute(path, error).parent_path());
        return problem.empty() ? "" : "cannot write " + value + ": " + problem;
      },
      directory ? "DIR" : "FILE");
}

} // namespace

CLI::Validator writable_file() {
  return output_validator(false);
}

CLI::Validator writable_directory() {
  return output_validator(true);
}

} // namespace trimcheck::cli
