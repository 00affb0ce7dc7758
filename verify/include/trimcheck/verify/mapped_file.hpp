// A regular file mapped read-only for verify, guarded against being truncated while it is
// read.
//
// Why: verify maps measurement lists (they may be hundreds of MB, and reading them into
// memory measured 40% slower). If another process truncates a mapped file, the next read
// of a page past its new end raises SIGBUS, and verify died with exit 135 and no word
// (issue 20 item 11). Every live MappedFile's range is registered with a SIGBUS handler
// that prints verify's usual one line for bad input, naming the file, and exits 2. The
// registry is process-wide because a signal handler can reach nothing else; it holds up to
// kMaxGuarded ranges (a MappedFile beyond that is read into memory instead), and a range
// leaves it when its MappedFile is destroyed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace trimcheck::verify {

class MappedFile {
public:
  static constexpr std::size_t kMaxGuarded = 64;
  // The mapping of `path`, or nothing if it is not a non-empty regular file that can be
  // mapped (a securityfs list reports size 0, a FIFO or device is no regular file) or the
  // guard has no free slot. Never throws for those; the caller reads such files instead.
  static std::optional<MappedFile> open(const std::string &path);

  std::span<const std::uint8_t> bytes() const { return {data_.get(), size_}; }
  // Keeps the mapping alive (pieces of a log hold their bytes as shared_ptr<const void>).
  std::shared_ptr<const void> keep_alive() const { return data_; }

private:
  MappedFile(std::shared_ptr<const std::uint8_t> data, std::size_t size)
      : data_(std::move(data)), size_(size) {}
  std::shared_ptr<const std::uint8_t> data_;
  std::size_t size_ = 0;
};

} // namespace trimcheck::verify
