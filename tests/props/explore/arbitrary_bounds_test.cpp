// explore's arbitrary regime: the bounds on opening files (how many at once, which ones),
// the calls in flight it may continue, and the bounds `--cover` derives from a trace.
// Each bound is tested by a test-only property that a run outside the bound violates.
#include "trimcheck/model/state_encoder.hpp"
#include "trimcheck/props/explore.hpp"

#include "test_property.hpp"

#include <gtest/gtest.h>

#include <set>

namespace trimcheck::props {
namespace {

using namespace model;

const Action *model_action(const TraceAction &action) {
  return std::get_if<Action>(&action);
}

// "Never two files open at once", counted as open file descriptions that a live
// process's fd refers to (an fd shared by fork refers to the same one).
class TwoFilesOpen : public CopyableMonitor<TwoFilesOpen> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &) override {
    std::set<OpenFileId> open;
    for (const Process &proc : state.procs)
      for (const auto &fd : proc.fds)
        if (proc.alive && fd)
          open.insert(*fd);
    if (open.size() >= 2)
      return std::to_string(open.size()) + " files open";
    return std::nullopt;
  }
};

// "A process opens only runtime_measurements_count", or, inverted, "never opens it".
template <bool kCountFile>
class OpensCountFile : public CopyableMonitor<OpensCountFile<kCountFile>> {
public:
  std::optional<std::string> observe(const KernelState &, const TraceAction &action,
                                     const Outcome &, const StepFacts &) override {
    const Action *a = model_action(action);
    const Open *open = a ? std::get_if<Open>(a) : nullptr;
    // securityfs files are named by their name alone, configfs ones by their whole path
    const bool count_file = open && (open->path == "runtime_measurements_count" ||
                                     open->path.ends_with("/runtime_measurements_count"));
    if (open && count_file == kCountFile)
      return "opened " + open->path;
    return std::nullopt;
  }
};

// "Never two live processes": p1, which boot starts, and one more.
class TwoProcesses : public CopyableMonitor<TwoProcesses> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &, const Outcome &,
                                     const StepFacts &) override {
    const auto live = std::count_if(state.procs.begin(), state.procs.end(),
                                    [](const Process &proc) { return proc.alive; });
    if (live >= 2)
      return std::to_string(live) + " live processes";
    return std::nullopt;
  }
};

// "Only the first call in flight is ever continued": violated when a process continues
// while another process's call went in flight before its own.
class ContinuesALaterCall : public CopyableMonitor<ContinuesALaterCall> {
public:
  std::optional<std::string> observe(const KernelState &state, const TraceAction &action,
                                     const Outcome &, const StepFacts &) override {
    const Action *a = model_action(action);
    const Continue *next = a ? std::get_if<Continue>(a) : nullptr;
    if (next && first_in_flight_ != 0 && next->pid != first_in_flight_)
      return "p" + std::to_string(next->pid) + " continued before p" +
             std::to_string(first_in_flight_);
    first_in_flight_ = 0;
    for (const Request &request : state.requests)
      if (request.pid != 0) {
        first_in_flight_ = request.pid;
        break;
      }
    return std::nullopt;
  }
  void encode(StateEncoder &out) const override { out.pid(first_in_flight_); }

private:
  Pid first_in_flight_ = 0;
};

const Property kTwoFilesOpen = test::test_property<TwoFilesOpen>("T1");
const Property kOpensOtherFile = test::test_property<OpensCountFile<false>>("T2");
const Property kOpensCountFile = test::test_property<OpensCountFile<true>>("T3");
const Property kContinuesALaterCall = test::test_property<ContinuesALaterCall>("T4");
const Property kTwoProcesses = test::test_property<TwoProcesses>("T5");

ExploreOptions arbitrary(ProposalId proposal, std::vector<const Property *> properties, int depth) {
  ExploreOptions options;
  options.proposal = proposal;
  options.properties = std::move(properties);
  options.regime = Regime::arbitrary;
  options.config = ConfigChoice{};
  options.bounds = {.max_records = 0, .max_agents = 1, .max_depth = depth, .max_kexecs = 0};
  options.all_levels = true;
  return options;
}

const Trace *trace_of(const ExploreResult &result, std::size_t property) {
  const auto &trace = result.results.at(property).trace;
  return trace ? &*trace : nullptr;
}

