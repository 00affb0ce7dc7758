// Process symmetry (canonical.hpp): in arbitrary user space, states that differ only in
// which process is which are one state. The reduction keeps every verdict and every
// shortest trace's length, and it does merge states.
#include "trimcheck/props/explore.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props {
namespace {

using namespace model;

ExploreOptions two_processes(ProposalId proposal, int depth) {
  ExploreOptions options;
  options.proposal = proposal;
  options.regime = Regime::arbitrary;
  options.config = ConfigChoice{};
  options.bounds = {.max_records = 1, .max_agents = 1, .max_depth = depth, .max_kexecs = 0};
  options.bounds.max_open_files = 1;
  options.all_levels = true;
  return options;
}

TEST(ExploreSymmetry, SymmetricProcessesKeepEveryVerdictAndTraceLength) {
  for (const ProposalId proposal :
       {ProposalId::sassu_v7, ProposalId::chen_v5, ProposalId::ms_rfc1, ProposalId::sassu_rfc2}) {
    ExploreOptions options = two_processes(proposal, 5);
    const ExploreResult reduced = explore(options);
    options.process_symmetry = false;
    const ExploreResult whole = explore(options);
    const auto key = proposal_info(proposal).key;
    EXPECT_LT(reduced.states, whole.states) << key;
    EXPECT_EQ(reduced.max_depth, whole.max_depth) << key;
    ASSERT_EQ(reduced.results.size(), whole.results.size()) << key;
    for (std::size_t i = 0; i < whole.results.size(); ++i) {
      const auto &a = reduced.results[i].trace, &b = whole.results[i].trace;
      ASSERT_EQ(a.has_value(), b.has_value()) << key << " " << whole.results[i].property;
      if (b) {
        EXPECT_EQ(a->steps.size(), b->steps.size()) << key << " " << whole.results[i].property;
      }
    }
  }
}

} // namespace
} // namespace trimcheck::props
