// Hash algorithms and digests as IMA and the TPM use them.
//
// IMA names a bank by the kernel's hash_algo_name[] (sha1, sha256, ...) and the TPM by
// its TPM_ALG_ID. Digests are computed with OpenSSL EVP so that every value the model
// produces is a real digest that a kernel or swtpm would produce for the same bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::model {

using Bytes = std::vector<std::uint8_t>;

enum class HashAlgo : std::uint8_t { sha1, sha256, sha384, sha512, sm3 };

inline constexpr HashAlgo kAllHashAlgos[] = {HashAlgo::sha1, HashAlgo::sha256, HashAlgo::sha384,
                                             HashAlgo::sha512, HashAlgo::sm3};

// Kernel name ("sha256"), as used in file names and in the d-ng field prefix.
std::string_view hash_name(HashAlgo algo);
std::optional<HashAlgo> hash_from_name(std::string_view name);
std::size_t digest_size(HashAlgo algo);
inline constexpr std::size_t kMaxDigestSize = 64; // SHA-512
// TPM_ALG_ID (TCG algorithm registry).
std::uint16_t tpm_alg_id(HashAlgo algo);

// A digest is the raw bytes; its algorithm is known from context (the bank).
using Digest = Bytes;

Digest hash_bytes(HashAlgo algo, std::span<const std::uint8_t> data);

// Incremental hashing for values built from several pieces (template digests).
class Hasher {
public:
  explicit Hasher(HashAlgo algo);
  Hasher(const Hasher &) = delete;
  Hasher &operator=(const Hasher &) = delete;
  Hasher(Hasher &&other) noexcept;
  Hasher &operator=(Hasher &&) = delete;
  ~Hasher();

  Hasher &update(std::span<const std::uint8_t> data);
  Hasher &update_u32(std::uint32_t value, bool little_endian = true);
  Digest finish();

private:
  void *ctx_; // EVP_MD_CTX*
};

std::string to_hex(std::span<const std::uint8_t> data);
// Lower- or upper-case hex, even length; nullopt otherwise.
std::optional<Bytes> from_hex(std::string_view hex);

inline Bytes to_bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

} // namespace trimcheck::model
