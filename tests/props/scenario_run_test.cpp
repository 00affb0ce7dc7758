// Driving a scenario with the monitors watching (props/src/scenario_run.hpp) judges it
// exactly as interpret() followed by watch_actions() does: the same steps, outcomes and
// violations, in every regime and configuration, for every property of a version.
#include "../../props/src/scenario_run.hpp"
#include "trimcheck/props/property.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props::detail {
namespace {

using model::ProposalId;

void expect_same_judgement(ProposalId proposal, Regime regime, std::uint64_t seed) {
  std::vector<const Property *> properties;
  for (const Property &property : all_properties())
    if (property.applies(proposal, model::KernelConfig{}))
      properties.push_back(&property);
  const rc::Gen<Scenario> gen = scenario_gen(false, true);
  rc::Random random(seed);
  BootCache boots;
  int violated = 0;
  for (int i = 0; i < 300; ++i) {
    const Scenario scenario = gen(random.split(), i % 61).value();
    const model::KernelConfig config = make_config(proposal, scenario.config);
    const WatchedRun reference = watch_actions(proposal, config, properties,
                                               interpret(proposal, regime, scenario, config), true);
    ASSERT_TRUE(reference.invalid.empty()) << reference.invalid;
    const DrivenRun driven = drive_watched(regime, scenario, boots.boot(proposal, config),
                                           properties, {.keep_steps = true, .coverage = false});
    EXPECT_EQ(driven.violations, reference.violations) << "scenario " << i;
    ASSERT_EQ(driven.steps.size(), reference.steps.size()) << "scenario " << i;
    for (std::size_t s = 0; s < driven.steps.size(); ++s) {
      EXPECT_EQ(driven.steps[s].action, reference.steps[s].action) << "scenario " << i;
      EXPECT_EQ(driven.steps[s].outcome, reference.steps[s].outcome) << "scenario " << i;
    }
    for (const std::string &violation : reference.violations)
      violated += !violation.empty();
  }
  EXPECT_GT(violated, 0) << "no scenario violated anything: the comparison proves little";
}

TEST(DriveWatched, JudgesAsInterpretThenWatchActionsProtocol) {
  expect_same_judgement(ProposalId::chen_v5, Regime::protocol, 1);
  expect_same_judgement(ProposalId::sassu_v7, Regime::protocol, 2);
}

TEST(DriveWatched, JudgesAsInterpretThenWatchActionsArbitrary) {
  expect_same_judgement(ProposalId::sassu_v6, Regime::arbitrary, 3);
  expect_same_judgement(ProposalId::ms_rfc1, Regime::arbitrary, 4);
}

TEST(DriveWatched, StopsOnceEveryMonitorHasUnlessAskedForCoverage) {
  const Property *p7 = find_property("P7");
  ASSERT_NE(p7, nullptr);
  const Property *one[] = {p7};
  Scenario scenario; // measurements only: P7 never fails, so nothing stops early
  for (std::uint8_t i = 0; i < 10; ++i)
    scenario.choices.push_back(Choice{0, static_cast<std::uint8_t>(i % 6), 0, 0});
  const auto booted =
      model::boot(ProposalId::sassu_v7, make_config(ProposalId::sassu_v7, scenario.config));
  const DrivenRun all = drive_watched(Regime::protocol, scenario, booted, one,
                                      {.keep_steps = true, .coverage = true});
  EXPECT_EQ(all.steps.size(), 10u);
  EXPECT_EQ(all.features.size(), 10u);
  const DrivenRun unwatched = drive_watched(Regime::protocol, scenario, booted, {},
                                            {.keep_steps = true, .coverage = false});
  EXPECT_TRUE(unwatched.steps.empty()); // nobody watching: nothing to drive
}

} // namespace
} // namespace trimcheck::props::detail
