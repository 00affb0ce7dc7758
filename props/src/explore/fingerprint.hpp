// 128-bit fingerprints of canonical encodings.
//
// The visited set stores fingerprints, not encodings (as TLC does with 64 bits): two
// distinct states are confused only if both 64-bit halves collide, with probability about
// n^2 / 2^129 for n states (below 10^-20 for a billion states). The halves are two
// independent hashes of the bytes, with their own constants, each absorbing sixteen bytes
// per step with one 64x64->128-bit multiply folded to 64 bits (the construction of
// wyhash), then finished with a multiply-xorshift mix.
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

// The 128-bit product of a and b, its halves xored (one MUL instruction on x86-64; GCC's
// 128-bit integer is an extension, hence __extension__).
__extension__ using Uint128 = unsigned __int128;
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) {
  const Uint128 product = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

// Both halves in one pass. A multiply per 8 bytes and half chained each step to the next
// (the hash before this one) kept the CPU waiting on the chain: hashing was 6 % of
// explore's time; one per 16 bytes takes a third of that.
inline Fingerprint fingerprint(std::string_view bytes) {
  const std::size_t size = bytes.size();
  std::uint64_t high = 0x243f6a8885a308d3ull ^ (size * 0x9e3779b97f4a7c15ull);
  std::uint64_t low = 0x13198a2e03707344ull ^ (size * 0x9e3779b97f4a7c15ull);
  auto word = [&](std::size_t at) {
    std::uint64_t value;
    std::memcpy(&value, bytes.data() + at, 8);
    return value;
  };
  std::size_t i = 0;
  for (; i + 16 <= size; i += 16) {
    const std::uint64_t first = word(i), second = word(i + 8);
    high = fold_multiply(first ^ 0xa0761d6478bd642full, second ^ high);
    low = fold_multiply(first ^ 0xe7037ed1a0b428dbull, second ^ low ^ 0x8ebc6af09c88c6e3ull);
  }
  std::uint64_t tail[2] = {0, 0};
  std::memcpy(tail, bytes.data() + i, size - i);
  high = fold_multiply(tail[0] ^ 0x589965cc75374cc3ull, tail[1] ^ high);
  low = fold_multiply(tail[0] ^ 0x1d8e4e27c47d124full, tail[1] ^ low ^ 0xa4093822299f31d0ull);
  return {mix64(high ^ size), mix64(low ^ (size << 1))};
}

} // namespace trimcheck::props::detail
