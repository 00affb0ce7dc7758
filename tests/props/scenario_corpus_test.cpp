// The coverage-guided part of check's streams (props/src/scenario_corpus.hpp and
// scenario_run.hpp): what a scenario covers, which scenarios the corpus keeps, the
// mutants bred from them and how a mutant shrinks.
#include "../../props/src/scenario_corpus.hpp"
#include "../../props/src/scenario_run.hpp"

#include <gtest/gtest.h>

#include <set>

namespace trimcheck::props::detail {
namespace {

using model::ProposalId;

Scenario measurements(std::size_t count) {
  Scenario scenario;
  for (std::size_t i = 0; i < count; ++i) // distinct (file, content) pairs: each one appends
    scenario.choices.push_back(
        Choice{0, static_cast<std::uint8_t>(i % 6), static_cast<std::uint8_t>(i / 6 % 2), 0});
  return scenario;
}

std::vector<std::uint64_t> features_of(const Scenario &scenario) {
  const auto booted =
      model::boot(ProposalId::sassu_v7, make_config(ProposalId::sassu_v7, scenario.config));
  return drive_watched(Regime::arbitrary, scenario, booted, {},
                       {.keep_steps = false, .coverage = true})
      .features;
}

TEST(ScenarioCoverage, OneFeaturePerAction) {
  const Scenario scenario = measurements(5);
  EXPECT_EQ(features_of(scenario).size(),
            interpret(ProposalId::sassu_v7, Regime::arbitrary, scenario).size());
}

TEST(ScenarioCoverage, AListThatGrowsIsNewCoverageAtEveryRecordWhileShort) {
  const std::vector<std::uint64_t> features = features_of(measurements(12));
  EXPECT_EQ(std::set<std::uint64_t>(features.begin(), features.end()).size(), features.size());
}

TEST(ScenarioCorpus, KeepsAScenarioOnlyWhenItCoversSomethingNew) {
  ScenarioCorpus corpus;
  const Scenario short_run = measurements(3), long_run = measurements(6);
  EXPECT_TRUE(corpus.add_if_new(short_run, features_of(short_run)));
  EXPECT_FALSE(corpus.add_if_new(short_run, features_of(short_run)));
  EXPECT_TRUE(corpus.add_if_new(long_run, features_of(long_run)));
  EXPECT_FALSE(corpus.add_if_new(measurements(2), features_of(measurements(2))));
  EXPECT_EQ(corpus.size(), 2u);
}

TEST(ScenarioCorpus, MutantsAreDeterministicBoundedAndKeepTheDefaultConfiguration) {
  ScenarioCorpus corpus;
  const Scenario seed = measurements(10);
  corpus.add_if_new(seed, features_of(seed));
  rc::Random first(42), second(42);
  bool changed = false;
  for (int i = 0; i < 500; ++i) {
    const Scenario mutant = corpus.mutant(first, true, 12);
    const Scenario again = corpus.mutant(second, true, 12);
    EXPECT_EQ(mutant.choices, again.choices);
    EXPECT_LE(mutant.choices.size(), 12u);
    EXPECT_FALSE(mutant.config.flush_htable || mutant.config.disable_htable ||
                 mutant.config.feature_off || mutant.config.legacy_template ||
                 mutant.config.small_kexec_margin);
    for (const Choice &choice : mutant.choices)
      EXPECT_TRUE(choice.kind < 16 && choice.a < 8 && choice.b < 8 && choice.c < 8);
    changed = changed || mutant.choices != seed.choices;
  }
  EXPECT_TRUE(changed);
}

TEST(ScenarioCorpus, MutantsOfAnyConfigurationReachOtherConfigurations) {
  ScenarioCorpus corpus;
  const Scenario seed = measurements(4);
  corpus.add_if_new(seed, features_of(seed));
  rc::Random random(7);
  bool other = false;
  for (int i = 0; i < 500 && !other; ++i)
    other = corpus.mutant(random, false, 60).config.small_kexec_margin;
  EXPECT_TRUE(other);
}

// Shrinks like RapidCheck's: the first shrink that still fails, until none does.
Scenario minimise(rc::Shrinkable<Scenario> failing, bool (*fails)(const Scenario &)) {
  for (bool smaller = true; smaller;) {
    smaller = false;
    auto shrinks = failing.shrinks();
    while (auto candidate = shrinks.next())
      if (fails(candidate->value())) {
        failing = std::move(*candidate);
        smaller = true;
        break;
      }
  }
  return failing.value();
}

TEST(ScenarioCorpus, AMutantShrinksToItsSmallestFailingScenario) {
  Scenario mutant;
  mutant.swarm.left_out = 0x30;
  mutant.config.flush_htable = mutant.config.small_kexec_margin = true;
  for (std::uint8_t i = 0; i < 20; ++i)
    mutant.choices.push_back(Choice{static_cast<std::uint8_t>(i % 16), 5, 6, 7});
  // Fails while it has three choices of kind 5 or more and the small kexec margin.
  auto fails = [](const Scenario &scenario) {
    std::size_t late = 0;
    for (const Choice &choice : scenario.choices)
      late += choice.kind >= 5;
    return late >= 3 && scenario.config.small_kexec_margin;
  };
  const Scenario minimal = minimise(shrinkable_scenario(mutant), fails);
  EXPECT_EQ(minimal.swarm.left_out, 0u);
  EXPECT_FALSE(minimal.config.flush_htable);
  EXPECT_TRUE(minimal.config.small_kexec_margin);
  EXPECT_EQ(minimal.choices, (std::vector<Choice>(3, Choice{5, 0, 0, 0})));
}

} // namespace
} // namespace trimcheck::props::detail
