// Cursor over a binary input file that reports every problem as an InputError naming
// the file and the byte offset (quote messages, signatures, tpm2-tools PCR files).
#pragma once

#include "trimcheck/model/hash.hpp"
#include "trimcheck/verify/input_error.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace trimcheck::verify::detail {

class ByteReader {
public:
  enum class Order : std::uint8_t { big, little };

  ByteReader(std::string source, std::span<const std::uint8_t> bytes, Order order)
      : source_(std::move(source)), bytes_(bytes), order_(order) {}

  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool done() const { return pos_ == bytes_.size(); }

  [[noreturn]] void fail(const std::string &what) const { fail_at(pos_, what); }
  [[noreturn]] void fail_at(std::size_t offset, const std::string &what) const {
    throw InputError(source_, "byte " + std::to_string(offset) + ": " + what);
  }

  std::uint64_t uint(std::size_t width, const char *what) {
    need(width, what);
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) {
      const std::size_t index = order_ == Order::big ? i : width - 1 - i;
      value = (value << 8) | bytes_[pos_ + index];
    }
    pos_ += width;
    return value;
  }
  std::uint8_t u8(const char *what) { return static_cast<std::uint8_t>(uint(1, what)); }
  std::uint16_t u16(const char *what) { return static_cast<std::uint16_t>(uint(2, what)); }
  std::uint32_t u32(const char *what) { return static_cast<std::uint32_t>(uint(4, what)); }
  std::uint64_t u64(const char *what) { return uint(8, what); }

  model::Bytes take(std::size_t len, const char *what) {
    need(len, what);
    model::Bytes out(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_),
                     bytes_.begin() + static_cast<std::ptrdiff_t>(pos_ + len));
    pos_ += len;
    return out;
  }
  void skip(std::size_t len, const char *what) {
    need(len, what);
    pos_ += len;
  }
  // A TPM2B: u16 size, then that many bytes (at most `max`).
  model::Bytes tpm2b(const char *what, std::size_t max) {
    const std::size_t start = pos_;
    const std::size_t len = u16(what);
    if (len > max)
      fail_at(start, std::string(what) + " of " + std::to_string(len) + " bytes exceeds " +
                         std::to_string(max));
    return take(len, what);
  }

private:
  void need(std::size_t len, const char *what) const {
    if (remaining() < len)
      fail(std::string(what) + " needs " + std::to_string(len) + " bytes, " +
           std::to_string(remaining()) + " remain");
  }

  std::string source_;
  std::span<const std::uint8_t> bytes_;
  Order order_;
  std::size_t pos_ = 0;
};

} // namespace trimcheck::verify::detail
