#include "trimcheck/model/digest_table.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace trimcheck::model {
namespace {

std::string_view as_chars(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char *>(bytes.data()), bytes.size()};
}

} // namespace

DigestId DigestTable::keep(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxDigestSize)
    throw std::logic_error("DigestTable: a digest longer than any algorithm's");
  if (auto found = by_bytes_.find(as_chars(bytes)); found != by_bytes_.end())
    return found->second;
  const DigestId id = push(bytes);
  by_bytes_.emplace(std::string(as_chars(bytes)), id);
  return id;
}

DigestId DigestTable::push(std::span<const std::uint8_t> bytes) {
  Value value;
  std::copy(bytes.begin(), bytes.end(), value.bytes.begin());
  value.size = static_cast<std::uint8_t>(bytes.size());
  return values_.push_back(value, "PCR values");
}

DigestId DigestTable::intern(std::span<const std::uint8_t> bytes) {
  const std::lock_guard lock(mutex_);
  return keep(bytes);
}

DigestId DigestTable::extend(HashAlgo algo, DigestId old, std::span<const std::uint8_t> value,
                             bool memoise) {
  // The algorithm, the old value's id, then the extended bytes.
  std::array<char, 1 + sizeof(DigestId) + kMaxDigestSize> key;
  if (value.size() > kMaxDigestSize)
    throw std::logic_error("DigestTable::extend: a digest longer than any algorithm's");
  key[0] = static_cast<char>(algo);
  std::memcpy(key.data() + 1, &old, sizeof old);
  std::memcpy(key.data() + 1 + sizeof old, value.data(), value.size());
  const std::string_view inputs(key.data(), 1 + sizeof old + value.size());
  if (memoise)
    if (auto found = extends_.find(inputs)) // no lock: most extends were made before
      return *found;
  const Digest next = Hasher(algo).update((*this)[old]).update(value).finish();
  const std::lock_guard lock(mutex_);
  if (!memoise) // a run of one history: its values are new, and not looked up again
    return push(next);
  return extends_.find_or_add(
      inputs, [&] { return keep(next); }, "extends");
}

} // namespace trimcheck::model
