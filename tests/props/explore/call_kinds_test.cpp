// explore's bounds on calls (ExploreBounds::max_calls, `--max-calls`): a limited kind is
// made at most that many times on a run, a kind not listed is not limited, and
// `--max-calls trace` takes a trace's own counts. Each bound is tested by a test-only
// property that a run outside the bound violates.
#include "trimcheck/model/state_encoder.hpp"
#include "trimcheck/props/explore.hpp"

#include "test_property.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props {
namespace {

using namespace model;

const Write *write_of(const TraceAction &action) {
  const Action *a = std::get_if<Action>(&action);
  return a ? std::get_if<Write>(a) : nullptr;
}

// "Never two writes of a whole buffer" (a faulting write is not counted).
class TwoWrites : public CopyableMonitor<TwoWrites> {
public:
  std::optional<std::string> observe(const KernelState &, const TraceAction &action,
                                     const Outcome &, const StepFacts &) override {
    const Write *write = write_of(action);
    if (write && !write->fault_after && ++writes_ == 2)
      return "two writes";
    return std::nullopt;
  }
  void encode(StateEncoder &out) const override { out.number(writes_); }

private:
  std::uint32_t writes_ = 0;
};

// "Never a write whose buffer faults".
class FaultingWrite : public CopyableMonitor<FaultingWrite> {
public:
  std::optional<std::string> observe(const KernelState &, const TraceAction &action,
                                     const Outcome &, const StepFacts &) override {
    const Write *write = write_of(action);
    if (write && write->fault_after)
      return "a faulting write";
    return std::nullopt;
  }
};

// "Never a seek" (a kind the tests below do not limit).
class Seeks : public CopyableMonitor<Seeks> {
public:
  std::optional<std::string> observe(const KernelState &, const TraceAction &action,
                                     const Outcome &, const StepFacts &) override {
    const Action *a = std::get_if<Action>(&action);
    if (a && std::holds_alternative<Seek>(*a))
      return "a seek";
    return std::nullopt;
  }
};

const Property kTwoWrites = test::test_property<TwoWrites>("T1");
const Property kFaultingWrite = test::test_property<FaultingWrite>("T2");
const Property kSeeks = test::test_property<Seeks>("T3");

// p1 alone, with one list open at most: open, then writes, continues and seeks.
ExploreOptions one_list(std::map<CallKind, int> max_calls) {
  ExploreOptions options;
  options.proposal = ProposalId::sassu_v7;
  options.properties = {&kTwoWrites, &kFaultingWrite, &kSeeks};
  options.regime = Regime::arbitrary;
  options.config = ConfigChoice{};
  options.bounds = {.max_records = 0, .max_agents = 0, .max_depth = 5, .max_kexecs = 0};
  options.bounds.max_open_files = 1;
  options.bounds.openable = {"binary_runtime_measurements_sha1"};
  options.bounds.max_calls = std::move(max_calls);
  options.all_levels = true;
  return options;
}

std::optional<std::size_t> trace_length(const ExploreResult &result, std::size_t property) {
  const auto &trace = result.results.at(property).trace;
  return trace ? std::optional(trace->steps.size()) : std::nullopt;
}

TEST(CallKinds, NamesAreTheTraceTypesAndAFaultingWriteIsAKindOfItsOwn) {
  for (std::size_t index = 0; index < kCallKinds; ++index) {
    const auto kind = static_cast<CallKind>(index);
    EXPECT_EQ(call_kind_named(call_kind_name(kind)), kind);
  }
  EXPECT_EQ(call_kind_named("pass_fd"), CallKind::pass_fd);
  EXPECT_EQ(call_kind_named("continue"), std::nullopt);
  Write write{1, 3, to_bytes("1\n")};
  EXPECT_EQ(call_kind_of(Action{write}), CallKind::write);
  write.fault_after = 1;
  EXPECT_EQ(call_kind_of(Action{write}), CallKind::faulting_write);
  EXPECT_EQ(call_kind_of(Action{Continue{1}}), std::nullopt);
  EXPECT_EQ(call_kind_of(Action{Measure{0, 0}}), std::nullopt);
}

TEST(CallKinds, CallsMadeCountsEveryKindOfATrace) {
  Trace trace;
  for (Action action : {Action{Open{1, "binary_runtime_measurements_sha1", Access::write}},
                        Action{Fork{1}}, Action{Write{1, 3, to_bytes("2\n")}}, Action{Continue{1}},
                        Action{Write{2, 3, to_bytes("3\n")}}})
    trace.steps.push_back({action, {}});
  const std::map<CallKind, int> calls = calls_made(trace);
  EXPECT_EQ(calls.size(), kCallKinds); // every kind, the ones not made at 0
  EXPECT_EQ(calls.at(CallKind::open), 1);
  EXPECT_EQ(calls.at(CallKind::fork), 1);
  EXPECT_EQ(calls.at(CallKind::write), 2);
  EXPECT_EQ(calls.at(CallKind::faulting_write), 0);
  EXPECT_EQ(calls.at(CallKind::read), 0);
}

TEST(ExploreCallBounds, ALimitedKindIsMadeAtMostThatManyTimes) {
  const ExploreResult unlimited = explore(one_list({}));
  ASSERT_TRUE(trace_length(unlimited, 0)); // open, write, continue..., write
  ASSERT_TRUE(trace_length(unlimited, 1));

  const ExploreResult one_write = explore(one_list({{CallKind::write, 1}}));
  EXPECT_FALSE(trace_length(one_write, 0)) << "a second write within write=1";
  EXPECT_EQ(trace_length(one_write, 1), trace_length(unlimited, 1)); // faulting: not limited

  const ExploreResult no_fault = explore(one_list({{CallKind::faulting_write, 0}}));
  EXPECT_FALSE(trace_length(no_fault, 1)) << "a faulting write within faulting_write=0";
  EXPECT_EQ(trace_length(no_fault, 0), trace_length(unlimited, 0));
  EXPECT_LT(no_fault.states, unlimited.states);

  // A kind not listed is not counted either: seeks are taken as without bounds.
  EXPECT_EQ(trace_length(one_write, 2), trace_length(unlimited, 2));
  EXPECT_EQ(trace_length(no_fault, 2), trace_length(unlimited, 2));
  const ExploreResult no_seek = explore(one_list({{CallKind::seek, 0}}));
  EXPECT_FALSE(trace_length(no_seek, 2));
}

TEST(ExploreCallBounds, RejectsLimitsItCannotHonour) {
  ExploreOptions options = one_list({{CallKind::write, 256}});
  EXPECT_THROW(explore(options), std::invalid_argument);
  options = one_list({{CallKind::write, 1}});
  options.bounds.max_open_files = 0;
  options.bounds.openable.clear();
  options.regime = Regime::protocol; // agents make the calls their protocol makes
  EXPECT_THROW(explore(options), std::invalid_argument);
}

} // namespace
} // namespace trimcheck::props
