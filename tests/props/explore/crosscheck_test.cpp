// Cross-check with `check`: within the bounds of a counterexample that check's random
// search finds, explore finds the violation too, with a trace no longer than the shrunk
// one. (The benchmark reports the shrunk/shortest ratios over all pairs.)
#include "trimcheck/props/check.hpp"
#include "trimcheck/props/explore.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props {
namespace {

using model::ProposalId;

// Longest check trace cross-checked here; longer ones take explore minutes, not seconds.
constexpr std::size_t kMaxSteps = 8;

void cross_check(ProposalId proposal, Regime regime, int &compared,
                 std::size_t max_steps = kMaxSteps) {
  const CheckBudget budget{1, 150, 20};
  for (const Property &property : all_properties()) {
    if (!property.applies(proposal, model::KernelConfig{}))
      continue;
    auto found = search(proposal, property, regime, budget, false);
    if (!found || found->steps.size() > max_steps)
      continue;
    const ExploreOptions options = options_covering(*found);
    ASSERT_TRUE(options.config) << "check used a configuration explore does not know";
    const ExploreResult explored = explore(options);
    ASSERT_EQ(explored.results.size(), 1u);
    const auto &trace = explored.results[0].trace;
    ASSERT_TRUE(trace) << model::proposal_info(proposal).key << " " << property.id
                       << ": check found a violation in " << found->steps.size()
                       << " steps that explore missed within the same bounds";
    EXPECT_LE(trace->steps.size(), found->steps.size()) << property.id;
    ++compared;
  }
}

TEST(ExploreCrossCheck, FindsEveryShortViolationOfCheckOnMs) {
  int compared = 0;
  cross_check(ProposalId::ms_rfc1, Regime::protocol, compared);
  EXPECT_GE(compared, 3);
}

TEST(ExploreCrossCheck, FindsEveryShortViolationOfCheckOnChenV1) {
  int compared = 0;
  cross_check(ProposalId::chen_v1, Regime::protocol, compared);
  EXPECT_GE(compared, 1);
}

TEST(ExploreCrossCheck, FindsEveryShortViolationOfCheckOnSassu) {
  int compared = 0;
  cross_check(ProposalId::sassu_rfc1, Regime::protocol, compared);
  cross_check(ProposalId::sassu_v7, Regime::protocol, compared);
  EXPECT_GE(compared, 1);
}

TEST(ExploreCrossCheck, FindsEveryShortViolationOfCheckInTheArbitraryRegime) {
  int compared = 0;
  cross_check(ProposalId::chen_v1, Regime::arbitrary, compared);
  EXPECT_GE(compared, 1);
}

// A lone process blocked in a write must be able to continue in explore (sassu-v7 P19 is
// three steps: open, write, continue). Arbitrary user space branches widely, so only
// traces of at most four steps (chen-v5 P8, sassu-v7 P14 and P19).
TEST(ExploreCrossCheck, FindsShortArbitraryViolationsOfALoneBlockedProcess) {
  int compared = 0;
  cross_check(ProposalId::chen_v5, Regime::arbitrary, compared, 4);
  cross_check(ProposalId::sassu_v7, Regime::arbitrary, compared, 4);
  EXPECT_GE(compared, 3);
}

// Explore tries every write also from a buffer that faults part way, as check's arbitrary
// regime does: chen-v1 parses the zeros of a failed copy (P21, issue 17 fault 5).
TEST(ExploreCrossCheck, ArbitraryWritesIncludeBuffersThatFault) {
  ExploreOptions options;
  options.proposal = ProposalId::chen_v1;
  options.properties = {find_property("P21")};
  options.regime = Regime::arbitrary;
  options.bounds.max_depth = 3;
  options.config = ConfigChoice{};
  const ExploreResult explored = explore(options);
  ASSERT_EQ(explored.results.size(), 1u);
  const auto &trace = explored.results[0].trace;
  ASSERT_TRUE(trace) << "no faulting write explored";
  bool faulting = false;
  for (const TraceStep &step : trace->steps)
    if (const auto *action = std::get_if<model::Action>(&step.action))
      if (const auto *write = std::get_if<model::Write>(action))
        faulting |= write->fault_after.has_value();
  EXPECT_TRUE(faulting) << render_text(*trace);
}

} // namespace
} // namespace trimcheck::props
