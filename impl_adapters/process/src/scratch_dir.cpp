#include "trimcheck/process/scratch_dir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace trimcheck::process {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kRandomLength = 6; // mkdtemp's XXXXXX

// The <pid> of a name `<prefix>.<pid>.XXXXXX`, or nullopt for a name of another shape.
std::optional<pid_t> owner_of(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() + 1 || name.substr(0, prefix.size()) != prefix ||
      name[prefix.size()] != '.')
    return std::nullopt;
  name.remove_prefix(prefix.size() + 1);
  const std::size_t dot = name.find('.');
  if (dot == std::string_view::npos || name.size() - dot - 1 != kRandomLength ||
      !std::all_of(name.begin() + static_cast<std::ptrdiff_t>(dot) + 1, name.end(),
                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }))
    return std::nullopt;
  pid_t pid = 0;
  const auto [end, error] = std::from_chars(name.data(), name.data() + dot, pid);
  if (error != std::errc() || end != name.data() + dot || pid <= 0)
    return std::nullopt;
  return pid;
}

} // namespace

fs::path temp_base() {
  const char *tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

void sweep_stale(const fs::path &base, std::string_view prefix) {
  std::error_code error;
  for (const fs::directory_entry &entry : fs::directory_iterator(base, error)) {
    const std::optional<pid_t> owner = owner_of(entry.path().filename().native(), prefix);
    struct stat info {};
    if (!owner || ::lstat(entry.path().c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
        info.st_uid != ::getuid())
      continue;
    if (::kill(*owner, 0) != 0 && errno == ESRCH)
      fs::remove_all(entry.path(), error);
  }
}

ScratchDir::ScratchDir(std::string_view prefix, const fs::path &base) {
  sweep_stale(base, prefix);
  std::string pattern = (base / (std::string(prefix) + "." + std::to_string(::getpid()) + "." +
                                 std::string(kRandomLength, 'X')))
                            .string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("cannot create a temporary directory in " + base.string() + ": " +
                             std::strerror(errno));
  path_ = pattern;
}

ScratchDir::ScratchDir(ScratchDir &&other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

ScratchDir::~ScratchDir() {
  if (path_.empty())
    return;
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

} // namespace trimcheck::process
