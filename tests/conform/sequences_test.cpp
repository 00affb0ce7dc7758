// The sequences conform runs, judged on the model alone.
#include "trimcheck/conform/conform.hpp"

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
    const auto actions = random_sequence(ProposalId::baseline_6_12, seed, 30);
    EXPECT_EQ(actions, random_sequence(ProposalId::baseline_6_12, seed, 30));
    auto has = [&](auto kind) {
      return std::any_of(actions.begin(), actions.end(), [&](const Action &action) {
        return std::holds_alternative<decltype(kind)>(action);
      });
    };
    EXPECT_TRUE(has(KexecLoad{})) << "seed " << seed;
    EXPECT_TRUE(has(KexecExecute{})) << "seed " << seed;
  }
  EXPECT_NE(random_sequence(ProposalId::baseline_6_12, 1, 30),
            random_sequence(ProposalId::baseline_6_12, 2, 30));
}

} // namespace
} // namespace trimcheck::conform