TEST(ExploreArbitrary, MaxOpenFilesBoundsTheFilesOpenAtOnce) {
  ExploreOptions options = arbitrary(ProposalId::baseline_6_12, {&kTwoFilesOpen}, 3);
  options.bounds.max_open_files = 1;
  const ExploreResult one = explore(options);
  EXPECT_FALSE(trace_of(one, 0)) << "a second file was opened while one was open";
  options.bounds.max_open_files = 2;
  const ExploreResult two = explore(options);
  ASSERT_TRUE(trace_of(two, 0));
  EXPECT_EQ(trace_of(two, 0)->steps.size(), 2u); // two opens
  EXPECT_LT(one.states, two.states);

  // --cover asks for as many as the trace has open at its busiest open, plus that one.
  EXPECT_EQ(options_covering(*trace_of(two, 0)).bounds.max_open_files, 2);
}

TEST(ExploreArbitrary, OpenableNamesTheOnlyFilesAProcessOpens) {
  ExploreOptions options = arbitrary(ProposalId::sassu_v7, {&kOpensOtherFile, &kOpensCountFile}, 2);
  options.bounds.openable = {"runtime_measurements_count"};
  const ExploreResult bounded = explore(options);
  EXPECT_FALSE(trace_of(bounded, 0)) << trace_of(bounded, 0)->violation;
  ASSERT_TRUE(trace_of(bounded, 1)); // the file named is still opened
  EXPECT_EQ(trace_of(bounded, 1)->steps.size(), 1u);

  const ExploreOptions covering = options_covering(*trace_of(bounded, 1));
  EXPECT_EQ(covering.bounds.openable, std::vector<std::string>{"runtime_measurements_count"});
  EXPECT_EQ(covering.bounds.max_open_files, 1);

  options.bounds.openable.clear();
  const ExploreResult every_file = explore(options);
  ASSERT_TRUE(trace_of(every_file, 0));
  EXPECT_EQ(trace_of(every_file, 0)->steps.size(), 1u);
}

// --max-agents counts the processes besides p1, and --cover asks for as many as the trace
// spawns or forks: none for a trace that runs in p1 alone (until session 25 it asked for
// one at least, and a second process multiplied the states of sassu-v7's P2 cover a
// hundredfold).
TEST(ExploreArbitrary, MaxAgentsCountsTheProcessesBesidesTheFirst) {
  ExploreOptions options = arbitrary(ProposalId::sassu_v7, {&kTwoProcesses, &kOpensCountFile}, 2);
  options.bounds.max_agents = 0;
  const ExploreResult alone = explore(options);
  EXPECT_FALSE(trace_of(alone, 0)) << trace_of(alone, 0)->violation;
  ASSERT_TRUE(trace_of(alone, 1));
  EXPECT_EQ(options_covering(*trace_of(alone, 1)).bounds.max_agents, 0);

  options.bounds.max_agents = 1;
  const ExploreResult two = explore(options);
  ASSERT_TRUE(trace_of(two, 0));
  EXPECT_EQ(trace_of(two, 0)->steps.size(), 1u); // a spawn or a fork
  EXPECT_EQ(options_covering(*trace_of(two, 0)).bounds.max_agents, 1);
}

TEST(ExploreArbitrary, RejectsOpenBoundsItCannotHonour) {
  ExploreOptions options = arbitrary(ProposalId::sassu_v7, {&kTwoFilesOpen}, 1);
  options.bounds.openable = {"pcrs"}; // the Microsoft RFC's file, not Sassu's
  EXPECT_THROW(explore(options), std::invalid_argument);
  options.bounds.openable = {};
  options.bounds.max_open_files = 65;
  EXPECT_THROW(explore(options), std::invalid_argument);
  options.bounds.max_open_files = 1;
  options.regime = Regime::protocol; // agents open what their protocol opens
  EXPECT_THROW(explore(options), std::invalid_argument);
}

// Two processes whose writes are both in flight: the scheduler may run either, and check's
// runs continue them round robin, so explore continues each, not only the first.
TEST(ExploreArbitrary, ContinuesEveryCallInFlight) {
  ExploreOptions options = arbitrary(ProposalId::chen_v5, {&kContinuesALaterCall}, 5);
  options.bounds.openable = {"ima_trim_log"};
  options.bounds.max_open_files = 1;
  const ExploreResult result = explore(options);
  ASSERT_TRUE(trace_of(result, 0));
  // open, fork, a write from each process, the second one continued
  EXPECT_EQ(trace_of(result, 0)->steps.size(), 5u);
}

} // namespace
} // namespace trimcheck::props
