// model::PcrBanks starts as a TPM 2.0 does after startup (the swtpm differential test
// compares all 24 PCRs of every bank with a real swtpm).
#include "trimcheck/model/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace {

using namespace trimcheck::model;

TEST(PcrBanks, StartZeroExceptTheDrtmPcrsWhichAreAllOnes) {
  const KernelConfig config;
  const PcrBanks banks(config.banks);
  ASSERT_EQ(banks.num_banks(), config.banks.tpm_banks.size());
  for (std::size_t bank = 0; bank < banks.num_banks(); ++bank)
    for (std::size_t pcr = 0; pcr < kNumPcrs; ++pcr) {
      const auto value = banks.value(bank, pcr);
      ASSERT_EQ(value.size(), digest_size(banks.bank_algo(bank)));
      const std::uint8_t expected = pcr >= 17 && pcr <= 22 ? 0xff : 0;
      for (std::uint8_t byte : value)
        EXPECT_EQ(byte, expected) << "bank " << bank << " PCR " << pcr;
    }
}

} // namespace

TEST(DigestSlots, TpmBanksThenTheMissingSha1AndImaHashSlots) {
  const BankLayout layout{{{HashAlgo::sha384, false}, {HashAlgo::sha256}}, HashAlgo::sm3};
  const DigestSlots slots = layout.slots();
  ASSERT_EQ(slots.size(), 4u);
  EXPECT_EQ(slots[0], (DigestSlot{HashAlgo::sha384, false, true}));
  EXPECT_EQ(slots[1], (DigestSlot{HashAlgo::sha256, true, true}));
  EXPECT_EQ(slots[2], (DigestSlot{HashAlgo::sha1, true, false}));
  EXPECT_EQ(slots.at(3), (DigestSlot{HashAlgo::sm3, true, false}));
  EXPECT_THROW((void)slots.at(4), std::out_of_range);
  EXPECT_EQ(layout.sha1_slot(), 2u);
  EXPECT_EQ(layout.ima_hash_slot(), 3u);
}

// sha1_slot and ima_hash_slot are worked out without building the slots: they must name the
// first slot of their algorithm in slots(), for every layout of up to three distinct banks
// (in every order) and every ima_hash.
TEST(DigestSlots, TheSha1AndImaHashSlotsAreTheFirstOfTheirAlgorithm) {
  auto first_of = [](const DigestSlots &slots, HashAlgo algo) {
    for (std::size_t i = 0; i < slots.size(); ++i)
      if (slots[i].algo == algo)
        return i;
    return slots.size();
  };
  std::size_t layouts = 0;
  for (std::size_t count = 0; count <= 3; ++count) {
    std::vector<std::size_t> pick(count, 0);
    for (;;) {
      std::vector<TpmBank> banks;
      for (std::size_t p : pick)
        banks.push_back({kAllHashAlgos[p]});
      const bool distinct = std::all_of(banks.begin(), banks.end(), [&](const TpmBank &b) {
        return std::count_if(banks.begin(), banks.end(),
                             [&](const TpmBank &o) { return o.algo == b.algo; }) == 1;
      });
      for (HashAlgo ima_hash : kAllHashAlgos) {
        if (!distinct)
          break;
        const BankLayout layout{banks, ima_hash};
        const DigestSlots slots = layout.slots();
        EXPECT_EQ(layout.sha1_slot(), first_of(slots, HashAlgo::sha1));
        EXPECT_EQ(layout.ima_hash_slot(), first_of(slots, ima_hash));
        ++layouts;
      }
      std::size_t at = 0; // the next pick, as a number in base |kAllHashAlgos|
      while (at < count && ++pick[at] == std::size(kAllHashAlgos))
        pick[at++] = 0;
      if (at == count)
        break;
    }
  }
  EXPECT_EQ(layouts, 5u * (1 + 5 + 20 + 60)); // every ima_hash, every ordered distinct choice
}

TEST(DigestSlots, MoreSlotsThanAnyTpmHasAreRefusedNotOverrun) {
  BankLayout layout;
  layout.tpm_banks.assign(DigestSlots::kMax + 1, TpmBank{HashAlgo::sha256});
  EXPECT_THROW((void)layout.slots(), std::invalid_argument);
}

TEST(DigestSlots, EveryDigestFitsTheLargestSize) {
  for (HashAlgo algo : kAllHashAlgos)
    EXPECT_LE(digest_size(algo), kMaxDigestSize) << hash_name(algo);
}
