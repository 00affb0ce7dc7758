#include "trimcheck/model/state_encoder.hpp"

#include <algorithm>
#include <cstring>

namespace trimcheck::model {

void StateEncoder::long_number(std::uint64_t value) {
  while (value >= 0x80) {
    put(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  put(static_cast<char>(value));
}

void StateEncoder::grow(std::size_t at_least) {
  // Within the capacity a reused buffer has, a step of at least 128 bytes: resize() fills
  // what it adds, so the step is what one encoding pays beyond the last one's length.
  constexpr std::size_t kStep = 128;
  const std::size_t needed = used_ + at_least;
  if (needed <= out_.capacity())
    out_.resize(std::min(out_.capacity(), std::max(needed, used_ + kStep)));
  else
    out_.resize(std::max({out_.size() * 2, needed, kStep}));
}

void StateEncoder::append(const char *bytes, std::size_t size) {
  if (size == 0)
    return;
  if (out_.size() - used_ < size)
    grow(size);
  std::memcpy(out_.data() + used_, bytes, size);
  used_ += size;
}

void StateEncoder::signed_number(std::int64_t value) {
  // Zig-zag, so that small negative values (-errno) stay short.
  const auto bits = static_cast<std::uint64_t>(value);
  number((bits << 1) ^ (value < 0 ? ~std::uint64_t{0} : 0));
}

void StateEncoder::pid(Pid pid) {
  number(renamed_pid(pid));
}

void StateEncoder::open_file(OpenFileId id) {
  number(renamed_file(id));
}

void StateEncoder::blob(std::span<const std::uint8_t> bytes) {
  number(bytes.size());
  append(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

void StateEncoder::serials(std::span<const Serial> serials) {
  number(serials.size());
  for (Serial serial : serials)
    number(serial);
}

} // namespace trimcheck::model
