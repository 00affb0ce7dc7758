// KernelConfig::firmware_pcrs: the TPM's PCRs 0-9 at boot, which the boot_aggregate hashes
// and every later PCR value builds on (confirm hands a VM's to check).
#include "trimcheck/model/machine.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace trimcheck::model {
namespace {

std::size_t bank_index(const KernelConfig &config, HashAlgo algo) {
  for (std::size_t bank = 0; bank < config.banks.tpm_banks.size(); ++bank)
    if (config.banks.tpm_banks[bank].algo == algo)
      return bank;
  throw std::logic_error("no such bank");
}

TEST(FirmwarePcrs, BootStartsTheTpmFromThemAndTheBootAggregateHashesThem) {
  KernelConfig config;
  const KernelState zero = boot(ProposalId::baseline_6_12, config);
  config.firmware_pcrs = {{HashAlgo::sha256, 4, Digest(32, 0x44)}};
  const KernelState measured = boot(ProposalId::baseline_6_12, config);
  const std::size_t sha256 = bank_index(config, HashAlgo::sha256);
  EXPECT_EQ(measured.pcrs.value_copy(sha256, 4), Digest(32, 0x44));
  EXPECT_EQ(zero.pcrs.value_copy(sha256, 4), Digest(32, 0));
  EXPECT_NE(measured.pcrs.value_copy(sha256, 10), zero.pcrs.value_copy(sha256, 10))
      << "the boot_aggregate record, extended into PCR 10, hashes PCRs 0-9";
}

TEST(FirmwarePcrs, TheCanonicalFormListsTheNonZeroOnesInBankThenPcrOrder) {
  KernelConfig config;
  config.firmware_pcrs = {{HashAlgo::sha256, 7, Digest(32, 7)},
                          {HashAlgo::sha1, 0, Digest(20, 0)},
                          {HashAlgo::sha1, 9, Digest(20, 9)}};
  const std::vector<FirmwarePcr> canonical = firmware_of(firmware_banks(config));
  ASSERT_EQ(canonical.size(), 2u);
  EXPECT_EQ(canonical[0], (FirmwarePcr{HashAlgo::sha1, 9, Digest(20, 9)}));
  EXPECT_EQ(canonical[1], (FirmwarePcr{HashAlgo::sha256, 7, Digest(32, 7)}));
}

TEST(FirmwarePcrs, ABankTheLayoutLacksOrAPcrAboveNineIsRefused) {
  KernelConfig config;
  config.banks.tpm_banks = {{HashAlgo::sha256}};
  config.firmware_pcrs = {{HashAlgo::sha1, 0, Digest(20, 1)}};
  EXPECT_THROW(boot(ProposalId::sassu_v7, config), std::invalid_argument);
  config.firmware_pcrs = {{HashAlgo::sha256, 10, Digest(32, 1)}};
  EXPECT_THROW(boot(ProposalId::sassu_v7, config), std::invalid_argument);
  config.firmware_pcrs = {{HashAlgo::sha256, 0, Digest(20, 1)}};
  EXPECT_THROW(boot(ProposalId::sassu_v7, config), std::invalid_argument);
}

} // namespace
} // namespace trimcheck::model
