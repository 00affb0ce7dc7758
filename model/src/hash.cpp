#include "trimcheck/model/hash.hpp"
#include "trimcheck/model/detail/hex.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>
#include <string>

namespace trimcheck::model {
namespace {

// The digest implementations, fetched from the default provider once. With the legacy
// EVP_sha256() and friends, OpenSSL 3 fetches the implementation again on every
// EVP_DigestInit_ex (a lock and a method-store lookup: a third of a template digest's
// cost in explore). Constant after the first use; released at exit.
class FetchedDigests {
public:
  FetchedDigests() {
    for (std::size_t i = 0; i < md_.size(); ++i)
      md_[i] =
          EVP_MD_fetch(nullptr, std::string(hash_name(static_cast<HashAlgo>(i))).c_str(), nullptr);
  }
  FetchedDigests(const FetchedDigests &) = delete;
  FetchedDigests &operator=(const FetchedDigests &) = delete;
  ~FetchedDigests() {
    for (EVP_MD *md : md_)
      EVP_MD_free(md);
  }
  const EVP_MD *get(HashAlgo algo) const {
    const auto index = static_cast<std::size_t>(algo);
    if (index >= md_.size())
      throw std::logic_error("unknown hash algorithm");
    if (md_[index] == nullptr)
      throw std::runtime_error("OpenSSL has no " + std::string(hash_name(algo)) +
                               " implementation");
    return md_[index];
  }

private:
  std::array<EVP_MD *, std::size(kAllHashAlgos)> md_{};
};

const EVP_MD *evp_md(HashAlgo algo) {
  static const FetchedDigests digests;
  return digests.get(algo);
}

void check(int ok, const char *what) {
  if (ok != 1)
    throw std::runtime_error(std::string("OpenSSL ") + what + " failed");
}

} // namespace

std::string_view hash_name(HashAlgo algo) {
  switch (algo) {
  case HashAlgo::sha1:
    return "sha1";
  case HashAlgo::sha256:
    return "sha256";
  case HashAlgo::sha384:
    return "sha384";
  case HashAlgo::sha512:
    return "sha512";
  case HashAlgo::sm3:
    return "sm3";
  }
  return "?";
}

std::optional<HashAlgo> hash_from_name(std::string_view name) {
  for (HashAlgo algo : kAllHashAlgos)
    if (hash_name(algo) == name)
      return algo;
  return std::nullopt;
}

std::size_t digest_size(HashAlgo algo) {
  switch (algo) {
  case HashAlgo::sha1:
    return 20;
  case HashAlgo::sha256:
  case HashAlgo::sm3:
    return 32;
  case HashAlgo::sha384:
    return 48;
  case HashAlgo::sha512:
    return 64;
  }
  return 0;
}

std::uint16_t tpm_alg_id(HashAlgo algo) {
  switch (algo) {
  case HashAlgo::sha1:
    return 0x0004;
  case HashAlgo::sha256:
    return 0x000B;
  case HashAlgo::sha384:
    return 0x000C;
  case HashAlgo::sha512:
    return 0x000D;
  case HashAlgo::sm3:
    return 0x0012;
  }
  return 0;
}

Digest hash_bytes(HashAlgo algo, std::span<const std::uint8_t> data) {
  Hasher hasher(algo);
  hasher.update(data);
  return hasher.finish();
}

Hasher::Hasher(HashAlgo algo) : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr)
    throw std::runtime_error("OpenSSL EVP_MD_CTX_new failed");
  check(EVP_DigestInit_ex(static_cast<EVP_MD_CTX *>(ctx_), evp_md(algo), nullptr),
        "EVP_DigestInit_ex");
}

Hasher::Hasher(Hasher &&other) noexcept : ctx_(other.ctx_) {
  other.ctx_ = nullptr;
}

Hasher::~Hasher() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX *>(ctx_));
}

Hasher &Hasher::update(std::span<const std::uint8_t> data) {
  check(EVP_DigestUpdate(static_cast<EVP_MD_CTX *>(ctx_), data.data(), data.size()),
        "EVP_DigestUpdate");
  return *this;
}

Hasher &Hasher::update_u32(std::uint32_t value, bool little_endian) {
  std::uint8_t raw[4];
  for (int i = 0; i < 4; ++i) {
    int shift = little_endian ? 8 * i : 8 * (3 - i);
    raw[i] = static_cast<std::uint8_t>(value >> shift);
  }
  return update(raw);
}

Digest Hasher::finish() {
  Digest out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  check(EVP_DigestFinal_ex(static_cast<EVP_MD_CTX *>(ctx_), out.data(), &len),
        "EVP_DigestFinal_ex");
  out.resize(len);
  return out;
}

std::string to_hex(std::span<const std::uint8_t> data) {
  return detail::hex_encode(data);
}

std::optional<Bytes> from_hex(std::string_view hex) {
  return detail::hex_decode(hex);
}

} // namespace trimcheck::model
