// explore: planted violations are found with the shortest trace, traces replay, results do
// not depend on the thread count, and the canonical encoding merges what it should.
#include "trimcheck/props/check.hpp"
#include "trimcheck/props/explore.hpp"

#include "../../../props/src/explore/canonical.hpp"
#include "../../../props/src/step.hpp"
#include "test_property.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props {
namespace {

using namespace model;

// Test-only property: "L never holds three records" (boot_aggregate + two measurements).
class ListStaysShort : public CopyableMonitor<ListStaysShort> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &) override {
    if (state.list.size() >= 3)
      return "L holds " + std::to_string(state.list.size()) + " records";
    return std::nullopt;
  }
};

// Test-only stateful property: "no kexec load after a violation was measured". Its verdict
// depends on the monitor's memory of the run, not on the kernel state alone.
class NoLoadAfterViolation : public CopyableMonitor<NoLoadAfterViolation> {
public:
  std::optional<std::string> observe(const KernelState &, const TraceAction &action,
                                     const Outcome &, const StepFacts &) override {
    const Action *a = std::get_if<Action>(&action);
    if (a && std::holds_alternative<MeasureViolation>(*a))
      seen_violation_ = true;
    if (a && std::holds_alternative<KexecLoad>(*a) && seen_violation_)
      return "kexec load after a violation";
    return std::nullopt;
  }
  void encode(StateEncoder &out) const override { out.flag(seen_violation_); }

private:
  bool seen_violation_ = false;
};

// Test-only property that no run violates.
class NeverViolated : public CopyableMonitor<NeverViolated> {
public:
  std::optional<std::string> observe(const KernelState &, const TraceAction &, const Outcome &,
                                     const StepFacts &) override {
    return std::nullopt;
  }
};

const Property kListStaysShort = test::test_property<ListStaysShort>("T1");
const Property kNoLoadAfterViolation = test::test_property<NoLoadAfterViolation>("T2");
const Property kNeverViolated = test::test_property<NeverViolated>("T3");
const Property kAppliesNowhere = test::test_property<NeverViolated>("T4", test::applies_nowhere);

ExploreOptions small(ProposalId proposal, std::vector<const Property *> properties) {
  ExploreOptions options;
  options.proposal = proposal;
  options.properties = std::move(properties);
  options.config = ConfigChoice{};
  options.bounds = {2, 1, 6, 1};
  return options;
}

// The defaults name versions by their role (model::newest_proposal, baseline_proposal).
TEST(Explore, DefaultsToTheNewestVersionAndTracesToTheBaseline) {
  EXPECT_EQ(ExploreOptions{}.proposal, ProposalId::sassu_v7);
  EXPECT_EQ(Trace{}.proposal, ProposalId::baseline_6_12);
}

TEST(Explore, FindsAPlantedViolationWithTheShortestTrace) {
  ExploreResult result = explore(small(ProposalId::sassu_v7, {&kListStaysShort}));
  ASSERT_EQ(result.results.size(), 1u);
  ASSERT_TRUE(result.results[0].trace);
  EXPECT_EQ(result.results[0].trace->steps.size(), 2u); // two measurements, nothing else
  EXPECT_EQ(result.results[0].trace->source, "explore");
}

TEST(Explore, PlantedViolationOutOfBoundsHolds) {
  ExploreOptions options = small(ProposalId::sassu_v7, {&kListStaysShort});
  options.bounds.max_records = 1;
  options.bounds.max_kexecs = 0; // a kexec load measures critical data on 6.15+ versions
  ExploreResult result = explore(options);
  EXPECT_FALSE(result.results.at(0).trace);
  EXPECT_GT(result.states, 10u);
}

TEST(Explore, StatefulMonitorIsPartOfTheState) {
  ExploreOptions options = small(ProposalId::chen_v5, {&kNoLoadAfterViolation});
  options.all_levels = true; // both properties are violated at depth 2: compare whole spaces
  ExploreResult result = explore(options);
  ASSERT_TRUE(result.results.at(0).trace);
  EXPECT_EQ(result.results[0].trace->steps.size(), 2u);
  // Without the monitor in the state, "violation then load" would be merged with "load
  // then violation" (same kernel contents order aside) and could be missed; with it, the
  // product has more states than the system alone.
  options.properties = {&kListStaysShort};
  ExploreResult system_only = explore(options);
  EXPECT_NE(result.states, system_only.states);
}

