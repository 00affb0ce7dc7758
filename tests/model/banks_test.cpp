// model::PcrBanks starts as a TPM 2.0 does after startup (the swtpm differential test
// compares all 24 PCRs of every bank with a real swtpm).
#include "trimcheck/model/config.hpp"

#include <gtest/gtest.h>

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

TEST(DigestSlots, MoreSlotsThanAnyTpmHasAreRefusedNotOverrun) {
  BankLayout layout;
  layout.tpm_banks.assign(DigestSlots::kMax + 1, TpmBank{HashAlgo::sha256});
  EXPECT_THROW((void)layout.slots(), std::invalid_argument);
}

TEST(DigestSlots, EveryDigestFitsTheLargestSize) {
  for (HashAlgo algo : kAllHashAlgos)
    EXPECT_LE(digest_size(algo), kMaxDigestSize) << hash_name(algo);
}
