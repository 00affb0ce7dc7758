// Process symmetry (canonical.hpp): in arbitrary user space, states that differ only in
// which process is which are one state. The reduction keeps every verdict and every
// shortest trace's length, and it does merge states.
#include "trimcheck/model/state_encoder.hpp"
#include "trimcheck/props/explore.hpp"

#include "../../../props/src/flat_containers.hpp"
#include "test_property.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace trimcheck::props {
namespace {

using namespace model;

// Test-only property: "no process has a read refused twice while another process lives".
// A refused read (EBADF on a write-only fd) leaves the kernel as it was; only the
// monitor's count per process tells the states apart, so a symmetry that merged states by
// their kernel part alone would cut the run short and never see the violation.
class RefusedTwiceBesideAnother : public CopyableMonitor<RefusedTwiceBesideAnother> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &outcome, const StepFacts &facts) override {
    const Action *a = std::get_if<Action>(&action);
    if (a == nullptr || !std::holds_alternative<Read>(*a) || outcome.ret >= 0)
      return std::nullopt;
    const std::size_t live = static_cast<std::size_t>(std::count_if(
        state.procs.begin(), state.procs.end(), [](const Process &proc) { return proc.alive; }));
    if (++refused_[facts.actor] >= 2 && live >= 2)
      return "p" + std::to_string(facts.actor) + " had two reads refused";
    return std::nullopt;
  }
  void encode(StateEncoder &out) const override {
    out.by_pid(refused_, [](StateEncoder &entry, int refused) {
      entry.number(static_cast<std::uint64_t>(refused));
    });
  }

private:
  detail::FlatMap<Pid, int> refused_;
};

const Property kRefusedTwice = test::test_property<RefusedTwiceBesideAnother>("T1");

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

// The monitors are part of the state that symmetry compares: a run whose only difference
// is a monitor's count of a process's refused reads is not merged with its twin.
TEST(ExploreSymmetry, MonitorsArePartOfTheSymmetricState) {
  for (const bool symmetry : {true, false}) {
    ExploreOptions options = two_processes(ProposalId::sassu_v7, 4);
    options.properties = {&kRefusedTwice};
    options.bounds.max_records = 0;
    options.bounds.openable = {"binary_runtime_measurements_sha1"};
    options.process_symmetry = symmetry;
    const ExploreResult result = explore(options);
    ASSERT_TRUE(result.results.at(0).trace) << "symmetry " << symmetry;
    EXPECT_EQ(result.results.at(0).trace->steps.size(), 4u); // spawn, open, read, read
  }
}

} // namespace
} // namespace trimcheck::props
