// PCR banks of the TPM and the digest slots of an IMA record.
//
// The kernel keeps one template digest per allocated TPM bank plus up to two extra slots
// (SHA-1, and the ima_hash algorithm, when the TPM lacks them), in that order
// (6.12:ima_crypto.c, ima_init_crypto). A TPM bank whose algorithm has no hash
// implementation in the kernel (e.g. sha384 with CRYPTO_SHA512=m) receives the SHA-1
// template digest zero-padded to the bank size ("padded SHA1", spec section 4.3).
#pragma once

#include "trimcheck/model/digest_table.hpp"
#include "trimcheck/model/hash.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <boost/container/small_vector.hpp>

namespace trimcheck::model {

class DigestMemo; // digest_memo.hpp

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

// The most PCR banks a modelled TPM has.
inline constexpr std::size_t kMaxTpmBanks = 8;

// A layout's digest slots, held inline: slots() is asked for whenever a record is made or
// extended, and a vector per call was the most frequent allocation of explore.
class DigestSlots {
public:
  static constexpr std::size_t kMax = kMaxTpmBanks + 2; // then sha1 and ima_hash

  // Throws std::invalid_argument beyond kMax slots.
  void push_back(const DigestSlot &slot) {
    if (size_ == kMax)
      throw_full();
    slots_[size_++] = slot;
  }
  std::size_t size() const { return size_; }
  const DigestSlot &operator[](std::size_t i) const { return slots_[i]; }
  const DigestSlot &at(std::size_t i) const;
  const DigestSlot *begin() const { return slots_.data(); }
  const DigestSlot *end() const { return slots_.data() + size_; }

private:
  [[noreturn]] static void throw_full();
  std::array<DigestSlot, kMax> slots_{};
  std::size_t size_ = 0;
};

// Which banks exist and which algorithm IMA uses for its own hashing (ima_hash=).
struct BankLayout {
  std::vector<TpmBank> tpm_banks{{HashAlgo::sha1}, {HashAlgo::sha256}};
  HashAlgo ima_hash = HashAlgo::sha256;

  // TPM banks in order, then an extra SHA-1 slot, then an extra ima_hash slot.
  DigestSlots slots() const;
  std::size_t sha1_slot() const { return slot_of(HashAlgo::sha1); }
  std::size_t ima_hash_slot() const { return slot_of(ima_hash); }
  bool operator==(const BankLayout &) const = default;

  // The four banks of swtpm's default allocation, all hashed by the kernel (6.12 captures).
  static BankLayout swtpm_default();

private:
  std::size_t slot_of(HashAlgo algo) const; // SHA-1 or ima_hash
};

inline constexpr std::size_t kNumPcrs = 24;

// PCR values of every TPM bank. Never reset by kexec (spec section 4.6).
//
// Held as ids into a DigestTable (digest_table.hpp), which copies share: the banks' 24
// values one bank after another, inline, so that a copy allocates nothing and an extend
// changes one id.
class PcrBanks {
public:
  static constexpr std::size_t kMaxBanks = kMaxTpmBanks;

  PcrBanks() = default; // no bank
  // A TPM after startup, its values kept in `table` (one of its own if null). Throws
  // std::invalid_argument for more than kMaxBanks banks.
  explicit PcrBanks(const BankLayout &layout, std::shared_ptr<DigestTable> table = nullptr);

  // value must have the bank's digest size. `memo` (may be null) says whether the run
  // memoises extends (MemoScope, digest_memo.hpp).
  void extend(std::size_t bank, std::size_t pcr, std::span<const std::uint8_t> value,
              const DigestMemo *memo = nullptr);
  // Firmware measurements found in PCRs 0-9 at boot (boot_aggregate input).
  void set_firmware(std::size_t bank, std::size_t pcr, std::span<const std::uint8_t> value);
  // The bank's digest size in bytes; valid while any copy of these banks lives.
  std::span<const std::uint8_t> value(std::size_t bank, std::size_t pcr) const {
    return (*table_)[values_[offset(bank, pcr)]];
  }
  Digest value_copy(std::size_t bank, std::size_t pcr) const {
    const auto bytes = value(bank, pcr);
    return {bytes.begin(), bytes.end()};
  }
  HashAlgo bank_algo(std::size_t bank) const { return algos_.at(checked(bank)); }
  std::size_t num_banks() const { return num_banks_; }
  // The same values, kept in `table` (a run of its own from a booted state).
  PcrBanks in(std::shared_ptr<DigestTable> table) const;
  // Equal banks and values, by their bytes (one value may have two ids).
  bool operator==(const PcrBanks &other) const;

private:
  std::size_t checked(std::size_t bank) const;
  std::size_t offset(std::size_t bank, std::size_t pcr) const {
    if (bank >= num_banks_ || pcr >= kNumPcrs)
      throw_no_such(bank, pcr);
    return bank * kNumPcrs + pcr;
  }
  [[noreturn]] void throw_no_such(std::size_t bank, std::size_t pcr) const;

  std::array<HashAlgo, kMaxBanks> algos_{};
  std::uint8_t num_banks_ = 0;
  // [bank * kNumPcrs + pcr]; two banks (the default layout) inline. (Four inline, room
  // for swtpm's default allocation, cost 0.5 % more instructions in explore.)
  boost::container::small_vector<DigestId, 2 * kNumPcrs> values_;
  std::shared_ptr<DigestTable> table_;
};

} // namespace trimcheck::model
