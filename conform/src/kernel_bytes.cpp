#include "trimcheck/conform/kernel_under_test.hpp"

namespace trimcheck::conform {

using namespace model;

KernelBytes KernelBytes::from_digest(Digest sha256, std::size_t length) {
  KernelBytes out;
  out.sha256_ = std::move(sha256);
  out.length_ = length;
  return out;
}

Digest KernelBytes::sha256() const {
  return sha256_ ? *sha256_ : hash_bytes(HashAlgo::sha256, bytes_);
}

bool KernelBytes::matches(const Bytes &expected) const {
  if (known())
    return bytes_ == expected;
  return length_ == expected.size() && *sha256_ == hash_bytes(HashAlgo::sha256, expected);
}

bool KernelBytes::operator==(const KernelBytes &other) const {
  if (known() && other.known())
    return bytes_ == other.bytes_;
  return length() == other.length() && sha256() == other.sha256();
}

std::string digest_summary(const Digest &sha256, std::size_t length) {
  return "sha256 " + to_hex(sha256).substr(0, 16) + ".. (" + std::to_string(length) + " bytes)";
}

} // namespace trimcheck::conform
