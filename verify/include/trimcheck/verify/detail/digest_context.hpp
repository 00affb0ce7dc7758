// A reusable hash context of one algorithm for one thread: the algorithm is fetched from
// OpenSSL once and the context is re-initialised per message, instead of allocating a
// context and looking the algorithm up for every record (the replay hashes millions of
// short messages). What is hashed is always decided by the model.
#pragma once

#include "trimcheck/model/list_format.hpp"

#include <span>

namespace trimcheck::verify::detail {

class DigestContext {
public:
  explicit DigestContext(model::HashAlgo algo);
  DigestContext(DigestContext &&other) noexcept;
  DigestContext &operator=(DigestContext &&) = delete;
  DigestContext(const DigestContext &) = delete;
  DigestContext &operator=(const DigestContext &) = delete;
  ~DigestContext();

  std::size_t size() const { return size_; }
  void begin();
  void update(std::span<const std::uint8_t> data);
  // Writes size() bytes to `out`.
  void finish(std::uint8_t *out);

  // The template digest of a record (model::template_digest_input) into `out`.
  void template_digest(const model::EntryView &entry, std::uint8_t *out);
  model::Digest template_digest(const model::EntryView &entry);
  // PCR extend: value = H(value || extend), in place.
  void extend(model::Digest &value, std::span<const std::uint8_t> extend);

private:
  void *md_ = nullptr;  // EVP_MD*
  void *ctx_ = nullptr; // EVP_MD_CTX*
  std::size_t size_ = 0;
};

} // namespace trimcheck::verify::detail
