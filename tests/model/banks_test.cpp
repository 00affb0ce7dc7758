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
