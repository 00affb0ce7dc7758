// The checking pipeline end to end: determinism, replay of every emitted trace, trace
// format round trip and its error messages.
#include "trimcheck/props/check.hpp"
#include "trimcheck/props/scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

namespace trimcheck::props {
namespace {

using namespace model;

TEST(Check, SameSeedGivesIdenticalResultsAndTraces) {
  const Property &p14 = *find_property("P14");
  CheckBudget budget{42, 100, 40};
  PairResult a = check_pair(ProposalId::baseline_6_15, p14, budget);
  PairResult b = check_pair(ProposalId::baseline_6_15, p14, budget);
  ASSERT_TRUE(a.trace && b.trace);
  EXPECT_EQ(to_json(*a.trace).dump(), to_json(*b.trace).dump());
  EXPECT_EQ(a.verdict, b.verdict);
}

TEST(Check, EveryEmittedTraceReplaysToTheSameViolation) {
  CheckBudget budget{7, 40, 40};
  std::vector<const Property *> properties;
  for (const Property &property : all_properties())
    properties.push_back(&property);
  std::size_t traces = 0;
  for (const auto &info : all_proposals())
    for (const PairResult &result : check_version(info.id, properties, budget)) {
      if (!result.trace)
        continue;
      ++traces;
      // Through JSON, as a user would.
      Trace reread = trace_from_json(nlohmann::json::parse(to_json(*result.trace).dump()));
      EXPECT_EQ(replay(reread), result.trace->violation) << info.key << " " << result.property;
    }
  EXPECT_GT(traces, 0u);
}

// A property watches its version's shared streams with whatever others are checked: its
// verdict and trace must not depend on them (else --property, --shard and --jobs would
// change results).
TEST(Check, APropertysResultDoesNotDependOnWhichOthersAreChecked) {
  const CheckBudget budget{3, 150, 40};
  std::vector<const Property *> all;
  for (const Property &property : all_properties())
    all.push_back(&property);
  const std::vector<PairResult> together = check_version(ProposalId::chen_v5, all, budget);
  std::size_t found = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (together[i].verdict == Verdict::not_applicable || i % 3 != 0)
      continue; // a third of them alone keeps the test short
    const PairResult alone = check_pair(ProposalId::chen_v5, *all[i], budget);
    EXPECT_EQ(alone.verdict, together[i].verdict) << all[i]->id;
    ASSERT_EQ(alone.trace.has_value(), together[i].trace.has_value()) << all[i]->id;
    if (alone.trace) {
      ++found;
      EXPECT_EQ(to_json(*alone.trace).dump(), to_json(*together[i].trace).dump()) << all[i]->id;
    }
  }
  EXPECT_GT(found, 0u);
}

// The shared streams are what makes the default budget find these: each property's own
// search (shared_factor 0) misses them at the same budget (issue 17, docs/checking.md).
TEST(Check, SharedStreamsFindWhatEachPropertysOwnSearchMisses) {
  std::vector<const Property *> properties{find_property("P7"), find_property("P8"),
                                           find_property("P13")};
  CheckBudget own{1, 2000, 60};
  own.shared_factor = 0;
  CheckBudget shared{1, 2000, 60};
  shared.seeds = false; // the random streams alone
  const auto alone = check_version(ProposalId::chen_v5, properties, own);
  const auto with_streams = check_version(ProposalId::chen_v5, properties, shared);
  for (std::size_t i = 0; i < properties.size(); ++i) {
    EXPECT_EQ(alone[i].verdict, Verdict::conditional) << properties[i]->id;
    EXPECT_EQ(with_streams[i].verdict, Verdict::violated) << properties[i]->id;
    ASSERT_TRUE(with_streams[i].trace);
    EXPECT_EQ(with_streams[i].trace->regime, Regime::protocol);
    EXPECT_EQ(replay(*with_streams[i].trace), with_streams[i].trace->violation);
  }
}

// A leak that needs a kexec, then the documented agent's read and trim: fresh random
// scenarios of the default budget found it only in arbitrary user space (C); the
// coverage-guided mutants of the streams reach it under the protocol (docs/checking.md).
TEST(Check, CoverageGuidedStreamsReachTheProtocolLeakAfterKexec) {
  CheckBudget streams{1, 2000, 60};
  streams.seeds = false; // the random streams alone
  const PairResult result = check_pair(ProposalId::chen_v2, *find_property("P6"), streams);
  ASSERT_EQ(result.verdict, Verdict::violated);
  ASSERT_TRUE(result.trace);
  EXPECT_EQ(result.trace->regime, Regime::protocol);
  const bool kexec = std::any_of(
      result.trace->steps.begin(), result.trace->steps.end(), [](const TraceStep &step) {
        return std::holds_alternative<Action>(step.action) &&
               std::holds_alternative<KexecExecute>(std::get<Action>(step.action));
      });
  EXPECT_TRUE(kexec);
  EXPECT_EQ(replay(*result.trace), result.trace->violation);
}

TEST(Check, ATraceOfKernelEventsOnlyIsARunOfEveryProtocol) {
  Trace trace;
  for (Action action : {Action{Measure{1, 0}}, Action{MeasureViolation{2}}, Action{KexecLoad{}},
                        Action{KexecExecute{}}, Action{Continue{0}}})
    trace.steps.push_back({action, Outcome{}});
  EXPECT_TRUE(kernel_events_only(trace));
  Trace spawned = trace;
  spawned.steps.push_back({Action{Spawn{}}, Outcome{}});
  EXPECT_FALSE(kernel_events_only(spawned));
  Trace continued = trace;
  continued.steps.push_back({Action{Continue{2}}, Outcome{}});
  EXPECT_FALSE(kernel_events_only(continued));
  Trace quoted = trace;
  quoted.steps.push_back({Quote{1}, Outcome{}});
  EXPECT_FALSE(kernel_events_only(quoted));
}

TEST(Check, ABaseTreeInTheBudgetIsTheBaseOfEveryTrace) {
  const Property &p14 = *find_property("P14");
  CheckBudget budget{1, 200, 40};
  const PairResult posted = check_pair(ProposalId::chen_v5, p14, budget);
  ASSERT_TRUE(posted.trace);
  EXPECT_EQ(posted.trace->config.base, BaseTree::as_posted);
  budget.base = BaseTree::linux_6_12;
  const PairResult on_612 = check_pair(ProposalId::chen_v5, p14, budget);
  ASSERT_TRUE(on_612.trace);
  EXPECT_EQ(on_612.trace->config.base, BaseTree::linux_6_12);
  EXPECT_EQ(replay(*on_612.trace), on_612.trace->violation);
}

TEST(Check, FirmwarePcrsInTheBudgetAreTheFirmwareOfEveryTrace) {
  CheckBudget budget{1, 300, 40};
  for (const TpmBank &bank : KernelConfig{}.banks.tpm_banks)
    budget.firmware_pcrs.push_back({bank.algo, 0, Digest(digest_size(bank.algo), 0xa5)});
  const PairResult result = check_pair(ProposalId::ms_rfc1, *find_property("P20"), budget);
  ASSERT_TRUE(result.trace);
  EXPECT_EQ(result.trace->config.firmware_pcrs, budget.firmware_pcrs);
  const Trace reread = trace_from_json(nlohmann::json::parse(to_json(*result.trace).dump()));
  EXPECT_EQ(reread.config, result.trace->config);
  EXPECT_EQ(replay(reread), result.trace->violation);
}

TEST(Check, OnEveryBaseTreeTheDriverEmitsOnlyPossibleActions) {
  // The scenario driver decides what may continue or block from the kernel the actions
  // run on: on another base tree (no reboot suspend on 6.12) a driver that looked at the
  // posted tree emitted "continue" for a call that had completed (an internal error).
  for (BaseTree base : {BaseTree::linux_6_12, BaseTree::linux_6_14, BaseTree::linux_6_15}) {
    CheckBudget budget{5, 30, 40};
    budget.base = base;
    for (const auto &info : all_proposals())
      for (const char *id : {"P1", "P9", "P15"}) {
        PairResult result;
        EXPECT_NO_THROW(result = check_pair(info.id, *find_property(id), budget))
            << info.key << " " << id << " on " << base_tree_name(base);
        if (result.trace) {
          EXPECT_EQ(replay(*result.trace), result.trace->violation) << info.key << " " << id;
        }
      }
  }
}

TEST(Check, ShrinkingGivesShortTraces) {
  const Property &p14 = *find_property("P14");
  PairResult result = check_pair(ProposalId::baseline_6_12, p14, CheckBudget{3, 1000, 60});
  ASSERT_TRUE(result.trace);
  EXPECT_LE(result.trace->steps.size(), 6u) << render_text(*result.trace);
}

// A found violation is a result, not a failure: the process that found it exits without
// RapidCheck's "Some of your RapidCheck properties had failures" and its RC_PARAMS, which
// name RapidCheck's seed, not trimcheck's. The child exits normally, so static destructors
// run, as at the end of a CLI run; its stderr must be empty.
void search_then_exit() {
  const auto found = search(ProposalId::baseline_6_12, *find_property("P14"), Regime::protocol,
                            CheckBudget{3, 1000, 60}, false);
  std::exit(found ? 0 : 3); // 3: the search found no violation of P14
}

TEST(CheckDeathTest, AFoundViolationLeavesNothingOnStderrAtExit) {
  EXPECT_EXIT(search_then_exit(), ::testing::ExitedWithCode(0), "^$");
}

TEST(Check, BaselineHoldsWhereTheModelSaysSo) {
  // B1-B5 are judged, not looked up: a real search over the baseline finds nothing.
  for (const char *id : {"B1", "B2", "B3", "B4", "B5", "P2", "P5", "P7"}) {
    PairResult result =
        check_pair(ProposalId::baseline_6_12, *find_property(id), CheckBudget{11, 60, 40});
    EXPECT_EQ(result.verdict, Verdict::holds)
        << id << ": " << (result.trace ? render_text(*result.trace) : "");
  }
}

TEST(TraceFormat, TextFitsInSeventyTwoColumns) {
  PairResult result;
  const std::vector<TraceAction> actions{Action{Write{1, 3, Bytes(200, 'x')}}};
  RunResult run = run_actions(ProposalId::baseline_6_12, {}, *find_property("P14"), actions);
  result.trace = Trace{};
  result.trace->steps = run.steps;
  result.trace->property = "P14";
  result.trace->violation = std::string(300, 'x') + " a long message with words";
  std::istringstream text(render_text(*result.trace));
  std::string line;
  while (std::getline(text, line))
    EXPECT_LE(line.size(), 72u) << line;
  EXPECT_NE(render_dot(*result.trace).find("digraph"), std::string::npos);
}

TEST(TraceFormat, CheckTracesCarryTheirScenario) {
  CheckBudget budget;
  budget.runs = 50;
  budget.max_size = 60;
  const PairResult result = check_pair(ProposalId::sassu_v7, *find_property("P9"), budget);
  ASSERT_TRUE(result.trace);
  ASSERT_FALSE(result.trace->scenario.empty());
  const Trace again = trace_from_json(to_json(*result.trace));
  EXPECT_EQ(again.scenario, result.trace->scenario);
  // The scenario is what the steps were interpreted from.
  const std::vector<TraceAction> actions =
      interpret(ProposalId::sassu_v7, result.trace->regime, scenario_from_code(again.scenario),
                result.trace->config);
  ASSERT_GE(actions.size(), result.trace->steps.size());
  for (std::size_t i = 0; i < result.trace->steps.size(); ++i)
    EXPECT_EQ(actions[i], result.trace->steps[i].action) << i;
}

TEST(TraceFormat, AFaultingWriteRoundTripsAndSaysWhereItFaults) {
  const Action write = Write{1, 3, to_bytes("0:5\n"), 2};
  EXPECT_EQ(action_from_json(action_to_json(write), "$"), TraceAction{write});
  EXPECT_EQ(action_to_json(write)["fault_after"], 2);
  EXPECT_FALSE(action_to_json(Write{1, 3, to_bytes("0:5\n")}).contains("fault_after"));
  EXPECT_NE(model::describe(write).find("buffer faults after 2 bytes"), std::string::npos)
      << model::describe(write);
}

TEST(TraceFormat, AMeasurementAtALongPathRoundTripsAndSaysHowLong) {
  const Action measure = Measure{2, 1, 3500};
  EXPECT_EQ(action_from_json(action_to_json(measure), "$"), TraceAction{measure});
  EXPECT_FALSE(action_to_json(Measure{2, 1}).contains("path_bytes")); // traces as before
  EXPECT_EQ(model::describe(measure), "measure /f2 at a path of 3500 bytes (content v1)");
}

TEST(TraceFormat, MalformedTracesNameThePlace) {
  auto error_of = [](const std::string &text) -> std::string {
    try {
      trace_from_json(nlohmann::json::parse(text));
    } catch (const TraceFormatError &error) {
      return error.what();
    }
    return "";
  };
  EXPECT_NE(error_of(R"({"format":"x"})").find("$.format"), std::string::npos);
  EXPECT_NE(error_of(R"({"format":"trimcheck-trace","format_version":9})").find("$.format_version"),
            std::string::npos);
  const std::string head =
      R"({"format":"trimcheck-trace","format_version":1,"proposal":"sassu-v7","property":"P9",)"
      R"("regime":"protocol","seed":1,)";
  KernelConfig config;
  const std::string cfg = "\"config\":" + config_to_json(config).dump() + ",";
  EXPECT_NE(error_of(head + cfg + R"("steps":[{"action":{"type":"fly"}}]})")
                .find("$.steps[0].action.type"),
            std::string::npos);
  EXPECT_NE(error_of(head + cfg + R"("steps":[{"action":{"type":"read","pid":1}}]})")
                .find("missing \"fd\""),
            std::string::npos);
  EXPECT_NE(
      error_of(
          head + cfg +
          R"("steps":[{"action":{"type":"write","pid":1,"fd":3,"bytes_hex":"3031","fault_after":2}}]})")
          .find("$.steps[0].action.fault_after: 2 is not below the write's length 2"),
      std::string::npos);
  EXPECT_NE(
      error_of(head + cfg +
               R"("steps":[{"action":{"type":"measure","file":3,"version":0,"path_bytes":4096}}]})")
          .find("$.steps[0].action.path_bytes: a path of 4096 bytes to /f3 must be 0 or 5..4095"),
      std::string::npos);
  EXPECT_NE(error_of(head + R"("config":{"tpm_banks":[]},"steps":[]})").find("$.config.tpm_banks"),
            std::string::npos);
  EXPECT_NE(
      error_of(head + cfg + R"("scenario":"config=00000 swarm=0 choices=","steps":[]})")
          .find("$.scenario: scenario \"config=00000 swarm=0 choices=\": swarm: expected 8 hex"),
      std::string::npos);
  auto with_firmware = [&](const std::string &list) {
    nlohmann::json json_config = config_to_json(config);
    json_config["firmware_pcrs"] = nlohmann::json::parse(list);
    return error_of(head + "\"config\":" + json_config.dump() + R"(,"steps":[]})");
  };
  const std::string zeros20(40, '0');
  EXPECT_NE(with_firmware(R"([{"bank":"sha1","pcr":10,"value_hex":")" + zeros20 + "\"}]")
                .find("$.config.firmware_pcrs[0].pcr"),
            std::string::npos);
  EXPECT_NE(with_firmware(R"([{"bank":"sha1","pcr":1,"value_hex":"00"}])")
                .find("$.config.firmware_pcrs[0].value_hex"),
            std::string::npos);
  EXPECT_NE(with_firmware(R"([{"bank":"md5","pcr":1,"value_hex":"00"}])")
                .find("$.config.firmware_pcrs[0].bank"),
            std::string::npos);
  const std::string twice = R"({"bank":"sha1","pcr":1,"value_hex":")" + zeros20 + "\"}";
  EXPECT_NE(with_firmware("[" + twice + "," + twice + "]").find("given twice"), std::string::npos);
}

TEST(TraceFormat, ReplayRejectsImpossibleSteps) {
  Trace trace;
  trace.property = "P2";
  trace.steps.push_back({Action{Read{7, 3, 10}}, {}});
  EXPECT_THROW(replay(trace), std::invalid_argument);
}

} // namespace
} // namespace trimcheck::props
