#include "trimcheck/model/banks.hpp"

#include <stdexcept>

namespace trimcheck::model {

std::vector<DigestSlot> BankLayout::slots() const {
  std::vector<DigestSlot> out;
  bool has_sha1 = false, has_ima_hash = false;
  for (const TpmBank &bank : tpm_banks) {
    out.push_back({bank.algo, bank.kernel_hash, true});
    has_sha1 |= bank.algo == HashAlgo::sha1;
    has_ima_hash |= bank.algo == ima_hash;
  }
  if (!has_sha1)
    out.push_back({HashAlgo::sha1, true, false});
  if (!has_ima_hash && ima_hash != HashAlgo::sha1)
    out.push_back({ima_hash, true, false});
  return out;
}

std::size_t BankLayout::sha1_slot() const {
  auto all = slots();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].algo == HashAlgo::sha1)
      return i;
  throw std::logic_error("layout without a SHA-1 slot");
}

std::size_t BankLayout::ima_hash_slot() const {
  auto all = slots();
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].algo == ima_hash)
      return i;
  throw std::logic_error("layout without an ima_hash slot");
}

BankLayout BankLayout::swtpm_default() {
  return BankLayout{{{HashAlgo::sha1}, {HashAlgo::sha256}, {HashAlgo::sha384}, {HashAlgo::sha512}},
                    HashAlgo::sha256};
}

PcrBanks::PcrBanks(const BankLayout &layout) {
  std::vector<std::array<Digest, kNumPcrs>> values;
  for (const TpmBank &bank : layout.tpm_banks) {
    algos_.push_back(bank.algo);
    // A TPM 2.0 after startup: PCRs 0-16 and 23 are zero; 17-22 (the DRTM locality PCRs)
    // are all ones until a dynamic launch resets them (TCG PC Client PTP, PCR attributes).
    std::array<Digest, kNumPcrs> initial;
    for (std::size_t pcr = 0; pcr < kNumPcrs; ++pcr)
      initial[pcr] = Digest(digest_size(bank.algo), pcr >= 17 && pcr <= 22 ? 0xff : 0);
    values.push_back(std::move(initial));
  }
  values_ = std::move(values);
}

void PcrBanks::set_firmware(std::size_t bank, std::size_t pcr, const Digest &value) {
  if (pcr >= 10 || value.size() != digest_size(algos_.at(bank)))
    throw std::invalid_argument("firmware values are PCRs 0-9 of the bank's digest size");
  values_.mutable_at(bank).at(pcr) = value;
}

void PcrBanks::extend(std::size_t bank, std::size_t pcr, const Digest &value) {
  HashAlgo algo = algos_.at(bank);
  if (value.size() != digest_size(algo))
    throw std::invalid_argument("extend value does not match the bank's digest size");
  Digest next = Hasher(algo).update(values_.at(bank).at(pcr)).update(value).finish();
  values_.mutable_at(bank).at(pcr) = std::move(next);
}

} // namespace trimcheck::model
