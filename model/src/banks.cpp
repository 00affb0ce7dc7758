#include "trimcheck/model/banks.hpp"

#include "trimcheck/model/digest_memo.hpp"
#include "trimcheck/model/digest_table.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace trimcheck::model {

void DigestSlots::throw_full() {
  throw std::invalid_argument("a bank layout with more than " + std::to_string(kMax) +
                              " digest slots is not modelled");
}

const DigestSlot &DigestSlots::at(std::size_t i) const {
  if (i >= size_)
    throw std::out_of_range("digest slot " + std::to_string(i) + " of " + std::to_string(size_));
  return slots_[i];
}

DigestSlots BankLayout::slots() const {
  DigestSlots out;
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

// The slot of SHA-1 or of ima_hash: its bank's, else its place among the extra slots that
// slots() appends after the banks (SHA-1's first, then ima_hash's). Found without building
// the slots, once per record and extend.
std::size_t BankLayout::slot_of(HashAlgo algo) const {
  bool has_sha1 = false;
  for (std::size_t i = 0; i < tpm_banks.size(); ++i) {
    if (tpm_banks[i].algo == algo)
      return i;
    has_sha1 |= tpm_banks[i].algo == HashAlgo::sha1;
  }
  return tpm_banks.size() + (algo != HashAlgo::sha1 && !has_sha1 ? 1 : 0);
}

BankLayout BankLayout::swtpm_default() {
  return BankLayout{{{HashAlgo::sha1}, {HashAlgo::sha256}, {HashAlgo::sha384}, {HashAlgo::sha512}},
                    HashAlgo::sha256};
}

PcrBanks::PcrBanks(const BankLayout &layout, std::shared_ptr<DigestTable> table)
    : table_(table ? std::move(table) : std::make_shared<DigestTable>()) {
  if (layout.tpm_banks.size() > kMaxBanks)
    throw std::invalid_argument("a TPM with more than " + std::to_string(kMaxBanks) +
                                " PCR banks is not modelled");
  for (const TpmBank &bank : layout.tpm_banks) {
    algos_[num_banks_++] = bank.algo;
    // A TPM 2.0 after startup: PCRs 0-16 and 23 are zero; 17-22 (the DRTM locality PCRs)
    // are all ones until a dynamic launch resets them (TCG PC Client PTP, PCR attributes).
    const std::size_t size = digest_size(bank.algo);
    const DigestId zeros = table_->intern(Digest(size, 0));
    const DigestId ones = table_->intern(Digest(size, 0xff));
    for (std::size_t pcr = 0; pcr < kNumPcrs; ++pcr)
      values_.push_back(pcr >= 17 && pcr <= 22 ? ones : zeros);
  }
}

std::size_t PcrBanks::checked(std::size_t bank) const {
  if (bank >= num_banks_)
    throw std::out_of_range("PCR bank " + std::to_string(bank) + " does not exist");
  return bank;
}

void PcrBanks::throw_no_such(std::size_t bank, std::size_t pcr) const {
  checked(bank);
  throw std::out_of_range("PCR " + std::to_string(pcr) + " does not exist");
}

void PcrBanks::set_firmware(std::size_t bank, std::size_t pcr,
                            std::span<const std::uint8_t> value) {
  if (pcr >= 10 || value.size() != digest_size(bank_algo(bank)))
    throw std::invalid_argument("firmware values are PCRs 0-9 of the bank's digest size");
  values_[offset(bank, pcr)] = table_->intern(value);
}

void PcrBanks::extend(std::size_t bank, std::size_t pcr, std::span<const std::uint8_t> value,
                      const DigestMemo *memo) {
  const HashAlgo algo = bank_algo(bank);
  if (value.size() != digest_size(algo))
    throw std::invalid_argument("extend value does not match the bank's digest size");
  DigestId &target = values_[offset(bank, pcr)];
  target = table_->extend(algo, target, value,
                          memo != nullptr && memo->scope() == MemoScope::records_and_extends);
}

PcrBanks PcrBanks::in(std::shared_ptr<DigestTable> table) const {
  PcrBanks copy = *this;
  copy.table_ = std::move(table);
  for (std::size_t i = 0; i < values_.size(); ++i)
    copy.values_[i] = copy.table_->intern((*table_)[values_[i]]);
  return copy;
}

bool PcrBanks::operator==(const PcrBanks &other) const {
  if (num_banks_ != other.num_banks_ || algos_ != other.algos_)
    return false;
  for (std::size_t i = 0; i < values_.size(); ++i) {
    if (table_ == other.table_ && values_[i] == other.values_[i])
      continue;
    const auto a = (*table_)[values_[i]], b = (*other.table_)[other.values_[i]];
    if (!std::equal(a.begin(), a.end(), b.begin(), b.end()))
      return false;
  }
  return true;
}

} // namespace trimcheck::model
