#include "spill_file.hpp"

#include "trimcheck/props/explore.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <malloc.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

// jemalloc's control interface, when the executable links it (the CLI and the bench do);
// null otherwise, and glibc's malloc_trim does the same job.
extern "C" int mallctl(const char *name, void *old, std::size_t *old_size, void *value,
                       std::size_t value_size) __attribute__((weak));

namespace trimcheck::props::detail {

namespace {

constexpr std::size_t kBlock = 1 << 16; // fingerprints per read or write (1 MiB)

[[noreturn]] void fail(const std::filesystem::path &directory, const std::string &what) {
  throw SpillError("cannot keep the visited states on disk in " + directory.string() + " (" + what +
                   ": " + std::strerror(errno) +
                   "); free space there, or choose another directory with --spill-dir");
}

// A new file in `directory`, unlinked at once: only this process's descriptor names it.
// -1 (errno set) when no file can be created there.
int try_unlinked_file(const std::filesystem::path &directory) {
  std::string name = (directory / "trimcheck-visited-XXXXXX").string();
  const int fd = mkstemp(name.data());
  if (fd >= 0)
    unlink(name.c_str());
  return fd;
}

int unlinked_file(const std::filesystem::path &directory) {
  const int fd = try_unlinked_file(directory);
  if (fd < 0)
    fail(directory, "create");
  return fd;
}

void write_all(int fd, const std::filesystem::path &directory, const Fingerprint *data,
               std::size_t count) {
  const auto *bytes = reinterpret_cast<const char *>(data);
  std::size_t left = count * sizeof(Fingerprint);
  while (left > 0) {
    const ssize_t written = write(fd, bytes, left);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      fail(directory, "write");
    bytes += written;
    left -= static_cast<std::size_t>(written);
  }
}

// Reads `count` fingerprints at `offset` (in fingerprints) into `out`.
void read_all(int fd, const std::filesystem::path &directory, std::uint64_t offset,
              Fingerprint *out, std::size_t count) {
  auto *bytes = reinterpret_cast<char *>(out);
  std::size_t left = count * sizeof(Fingerprint);
  auto at = static_cast<off_t>(offset * sizeof(Fingerprint));
  while (left > 0) {
    const ssize_t got = pread(fd, bytes, left, at);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      fail(directory, "read");
    bytes += got;
    at += got;
    left -= static_cast<std::size_t>(got);
  }
}

// Reads one section of the file in blocks, in order.
class SectionReader {
public:
  SectionReader(int fd, const std::filesystem::path &directory, std::uint64_t offset,
                std::uint64_t count)
      : fd_(fd), directory_(&directory), offset_(offset), left_(count) {}
  // The next fingerprint, or null at the section's end.
  const Fingerprint *peek() {
    if (at_ == block_.size()) {
      if (left_ == 0)
        return nullptr;
      block_.resize(std::min<std::uint64_t>(kBlock, left_));
      read_all(fd_, *directory_, offset_, block_.data(), block_.size());
      offset_ += block_.size();
      left_ -= block_.size();
      at_ = 0;
    }
    return &block_[at_];
  }
  void next() { ++at_; }

private:
  int fd_;
  const std::filesystem::path *directory_;
  std::uint64_t offset_, left_;
  std::vector<Fingerprint> block_;
  std::size_t at_ = 0;
};

} // namespace

SpillFile::SpillFile(std::filesystem::path directory) : directory_(std::move(directory)) {}

SpillFile::~SpillFile() {
  if (fd_ >= 0)
    close(fd_);
  if (next_fd_ >= 0)
    close(next_fd_);
}

void SpillFile::begin_merge() {
  next_fd_ = unlinked_file(directory_);
  next_count_ = 0;
  next_section_counts_.assign(kVisitedShards, 0);
  read_offset_ = 0;
}

void SpillFile::merge_section(std::size_t shard, const std::vector<Fingerprint> &fresh) {
  SectionReader old(fd_, directory_, read_offset_, fd_ >= 0 ? section_counts_[shard] : 0);
  std::vector<Fingerprint> out;
  out.reserve(kBlock);
  std::uint64_t emitted = 0;
  auto emit = [&](const Fingerprint &fp) {
    ++emitted;
    out.push_back(fp);
    if (out.size() == kBlock) {
      write_all(next_fd_, directory_, out.data(), out.size());
      out.clear();
    }
  };
  auto fresh_at = fresh.begin();
  for (const Fingerprint *kept = old.peek(); kept != nullptr; kept = old.peek()) {
    while (fresh_at != fresh.end() && spill_order(*fresh_at, *kept))
      emit(*fresh_at++);
    if (fresh_at != fresh.end() && *fresh_at == *kept)
      ++fresh_at; // already in the file: kept once
    emit(*kept);
    old.next();
  }
  while (fresh_at != fresh.end())
    emit(*fresh_at++);
  write_all(next_fd_, directory_, out.data(), out.size());
  read_offset_ += fd_ >= 0 ? section_counts_[shard] : 0;
  next_section_counts_[shard] = emitted;
  next_count_ += emitted;
}

void SpillFile::end_merge() {
  if (fd_ >= 0)
    close(fd_);
  fd_ = std::exchange(next_fd_, -1);
  count_ = next_count_;
  section_counts_ = std::move(next_section_counts_);
}

std::vector<bool> SpillFile::contains(const std::vector<Fingerprint> &probes) const {
  std::vector<bool> found(probes.size(), false);
  if (fd_ < 0)
    return found;
  std::uint64_t offset = 0;
  std::size_t probe = 0;
  for (std::size_t shard = 0; shard < kVisitedShards && probe < probes.size(); ++shard) {
    SectionReader section(fd_, directory_, offset, section_counts_[shard]);
    offset += section_counts_[shard];
    if (shard_index(probes[probe]) != shard)
      continue; // no probe in this section: skip it unread
    for (; probe < probes.size() && shard_index(probes[probe]) == shard; ++probe) {
      const Fingerprint *kept = section.peek();
      while (kept != nullptr && spill_order(*kept, probes[probe])) {
        section.next();
        kept = section.peek();
      }
      found[probe] = kept != nullptr && *kept == probes[probe];
    }
  }
  return found;
}

void check_spill_directory(const std::filesystem::path &directory) {
  const int fd = try_unlinked_file(directory);
  if (fd < 0)
    throw std::invalid_argument("--spill-dir: cannot create a file in " + directory.string() +
                                " (" + std::strerror(errno) + ")");
  close(fd);
}

void release_free_memory() {
  if (mallctl != nullptr)
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0); // MALLCTL_ARENAS_ALL
  else
    malloc_trim(0);
}

} // namespace trimcheck::props::detail
