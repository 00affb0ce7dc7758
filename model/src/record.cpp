#include "trimcheck/model/record.hpp"

#include <algorithm>
#include <array>

namespace trimcheck::model {

Record make_record(const BankLayout &layout, std::uint32_t pcr, TemplateData data, bool violation,
                   DigestMemo *memo) {
  Record record{pcr, std::move(data), {}, violation};
  if (violation) {
    for (const DigestSlot &slot : layout.slots())
      record.digests.emplace_back(digest_size(slot.algo), 0);
  } else {
    record.digests =
        memo ? memo->digests(layout, record.data) : record_digests(layout, record.data);
  }
  return record;
}

std::vector<Digest> record_digests(const BankLayout &layout, const TemplateData &data) {
  std::vector<Digest> digests;
  const Digest sha1 = template_digest(data, HashAlgo::sha1);
  for (const DigestSlot &slot : layout.slots()) {
    if (slot.algo == HashAlgo::sha1)
      digests.push_back(sha1);
    else if (slot.kernel_hash)
      digests.push_back(template_digest(data, slot.algo));
    else
      digests.push_back(padded_sha1(sha1, slot.algo));
  }
  return digests;
}

Digest padded_sha1(const Digest &sha1, HashAlgo bank) {
  Digest padded(digest_size(bank), 0);
  std::copy(sha1.begin(), sha1.end(), padded.begin());
  return padded;
}

std::span<const std::uint8_t> extend_value(const BankLayout &layout, std::size_t bank,
                                           const Record &record) {
  if (!record.violation)
    return record.digests.at(bank);
  // ima_init_digests: 0xFF over the bank's digest size for every algorithm the kernel
  // can name (even without its hash implementation, Debian 6.1 capture); only TPM
  // algorithms unknown to the kernel get 20 bytes of 0xFF, which the model does not have.
  static constexpr auto kAllOnes = [] {
    std::array<std::uint8_t, kMaxDigestSize> ones{};
    ones.fill(0xFF);
    return ones;
  }();
  // Bank i is slot i (BankLayout::slots).
  return std::span<const std::uint8_t>(kAllOnes).first(digest_size(layout.tpm_banks.at(bank).algo));
}

std::size_t binary_runtime_size(const Record &record) {
  return 4 + digest_size(HashAlgo::sha1) + 4 + template_name(record.data).size() + 4 +
         record.data.data_len();
}

} // namespace trimcheck::model
