#include "trimcheck/verify/detail/digest_context.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <stdexcept>

namespace trimcheck::verify::detail {

namespace {

void check(int ok, const char *what) {
  if (ok != 1)
    throw std::runtime_error(std::string("OpenSSL ") + what + " failed");
}

} // namespace

DigestContext::DigestContext(model::HashAlgo algo)
    : md_(EVP_MD_fetch(nullptr, std::string(model::hash_name(algo)).c_str(), nullptr)),
      ctx_(EVP_MD_CTX_new()), size_(model::digest_size(algo)) {
  if (!md_ || !ctx_)
    throw std::runtime_error("OpenSSL has no " + std::string(model::hash_name(algo)));
}

DigestContext::DigestContext(DigestContext &&other) noexcept
    : md_(other.md_), ctx_(other.ctx_), size_(other.size_) {
  other.md_ = other.ctx_ = nullptr;
}

DigestContext::~DigestContext() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX *>(ctx_));
  EVP_MD_free(static_cast<EVP_MD *>(md_));
}

void DigestContext::begin() {
  check(EVP_DigestInit_ex2(static_cast<EVP_MD_CTX *>(ctx_), static_cast<EVP_MD *>(md_), nullptr),
        "EVP_DigestInit_ex2");
}

void DigestContext::update(std::span<const std::uint8_t> data) {
  check(EVP_DigestUpdate(static_cast<EVP_MD_CTX *>(ctx_), data.data(), data.size()),
        "EVP_DigestUpdate");
}

void DigestContext::finish(std::uint8_t *out) {
  check(EVP_DigestFinal_ex(static_cast<EVP_MD_CTX *>(ctx_), out, nullptr), "EVP_DigestFinal_ex");
}

void DigestContext::template_digest(const model::EntryView &entry, std::uint8_t *out) {
  begin();
  model::template_digest_input(entry,
                               [this](std::span<const std::uint8_t> piece) { update(piece); });
  finish(out);
}

model::Digest DigestContext::template_digest(const model::EntryView &entry) {
  model::Digest out(size_);
  template_digest(entry, out.data());
  return out;
}

void DigestContext::extend(model::Digest &value, std::span<const std::uint8_t> extend) {
  // One update of both (the call costs as much as hashing a short message).
  std::array<std::uint8_t, 2 * EVP_MAX_MD_SIZE> in;
  std::memcpy(in.data(), value.data(), value.size());
  std::memcpy(in.data() + value.size(), extend.data(), extend.size());
  begin();
  update(std::span(in).first(value.size() + extend.size()));
  finish(value.data());
}

} // namespace trimcheck::verify::detail