// Once every property has its shortest trace, deeper levels can change no verdict: the
// search ends at that level unless all_levels asks for the whole space within the bounds.
TEST(Explore, EndsAtTheLevelWhereTheLastPropertyIsViolated) {
  ExploreOptions options = small(ProposalId::sassu_v7, {&kListStaysShort});
  const ExploreResult stopped = explore(options);
  ASSERT_TRUE(stopped.results.at(0).trace);
  EXPECT_TRUE(stopped.every_property_violated);
  EXPECT_FALSE(stopped.complete);
  EXPECT_EQ(stopped.max_depth, 2);
  options.all_levels = true;
  const ExploreResult whole = explore(options);
  EXPECT_FALSE(whole.every_property_violated);
  EXPECT_EQ(whole.max_depth, 6);
  EXPECT_GT(whole.states, stopped.states);
  ASSERT_TRUE(whole.results.at(0).trace);
  EXPECT_EQ(to_json(*whole.results[0].trace), to_json(*stopped.results[0].trace));

  // A property that holds keeps the search going to the bounds; one that applies to no
  // configuration does not.
  options.all_levels = false;
  options.properties = {&kListStaysShort, &kNeverViolated};
  const ExploreResult with_holding = explore(options);
  EXPECT_FALSE(with_holding.every_property_violated);
  EXPECT_EQ(with_holding.max_depth, 6);
  EXPECT_EQ(with_holding.states, whole.states);
  options.properties = {&kListStaysShort, &kAppliesNowhere};
  EXPECT_EQ(explore(options).states, stopped.states);
}

// Sassu RFC v2 forgets the bytes of L when D resets the staged counters, so a kexec
// segment sized afterwards is too small (P23) once L holds more than the margin: 7 KB of
// records with short names take far longer than explore's depth, two long paths
// (model::Measure::path_bytes) ten steps.
TEST(Explore, LongPathsBringTheListBeyondTheKexecMarginInAFewSteps) {
  ExploreOptions options;
  options.proposal = ProposalId::sassu_rfc2;
  options.properties = {find_property("P23")};
  options.config = ConfigChoice{};
  options.bounds = {2, 1, 10, 1};
  EXPECT_FALSE(explore(options).results.at(0).trace);
  options.bounds.long_path_bytes = 3500;
  const ExploreResult result = explore(options);
  ASSERT_TRUE(result.results.at(0).trace);
  const Trace &trace = *result.results[0].trace;
  ASSERT_EQ(trace.steps.size(), 10u);
  EXPECT_EQ(trace.steps[3].action, (TraceAction{Action{Measure{0, 0, 3500}}}));
  EXPECT_EQ(trace.steps[9].action, TraceAction{Action{KexecLoad{}}});
  EXPECT_EQ(replay(trace), trace.violation);
  options.bounds.long_path_bytes = 4;
  EXPECT_THROW(explore(options), std::invalid_argument);
}

TEST(Explore, TracesReplayAndRoundTripThroughJson) {
  ExploreOptions options = small(ProposalId::baseline_6_12, {});
  ExploreResult result = explore(options);
  int violated = 0;
  for (const PropertyOutcome &outcome : result.results)
    if (outcome.trace) {
      ++violated;
      const Trace reread = trace_from_json(to_json(*outcome.trace));
      EXPECT_EQ(replay(reread), outcome.trace->violation) << outcome.property;
    }
  EXPECT_GT(violated, 0); // P14 on the baseline
}

TEST(Explore, ResultsDoNotDependOnTheThreadCount) {
  ExploreOptions options = small(ProposalId::sassu_v5, {});
  options.bounds = {2, 2, 6, 1};
  options.config.reset();
  options.config = ConfigChoice{.flush_htable = true};
  ExploreResult one = explore(options);
  options.threads = 3;
  ExploreResult three = explore(options);
  EXPECT_EQ(one.states, three.states);
  EXPECT_EQ(one.transitions, three.transitions);
  EXPECT_EQ(one.max_depth, three.max_depth);
  ASSERT_EQ(one.results.size(), three.results.size());
  for (std::size_t i = 0; i < one.results.size(); ++i) {
    ASSERT_EQ(one.results[i].trace.has_value(), three.results[i].trace.has_value());
    if (one.results[i].trace) {
      EXPECT_EQ(to_json(*one.results[i].trace), to_json(*three.results[i].trace));
    }
  }
}

