#include "trimcheck/model/record.hpp"

#include <algorithm>

namespace trimcheck::model {

Record make_record(const BankLayout &layout, std::uint32_t pcr, TemplateData data, bool violation) {
  Record record{pcr, std::move(data), {}, violation};
  const auto slots = layout.slots();
  if (violation) {
    for (const DigestSlot &slot : slots)
      record.digests.emplace_back(digest_size(slot.algo), 0);
    return record;
  }
  const Digest sha1 = template_digest(record.data, HashAlgo::sha1);
  for (const DigestSlot &slot : slots) {
    if (slot.algo == HashAlgo::sha1) {
      record.digests.push_back(sha1);
    } else if (slot.kernel_hash) {
      record.digests.push_back(template_digest(record.data, slot.algo));
    } else {
      record.digests.push_back(padded_sha1(sha1, slot.algo));
    }
  }
  return record;
}

Digest padded_sha1(const Digest &sha1, HashAlgo bank) {
  Digest padded(digest_size(bank), 0);
  std::copy(sha1.begin(), sha1.end(), padded.begin());
  return padded;
}

Digest extend_value(const BankLayout &layout, std::size_t bank, const Record &record) {
  const DigestSlot slot = layout.slots().at(bank);
  if (!record.violation)
    return record.digests.at(bank);
  // ima_init_digests: 0xFF over the bank's digest size for every algorithm the kernel
  // can name (even without its hash implementation, Debian 6.1 capture); only TPM
  // algorithms unknown to the kernel get 20 bytes of 0xFF, which the model does not have.
  return Digest(digest_size(slot.algo), 0xFF);
}

std::size_t binary_runtime_size(const Record &record) {
  return 4 + digest_size(HashAlgo::sha1) + 4 + template_name(record.data.kind).size() + 4 +
         record.data.data_len();
}

} // namespace trimcheck::model
