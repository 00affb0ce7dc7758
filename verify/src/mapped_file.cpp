#include "trimcheck/verify/mapped_file.hpp"

#include "trimcheck/verify/input_error.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace trimcheck::verify {
namespace {

// One guarded range and the line the handler prints for it. `end` is written last (and
// cleared first), so the handler never matches a half-written slot.
struct GuardedRange {
  std::atomic<std::uintptr_t> begin{0};
  std::atomic<std::uintptr_t> end{0};
  std::array<char, 512> line{};
  std::size_t length = 0;
};

std::array<GuardedRange, MappedFile::kMaxGuarded> guarded; // the signal handler's only reach
std::mutex guard_mutex;                                    // slots taken and freed

void on_sigbus(int signal, siginfo_t *info, void *) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (const GuardedRange &range : guarded) {
    const std::uintptr_t end = range.end.load();
    if (end != 0 && address >= range.begin.load() && address < end) {
      [[maybe_unused]] const ssize_t written =
          ::write(STDERR_FILENO, range.line.data(), range.length);
      ::_exit(2);
    }
  }
  // Not a guarded file: the default action, as if there were no handler.
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

// The handler's line for `path` (escaped as every message of verify is, so it stays one
// line), cut to fit the slot.
std::size_t write_line(std::array<char, 512> &line, const std::string &path) {
  const std::string tail = ": the file shrank while verify read it (another process truncated or "
                           "rewrote it); verify a copy that nothing writes\n";
  std::string text = "trimcheck verify: " + printable(path);
  if (text.size() + tail.size() > line.size())
    text.resize(line.size() - tail.size());
  text += tail;
  std::memcpy(line.data(), text.data(), text.size());
  return text.size();
}

// A free slot holding [begin, begin + size) for `path`, or nullptr if none is free.
GuardedRange *guard(const std::string &path, const void *begin, std::size_t size) {
  static const bool installed = [] {
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    return ::sigaction(SIGBUS, &action, nullptr) == 0;
  }();
  if (!installed)
    return nullptr;
  const std::lock_guard lock(guard_mutex);
  for (GuardedRange &range : guarded)
    if (range.end.load() == 0) {
      range.length = write_line(range.line, path);
      range.begin.store(reinterpret_cast<std::uintptr_t>(begin));
      range.end.store(reinterpret_cast<std::uintptr_t>(begin) + size);
      return &range;
    }
  return nullptr;
}

void unguard(GuardedRange *range) {
  const std::lock_guard lock(guard_mutex);
  range->end.store(0);
  range->begin.store(0);
}

} // namespace

std::optional<MappedFile> MappedFile::open(const std::string &path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK); // a FIFO: not mapped
  if (fd < 0)
    return std::nullopt;
  struct stat info {};
  void *mapped = MAP_FAILED;
  std::size_t size = 0;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    size = static_cast<std::size_t>(info.st_size);
    mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  }
  ::close(fd);
  if (mapped == MAP_FAILED)
    return std::nullopt;
  GuardedRange *range = guard(path, mapped, size);
  if (range == nullptr) {
    ::munmap(mapped, size);
    return std::nullopt;
  }
  std::shared_ptr<const std::uint8_t> data(static_cast<const std::uint8_t *>(mapped),
                                           [size, range](const std::uint8_t *p) {
                                             unguard(range);
                                             ::munmap(const_cast<std::uint8_t *>(p), size);
                                           });
  return MappedFile(std::move(data), size);
}

} // namespace trimcheck::verify
