// PCR banks of the TPM and the digest slots of an IMA record.
//
// The kernel keeps one template digest per allocated TPM bank plus up to two extra slots
// (SHA-1, and the ima_hash algorithm, when the TPM lacks them), in that order
// (6.12:ima_crypto.c, ima_init_crypto). A TPM bank whose algorithm has no hash
// implementation in the kernel (e.g. sha384 with CRYPTO_SHA512=m) receives the SHA-1
// template digest zero-padded to the bank size ("padded SHA1", spec section 4.3).
#pragma once

#include "trimcheck/model/hash.hpp"
#include "trimcheck/model/shared_vector.hpp"

#include <array>
#include <cstddef>
#include <vector>

namespace trimcheck::model {

// One PCR bank allocated in the TPM.
struct TpmBank {
  HashAlgo algo;
  // The kernel has a hash implementation for algo; if false IMA uses padded SHA-1.
  bool kernel_hash = true;
  bool operator==(const TpmBank &) const = default;
};

// One entry of the record's digest array (entry->digests[]).
struct DigestSlot {
  HashAlgo algo;
  bool kernel_hash;
  bool tpm_bank; // false for the extra sha1 / ima_hash slots
  bool operator==(const DigestSlot &) const = default;
};

// Which banks exist and which algorithm IMA uses for its own hashing (ima_hash=).
struct BankLayout {
  std::vector<TpmBank> tpm_banks{{HashAlgo::sha1}, {HashAlgo::sha256}};
  HashAlgo ima_hash = HashAlgo::sha256;

  // TPM banks in order, then an extra SHA-1 slot, then an extra ima_hash slot.
  std::vector<DigestSlot> slots() const;
  std::size_t sha1_slot() const;
  std::size_t ima_hash_slot() const;
  bool operator==(const BankLayout &) const = default;

  // The four banks of swtpm's default allocation, all hashed by the kernel (6.12 captures).
  static BankLayout swtpm_default();
};

inline constexpr std::size_t kNumPcrs = 24;

// PCR values of every TPM bank. Never reset by kexec (spec section 4.6).
class PcrBanks {
public:
  explicit PcrBanks(const BankLayout &layout);

  // value must have the bank's digest size.
  void extend(std::size_t bank, std::size_t pcr, const Digest &value);
  // Firmware measurements found in PCRs 0-9 at boot (boot_aggregate input).
  void set_firmware(std::size_t bank, std::size_t pcr, const Digest &value);
  const Digest &value(std::size_t bank, std::size_t pcr) const { return values_.at(bank).at(pcr); }
  HashAlgo bank_algo(std::size_t bank) const { return algos_.at(bank); }
  std::size_t num_banks() const { return algos_.size(); }
  bool operator==(const PcrBanks &) const = default;

private:
  std::vector<HashAlgo> algos_;
  SharedVector<std::array<Digest, kNumPcrs>> values_; // copies share it until an extend
};

} // namespace trimcheck::model