TEST(Explore, TheMemoryLimitDropsTheLevelItInterrupted) {
  ExploreOptions options = small(ProposalId::sassu_v7, {&kListStaysShort});
  const ExploreResult full = explore(options);
  ASSERT_TRUE(full.results.at(0).trace); // two measurements violate it
  EXPECT_FALSE(full.memory_limit_reached);
  options.max_memory_bytes = 1; // below any process: stops while expanding depth 1
  for (const int threads : {1, 2}) {
    options.threads = threads;
    const ExploreResult stopped = explore(options);
    EXPECT_TRUE(stopped.memory_limit_reached);
    EXPECT_FALSE(stopped.complete);
    EXPECT_EQ(stopped.max_depth, 0);
    EXPECT_EQ(stopped.states, 1u); // the root of the one configuration
    EXPECT_EQ(stopped.transitions, 0u);
    EXPECT_FALSE(stopped.results.at(0).trace); // nothing judged beyond depth 0
  }
}

// Progress reports come from a thread of their own while the search works, and see
// counters only: the results are the same with them.
TEST(Explore, ProgressReportsCountUpAndChangeNothing) {
  ExploreOptions options = small(ProposalId::sassu_v7, {});
  options.bounds = {2, 2, 9, 1};
  options.threads = 2;
  const ExploreResult quiet = explore(options);
  std::vector<ExploreProgress> reports;
  options.progress_interval = std::chrono::milliseconds(1);
  options.on_progress = [&](const ExploreProgress &progress) { reports.push_back(progress); };
  const ExploreResult reported = explore(options);
  EXPECT_EQ(reported.states, quiet.states);
  EXPECT_EQ(reported.transitions, quiet.transitions);
  ASSERT_EQ(reported.results.size(), quiet.results.size());
  for (std::size_t i = 0; i < quiet.results.size(); ++i)
    EXPECT_EQ(reported.results[i].trace.has_value(), quiet.results[i].trace.has_value());
  ASSERT_FALSE(reports.empty()); // the search takes far more than a millisecond
  for (std::size_t i = 1; i < reports.size(); ++i) {
    EXPECT_GE(reports[i].depth, reports[i - 1].depth);
    EXPECT_GE(reports[i].states, reports[i - 1].states);
    EXPECT_GE(reports[i].transitions, reports[i - 1].transitions);
  }
  EXPECT_LE(reports.back().states, reported.states);
  EXPECT_LE(reports.back().transitions, reported.transitions);
  EXPECT_LE(reports.back().depth, options.bounds.max_depth);
}

TEST(Explore, RejectsBadBounds) {
  ExploreOptions options = small(ProposalId::sassu_v7, {});
  options.bounds.max_depth = -1;
  EXPECT_THROW(explore(options), std::invalid_argument);
  options = small(ProposalId::sassu_v7, {});
  options.threads = 0;
  EXPECT_THROW(explore(options), std::invalid_argument);
}

TEST(Explore, DotMarksViolatingStates) {
  ExploreOptions options = small(ProposalId::baseline_6_12, {&kListStaysShort});
  options.bounds.max_depth = 3;
  options.graph_limit = 10000;
  ExploreResult result = explore(options);
  ASSERT_TRUE(result.graph);
  EXPECT_EQ(result.graph->vertices.size(), result.states);
  EXPECT_EQ(result.graph->edges.size(), result.transitions);
  const std::string dot = state_graph_dot(*result.graph);
  EXPECT_NE(dot.find("digraph"), std::string::npos);
  EXPECT_NE(dot.find("red"), std::string::npos);
  EXPECT_NE(dot.find("T1 violated"), std::string::npos);
}

// A World without agents or monitors, for the encoding tests.
detail::World bare(KernelState kernel) {
  detail::World world;
  world.kernel = std::move(kernel);
  return world;
}

