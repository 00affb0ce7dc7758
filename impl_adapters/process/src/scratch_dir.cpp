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

// A decimal number of a whole token, or nullopt.
template <typename Number> std::optional<Number> number_of(std::string_view token) {
  Number value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (token.empty() || error != std::errc() || end != token.data() + token.size())
    return std::nullopt;
  return value;
}

struct Owner {
  pid_t pid = 0;
  std::uint64_t pid_namespace = 0;
};

// The owner of a name `<prefix>.<pid>.<pid namespace>.XXXXXX`, or nullopt for a name of
// another shape.
std::optional<Owner> owner_of(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() + 1 || name.substr(0, prefix.size()) != prefix ||
      name[prefix.size()] != '.')
    return std::nullopt;
  name.remove_prefix(prefix.size() + 1);
  const std::size_t first = name.find('.');
  const std::size_t second = name.find('.', first == std::string_view::npos ? first : first + 1);
  if (second == std::string_view::npos || name.size() - second - 1 != kRandomLength ||
      !std::all_of(name.begin() + static_cast<std::ptrdiff_t>(second) + 1, name.end(),
                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }))
    return std::nullopt;
  const auto pid = number_of<pid_t>(name.substr(0, first));
  const auto space = number_of<std::uint64_t>(name.substr(first + 1, second - first - 1));
  if (!pid || *pid <= 0 || !space)
    return std::nullopt;
  return Owner{*pid, *space};
}

} // namespace

fs::path temp_base() {
  const char *tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

std::uint64_t pid_namespace() {
  struct stat info {};
  return ::stat("/proc/self/ns/pid", &info) == 0 ? static_cast<std::uint64_t>(info.st_ino) : 0;
}

void sweep_stale(const fs::path &base, std::string_view prefix) {
  const std::uint64_t own_namespace = pid_namespace();
  std::error_code error;
  for (const fs::directory_entry &entry : fs::directory_iterator(base, error)) {
    const std::optional<Owner> owner = owner_of(entry.path().filename().native(), prefix);
    struct stat info {};
    if (!owner || owner->pid_namespace != own_namespace ||
        ::lstat(entry.path().c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
        info.st_uid != ::getuid())
      continue;
    if (::kill(owner->pid, 0) != 0 && errno == ESRCH)
      fs::remove_all(entry.path(), error);
  }
}

ScratchDir::ScratchDir(std::string_view prefix, const fs::path &base) {
  sweep_stale(base, prefix);
  std::string pattern =
      (base / (std::string(prefix) + "." + std::to_string(::getpid()) + "." +
               std::to_string(pid_namespace()) + "." + std::string(kRandomLength, 'X')))
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
