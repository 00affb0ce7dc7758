// DigestMemo: looked-up record digests, PCR extends and measured records are the computed
// ones, for every layout, template and bank, and the memo is no part of a state.
#include "trimcheck/model/machine.hpp"
#include "trimcheck/model/record.hpp"

#include <gtest/gtest.h>

namespace trimcheck::model {
namespace {

TEST(DigestMemo, LooksUpWhatItWouldCompute) {
  BankLayout no_sha384_hash;
  no_sha384_hash.tpm_banks = {{HashAlgo::sha1}, {HashAlgo::sha256}, {HashAlgo::sha384, false}};
  const std::vector<BankLayout> layouts = {BankLayout{}, BankLayout::swtpm_default(),
                                           no_sha384_hash};
  const Digest file(32, 0xAB);
  const std::vector<TemplateData> templates = {
      make_ima_ng(HashAlgo::sha256, file, "/f0"), make_ima_ng(HashAlgo::sha256, file, "/f1"),
      make_ima_buf(HashAlgo::sha256, "trim", Bytes{'1', '2'}), make_ima(Digest(20, 1), "/f0")};
  DigestMemo memo;
  for (int pass = 0; pass < 2; ++pass) // computed on the first pass, looked up on the second
    for (const BankLayout &layout : layouts)
      for (const TemplateData &data : templates)
        EXPECT_EQ(make_record(layout, 10, data, false, &memo), make_record(layout, 10, data));
  // Same template data, other layout: a different key, not the first layout's digests.
  EXPECT_NE(memo.digests(layouts[0], templates[0]), memo.digests(layouts[1], templates[0]));
  // A violation's digests are zero whatever the memo holds.
  EXPECT_EQ(make_record(layouts[0], 10, templates[0], true, &memo),
            make_record(layouts[0], 10, templates[0], true));
}

class DigestMemoScope : public testing::TestWithParam<MemoScope> {};

TEST_P(DigestMemoScope, ExtendsAsTheBankWould) {
  DigestMemo memo(GetParam());
  for (int pass = 0; pass < 2; ++pass) { // computed on the first pass, looked up on the second
    PcrBanks with_memo(BankLayout::swtpm_default()), without(BankLayout::swtpm_default());
    for (std::size_t bank = 0; bank < with_memo.num_banks(); ++bank)
      for (std::uint8_t fill : {0x01, 0x02, 0x01}) {
        const Digest value(digest_size(with_memo.bank_algo(bank)), fill);
        with_memo.extend(bank, 10, value, &memo);
        without.extend(bank, 10, value);
        EXPECT_EQ(with_memo.value_copy(bank, 10), without.value_copy(bank, 10));
      }
    EXPECT_EQ(with_memo, without);
  }
}

// check's runs keep record digests only (scenario.cpp's BootCache), explore both.
INSTANTIATE_TEST_SUITE_P(Scopes, DigestMemoScope,
                         testing::Values(MemoScope::records_and_extends, MemoScope::records_only));

TEST(DigestMemo, IsNoPartOfTheState) {
  const KernelConfig config;
  KernelState first = boot(ProposalId::baseline_6_12, config);
  KernelState second = boot(ProposalId::baseline_6_12, config);
  EXPECT_NE(first.digest_memo.get(), second.digest_memo.get());
  EXPECT_EQ(first, second);
  const KernelState copy = first;
  EXPECT_EQ(copy.digest_memo.get(), first.digest_memo.get()); // copies share it
  apply(first, Measure{0, 0});
  apply(second, Measure{0, 0});
  EXPECT_EQ(first, second);
}

// Records come from the run's record table once made (measured, critical-data, restored and
// boot_aggregate records, kept under keys of their inputs): a run must reach the state it
// reaches with tables of its own, whatever configuration asks (the keys name every
// input). One table and one memo serve every configuration here, which no run does (they
// belong to one boot's states), so that a key missing an input shows. Baseline 6.15
// measures its kexec events (critical data).
TEST(DigestMemo, RecordsFromASharedTableAreTheRecordsTheRunMakes) {
  KernelConfig legacy, sha1_files, other_pcr, two_banks, firmware;
  legacy.template_kind = TemplateKind::ima;
  sha1_files.banks.ima_hash = HashAlgo::sha1;
  other_pcr.measure_pcr = 11;
  two_banks.banks = BankLayout{};
  firmware.firmware_pcrs = {{HashAlgo::sha256, 0, Digest(32, 0x5A)}}; // another boot_aggregate
  // Two kexec loads with different list sizes: one event, two buffers.
  const std::vector<Action> run = {Measure{0, 0},       Measure{0, 1},       Measure{1, 0, 300},
                                   MeasureViolation{0}, MeasureViolation{1}, KexecLoad{},
                                   Measure{2, 0},       KexecLoad{},         KexecExecute{},
                                   Continue{0},         Continue{0},         Measure{0, 0}};
  const SharedDigestMemo shared = SharedDigestMemo::fresh();
  const auto shared_table = std::make_shared<RecordTable>();
  for (int pass = 0; pass < 2; ++pass) // made on the first pass, looked up on the second
    for (const KernelConfig &config :
         {KernelConfig{}, legacy, sha1_files, other_pcr, two_banks, firmware}) {
      KernelState with_shared = boot(ProposalId::baseline_6_15, config);
      with_shared.digest_memo = shared;
      with_shared.contents = with_shared.contents.in(shared_table);
      KernelState without_memo = boot(ProposalId::baseline_6_15, config);
      without_memo.digest_memo = SharedDigestMemo{}; // every digest and extend computed
      for (const Action &action : run) {
        apply(with_shared, action);
        apply(without_memo, action);
        ASSERT_EQ(with_shared, without_memo)
            << config.describe() << ", pass " << pass << ", after " << describe(action);
      }
    }
  KernelState first = boot(ProposalId::baseline_6_12, KernelConfig{});
  KernelState second = boot(ProposalId::baseline_6_12, KernelConfig{});
  second.contents = second.contents.in(shared_table);
  first.contents = first.contents.in(shared_table);
  apply(first, Measure{2, 0});
  apply(second, Measure{2, 0});
  EXPECT_EQ(&first.contents.back(), &second.contents.back()); // one record, shared
}

} // namespace
} // namespace trimcheck::model
