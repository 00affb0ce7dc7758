// check's seed corpus (props/src/seed_corpus.hpp, props/seeds/seed_scenarios.inc): every
// seed is well formed and still a counterexample of the cell it was collected from, and
// the shared streams run the seeds.
#include "../../props/src/scenario_run.hpp"
#include "../../props/src/seed_corpus.hpp"
#include "../../props/src/shared_search.hpp"
#include "trimcheck/props/check.hpp"
#include "trimcheck/props/property.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace trimcheck::props::detail {
namespace {

struct Origin {
  model::ProposalId proposal;
  const Property *property;
};

// "<version> <property> <regime>", as scripts/collect-seeds writes it.
Origin parse_origin(std::string_view origin) {
  std::istringstream words{std::string(origin)};
  std::string version, property, regime;
  words >> version >> property >> regime;
  const auto proposal = model::proposal_from_key(version);
  if (!proposal || find_property(property) == nullptr ||
      (regime != "protocol" && regime != "arbitrary"))
    throw std::invalid_argument("seed origin \"" + std::string(origin) + "\"");
  return {*proposal, find_property(property)};
}

TEST(SeedCorpus, EverySeedIsWellFormedAndUnique) {
  ASSERT_FALSE(seed_scenarios().empty());
  std::set<std::string_view> codes;
  for (const SeedScenario &seed : seed_scenarios()) {
    EXPECT_NO_THROW(parse_origin(seed.origin)) << seed.origin;
    EXPECT_NO_THROW(scenario_from_code(seed.code)) << seed.origin;
    EXPECT_TRUE(codes.insert(seed.code).second) << "a repeated seed: " << seed.origin;
  }
}

// Whether the seed's scenario still violates its origin's property on its origin's version.
// A trace of kernel events only is filed under the protocol whichever regime found it
// (check.cpp), so either regime may be the seed's.
bool still_violates(const SeedScenario &seed, BootCache &boots) {
  const Origin origin = parse_origin(seed.origin);
  const Scenario scenario = scenario_from_code(seed.code);
  const Property *one[] = {origin.property};
  const model::KernelConfig config = budget_config(origin.proposal, scenario.config, CheckBudget{});
  for (Regime regime : {Regime::protocol, Regime::arbitrary})
    if (!drive_watched(regime, scenario, boots.boot(origin.proposal, config), one,
                       {.keep_steps = false, .coverage = false})
             .violations.front()
             .empty())
      return true;
  return false;
}

// A seed that no longer violates its origin's property (after a change of the model or a
// monitor) is stale: run scripts/collect-seeds again (seed_corpus.hpp).
TEST(SeedCorpus, EverySeedIsStillACounterexampleOfItsOrigin) {
  BootCache boots;
  for (const SeedScenario &seed : seed_scenarios())
    EXPECT_TRUE(still_violates(seed, boots)) << "stale seed: " << seed.origin << " " << seed.code;
  // The check can fail: a scenario of no choices violates nothing.
  EXPECT_FALSE(
      still_violates({"sassu-v7 P9 protocol", "config=00000 swarm=00000000 choices="}, boots));
}

// The shared streams run the seeds: at a budget far too small to find P5 on sassu-v6 (two
// writers of one file racing in the delete), the seed finds it, and shrinking keeps it short.
TEST(SeedCorpus, TheStreamsRunTheSeeds) {
  CheckBudget budget;
  budget.runs = 5;
  budget.shared_factor = 1;
  const Property &p5 = *find_property("P5");
  const PairResult seeded = check_pair(model::ProposalId::sassu_v6, p5, budget);
  EXPECT_EQ(seeded.verdict, Verdict::conditional);
  ASSERT_TRUE(seeded.trace);
  EXPECT_LE(seeded.trace->steps.size(), 12u);
  budget.seeds = false;
  EXPECT_EQ(check_pair(model::ProposalId::sassu_v6, p5, budget).verdict, Verdict::holds);
}

} // namespace
} // namespace trimcheck::props::detail
