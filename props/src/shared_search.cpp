#include "shared_search.hpp"

#include "scenario_corpus.hpp"
#include "scenario_run.hpp"
#include "seed_corpus.hpp"
#include "trimcheck/props/scenario.hpp"

#include <rapidcheck.h>

#include <stdexcept>

namespace trimcheck::props::detail {

using namespace model;

KernelConfig budget_config(ProposalId proposal, const ConfigChoice &choice,
                           const CheckBudget &budget) {
  KernelConfig config = make_config(proposal, choice);
  if (budget.base && proposal_info(proposal).family != Family::baseline)
    config.base = *budget.base;
  config.firmware_pcrs = budget.firmware_pcrs;
  return config;
}

// What a scenario does under one property: its steps, with the violation if any.
RunResult run_scenario(ProposalId proposal, const Property &property, Regime regime,
                       const Scenario &scenario, const CheckBudget &budget, BootCache &boots) {
  const Property *one[] = {&property};
  DrivenRun run = drive_watched(
      regime, scenario, boots.boot(proposal, budget_config(proposal, scenario.config, budget)), one,
      {.keep_steps = true, .coverage = false});
  return {std::move(run.steps), std::move(run.violations.front()), {}};
}

namespace {

// The stream's seed: pair_seed's hash with a name that is no property's in the property's
// place, so it depends on the user's seed, the version, the regime and the mode, never on
// the properties watching, and is derived from the version's key exactly as each pair's
// seed is (the synthetic-version test relies on that).
std::uint64_t stream_seed(std::uint64_t seed, ProposalId proposal, Regime regime,
                          bool default_config_only) {
  return pair_seed(seed, proposal, "shared stream", regime, default_config_only);
}

// Shrinks a scenario that violates `property` the way RapidCheck does: take the first
// shrink that still violates it, until none does (or the step limit is reached, which
// keeps a pathological shrink bounded; the scenario is then smaller, not minimal).
Scenario shrink(ProposalId proposal, const Property &property, Regime regime,
                const CheckBudget &budget, BootCache &boots, rc::Shrinkable<Scenario> failing) {
  constexpr int kMaxTries = 20000;
  int tries = 0;
  for (bool smaller = true; smaller && tries < kMaxTries;) {
    smaller = false;
    auto shrinks = failing.shrinks();
    while (auto candidate = shrinks.next()) {
      if (++tries >= kMaxTries)
        break;
      if (!run_scenario(proposal, property, regime, candidate->value(), budget, boots)
               .violation.empty()) {
        failing = std::move(*candidate);
        smaller = true;
        break;
      }
    }
  }
  return failing.value();
}

} // namespace

std::vector<std::optional<Trace>> search_shared(ProposalId proposal,
                                                std::span<const Property *const> properties,
                                                Regime regime, const CheckBudget &budget,
                                                bool default_config_only, int runs) {
  std::vector<std::optional<rc::Shrinkable<Scenario>>> first(properties.size());
  std::vector<const Property *> open(properties.begin(), properties.end());
  std::vector<std::size_t> open_index(properties.size());
  for (std::size_t p = 0; p < properties.size(); ++p)
    open_index[p] = p;
  const rc::Gen<Scenario> gen = scenario_gen(default_config_only, true);
  rc::Random random(stream_seed(budget.seed, proposal, regime, default_config_only));
  rc::Random mutation_random = random.split();
  ScenarioCorpus corpus;
  BootCache boots;
  const std::size_t longest_mutant = 2 * static_cast<std::size_t>(budget.max_size);
  // Keeps `scenario` as the first counterexample of each open property it violates, and
  // closes those properties.
  auto close_found = [&](const std::vector<std::string> &violations,
                         rc::Shrinkable<Scenario> scenario) {
    std::size_t kept = 0;
    for (std::size_t p = 0; p < open.size(); ++p) {
      if (violations[p].empty()) {
        open[kept] = open[p];
        open_index[kept++] = open_index[p];
      } else {
        first[open_index[p]] = scenario;
      }
    }
    open.resize(kept);
    open_index.resize(kept);
  };
  for (int i = 0; i < runs && !open.empty(); ++i) {
    // Even runs: a fresh scenario, sizes cycling through 0..max_size as RapidCheck spreads
    // them. Odd runs: a mutant of one that reached new coverage (scenario_corpus.hpp).
    const bool fresh = i % 2 == 0 || corpus.empty();
    rc::Shrinkable<Scenario> scenario =
        fresh ? gen(random.split(), i / 2 % (budget.max_size + 1))
              : shrinkable_scenario(
                    corpus.mutant(mutation_random, default_config_only, longest_mutant));
    const Scenario value = scenario.value();
    DrivenRun run = drive_watched(
        regime, value, boots.boot(proposal, budget_config(proposal, value.config, budget)), open,
        {.keep_steps = false, .coverage = true});
    corpus.add_if_new(value, run.features);
    close_found(run.violations, std::move(scenario));
  }
  // The seed corpus, for the properties still open (seed_corpus.hpp); a seed of another
  // configuration stays out of a stream of the default one.
  for (const SeedScenario &seed :
       budget.seeds ? seed_scenarios() : std::span<const SeedScenario>{}) {
    if (open.empty())
      break;
    Scenario value = scenario_from_code(seed.code);
    if (default_config_only && !is_default_choice(proposal, make_config(proposal, value.config)))
      continue;
    DrivenRun run = drive_watched(
        regime, value, boots.boot(proposal, budget_config(proposal, value.config, budget)), open,
        {.keep_steps = false, .coverage = false});
    close_found(run.violations, shrinkable_scenario(std::move(value)));
  }
  std::vector<std::optional<Trace>> traces(properties.size());
  for (std::size_t p = 0; p < properties.size(); ++p) {
    if (!first[p])
      continue;
    const Property &property = *properties[p];
    const Scenario minimal = shrink(proposal, property, regime, budget, boots, *first[p]);
    RunResult run = run_scenario(proposal, property, regime, minimal, budget, boots);
    traces[p] =
        check_trace(proposal, budget_config(proposal, minimal.config, budget), property, regime,
                    budget.seed, std::move(run.steps), std::move(run.violation), minimal);
  }
  return traces;
}

} // namespace trimcheck::props::detail