TEST(ExploreCanonical, ClosedFilesAndExitedProcessesAreForgotten) {
  detail::Canonicalizer canonical;
  KernelState plain = boot(ProposalId::sassu_v7, KernelConfig{});
  KernelState used = plain;
  apply(used, Spawn{true});
  const Outcome fd = apply(used, Open{2, "binary_runtime_measurements_sha1", Access::read});
  apply(used, Close{2, static_cast<int>(fd.ret)});
  apply(used, Exit{2});
  EXPECT_NE(plain, used);
  EXPECT_EQ(canonical.encode(bare(plain)), canonical.encode(bare(used)));
  KernelState measured = plain;
  apply(measured, Measure{0, 0});
  EXPECT_NE(canonical.encode(bare(plain)), canonical.encode(bare(measured)));
}

TEST(ExploreCanonical, AgentsAreSymmetric) {
  detail::Canonicalizer canonical;
  // Two readers spawn their processes in either order: the same state up to renaming.
  auto run = [](std::vector<std::size_t> order) {
    detail::World world;
    world.kernel = boot(ProposalId::chen_v5, KernelConfig{});
    for (int i = 0; i < 2; ++i) {
      world.agents.emplace_back(ProposalId::chen_v5);
      world.agents.back().restart(detail::Protocol::reader);
    }
    for (std::size_t agent : order)
      for (int step = 0; step < 2; ++step) { // spawn, open
        auto action = world.agents[agent].next(world.kernel);
        auto result = detail::perform_step(world.kernel, *action, 0);
        world.agents[agent].observe(world.kernel, result.outcome);
      }
    return world;
  };
  const detail::World forward = run({0, 1}), backward = run({1, 0});
  EXPECT_NE(forward.agents[0].pid(), backward.agents[0].pid());
  EXPECT_EQ(canonical.encode(forward), canonical.encode(backward));
  const detail::World one = run({0});
  EXPECT_NE(canonical.encode(forward), canonical.encode(one));
}

// Records are encoded by a digest prefix, violations and the "ima" template by their fields
// (canonical.hpp): records that differ in content must still give different encodings.
TEST(ExploreCanonical, RecordsThatDifferInContentAreDifferentStates) {
  detail::Canonicalizer canonical;
  for (TemplateKind kind : {TemplateKind::ima_ng, TemplateKind::ima}) {
    KernelConfig config;
    config.template_kind = kind;
    const KernelState booted = boot(ProposalId::sassu_v7, config);
    auto after = [&](Action action) {
      KernelState state = booted;
      model::apply(state, action);
      state.pcrs = booted.pcrs; // only the records differ
      return canonical.encode(bare(state));
    };
    const std::vector<std::string> encodings{after(Measure{0, 0}), after(Measure{0, 1}),
                                             after(Measure{1, 0}), after(MeasureViolation{0}),
                                             after(MeasureViolation{1})};
    for (std::size_t i = 0; i < encodings.size(); ++i)
      for (std::size_t j = i + 1; j < encodings.size(); ++j)
        EXPECT_NE(encodings[i], encodings[j]) << template_name(kind) << " " << i << " " << j;
    EXPECT_EQ(after(Measure{0, 1}), after(Measure{0, 1}));
  }
}

// The same records extended into PCRs from different firmware values: only the PCRs
// differ, and the encoding must tell the states apart.
TEST(ExploreCanonical, PcrValuesArePartOfTheState) {
  detail::Canonicalizer canonical;
  KernelConfig config;
  const KernelState plain = boot(ProposalId::sassu_v7, config);
  for (const TpmBank &bank : config.banks.tpm_banks)
    config.firmware_pcrs.push_back({bank.algo, 0, Digest(digest_size(bank.algo), 0x5a)});
  KernelState other = boot(ProposalId::sassu_v7, config);
  // Same list contents up to the boot_aggregate, whose digest the firmware changed: put
  // the plain state's records back so that only the PCR values differ.
  other.contents = plain.contents;
  ASSERT_NE(plain.pcrs, other.pcrs);
  EXPECT_NE(canonical.encode(bare(plain)), canonical.encode(bare(other)));
}

} // namespace
} // namespace trimcheck::props
