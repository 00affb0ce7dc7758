// The sequences conform runs, judged on the model alone.
#include "trimcheck/conform/conform.hpp"

#include "trimcheck/props/scenario.hpp"

#include <gtest/gtest.h>

namespace trimcheck::conform {
namespace {

using namespace model;

KernelState run_on_model(const std::vector<Action> &actions) {
  KernelState state = boot(ProposalId::baseline_6_12, KernelConfig{});
  for (const Action &action : actions) {
    Outcome outcome = apply(state, action);
    while (!outcome.done)
      outcome = apply(state, Continue{0});
  }
  return state;
}

TEST(Sequences, KexecOverflowCaseOverflowsTheSegment) {
  const KernelState state = run_on_model(kexec_overflow_sequence());
  EXPECT_EQ(state.ghost.boot, 1u);
  EXPECT_TRUE(state.ghost.last_dump_failed);
}

TEST(Sequences, RandomSequencesAreDeterministicAndLoadAndExecuteKexec) {
  for (std::uint64_t seed = 1; seed < 20; ++seed) {
    const auto actions = random_sequence(
        ProposalId::baseline_6_12, props::make_config(ProposalId::baseline_6_12, {}), seed, 30);
    EXPECT_EQ(actions,
              random_sequence(ProposalId::baseline_6_12,
                              props::make_config(ProposalId::baseline_6_12, {}), seed, 30));
    auto has = [&](auto kind) {
      return std::any_of(actions.begin(), actions.end(), [&](const Action &action) {
        return std::holds_alternative<decltype(kind)>(action);
      });
    };
    EXPECT_TRUE(has(KexecLoad{})) << "seed " << seed;
    EXPECT_TRUE(has(KexecExecute{})) << "seed " << seed;
  }
  EXPECT_NE(random_sequence(ProposalId::baseline_6_12,
                            props::make_config(ProposalId::baseline_6_12, {}), 1, 30),
            random_sequence(ProposalId::baseline_6_12,
                            props::make_config(ProposalId::baseline_6_12, {}), 2, 30));
}

} // namespace
} // namespace trimcheck::conform

namespace trimcheck::conform {
namespace {

// Conform's sequences must reach each version's removal interface on the kernel they run
// on: on the model of a 6.12 kernel whose firmware measured into PCRs 0-9 (as the VM's
// does), most runs of 30 choices take at least one removal request and remove records.
// (MS's requests are PCR values: made for a TPM without firmware measurements, they match
// nothing on such a kernel.)
TEST(Sequences, RandomSequencesReachEveryVersionsRemovalsOnTheKernelsConfiguration) {
  for (ProposalId proposal :
       {ProposalId::chen_v2, ProposalId::chen_v5, ProposalId::ms_rfc1, ProposalId::sassu_v7}) {
    KernelConfig config = props::make_config(proposal, {});
    config.base = BaseTree::linux_6_12;
    for (const TpmBank &bank : config.banks.tpm_banks)
      for (std::uint32_t pcr = 0; pcr < 8; ++pcr)
        config.firmware_pcrs.push_back(
            {bank.algo, pcr, Digest(digest_size(bank.algo), static_cast<std::uint8_t>(pcr + 1))});
    int removing = 0;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
      KernelState state = boot(proposal, config);
      std::size_t removed = 0;
      for (const Action &action : random_sequence(proposal, config, seed * 1000 + 1, 30)) {
        const std::size_t before = state.ghost.del.size();
        const std::uint32_t boot = state.ghost.boot;
        apply(state, action); // the sequence holds the continuations of blocked calls
        if (state.ghost.boot == boot && state.ghost.del.size() > before)
          removed += state.ghost.del.size() - before;
      }
      removing += removed > 0 ? 1 : 0;
    }
    EXPECT_GE(removing, 8) << proposal_info(proposal).key << ": " << removing << " of 20";
  }
}

} // namespace
} // namespace trimcheck::conform
