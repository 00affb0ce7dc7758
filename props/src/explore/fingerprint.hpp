// 128-bit fingerprints of canonical encodings.
//
// The visited set stores fingerprints, not encodings (as TLC does with 64 bits): two
// distinct states are confused only if both 64-bit halves collide, with probability about
// n^2 / 2^129 for n states (below 10^-20 for a billion states). The halves are two
// independent multiply-xorshift hashes of the bytes, eight at a time.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace trimcheck::props::detail {

struct Fingerprint {
  std::uint64_t high = 0, low = 0;
  bool operator==(const Fingerprint &) const = default;
};

inline std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ull;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ull;
  x ^= x >> 32;
  return x;
}

// Both halves in one pass: the two multiply chains are independent, so the CPU runs them
// side by side (hashing the encoding was a tenth of explore's time as two passes).
inline Fingerprint fingerprint(std::string_view bytes) {
  std::uint64_t high = 0x243f6a8885a308d3ull ^ (bytes.size() * 0x9e3779b97f4a7c15ull);
  std::uint64_t low = 0x13198a2e03707344ull ^ (bytes.size() * 0x9e3779b97f4a7c15ull);
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    high = mix64(high ^ word) + 0x632be59bd9b4e019ull;
    low = mix64(low ^ word) + 0x632be59bd9b4e019ull;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  const std::uint64_t last = tail ^ (bytes.size() - i) << 56;
  return {mix64(high ^ last), mix64(low ^ last)};
}

} // namespace trimcheck::props::detail
