// One stream of scenarios judged by every property of a version at once.
//
// Why: `check` first searches each (version, property, regime) on its own, 2000 scenarios
// each. Most of a run's cost is generating the scenario and simulating the kernel, not the
// monitor, so a scenario judged by one property is mostly wasted on the others. A shared
// stream simulates each scenario once (scenario_run.hpp) and lets every property's monitor
// watch it: for about the cost of a few per-property searches, each property sees ten times
// as many scenarios (issue 17: the default check must find what longer searches find).
//
// Half of a stream's scenarios are fresh (RapidCheck's generator, with swarm testing), the
// other half mutants of scenarios that reached new coverage (scenario_corpus.hpp): deep
// states that need a long list, a kexec before a removal or several removals in a row are
// a few mutations away from a scenario that got half way, and rare among fresh ones.
// After its random scenarios, a stream runs the seed corpus (seed_corpus.hpp) for the
// properties it has found nothing for.
//
// Determinism: the stream's seed depends on the user's seed, the version, the regime and
// the configuration mode, never on which properties watch it; what the corpus keeps is
// decided by the whole scenario's coverage, never by the monitors; and a property's
// counterexample is the first scenario of the stream that violates it, shrunk with that
// property alone. So a property's result is the same whether it is checked alone, with
// all the others, in any worker or shard.
#pragma once

#include "trimcheck/props/check.hpp"
#include "trimcheck/props/scenario.hpp"

#include <span>

namespace trimcheck::props::detail {

// For each property (in order): the shrunk counterexample of the first of `runs`
// scenarios (then of the seeds, if budget.seeds) that violates it, if any.
std::vector<std::optional<Trace>> search_shared(model::ProposalId proposal,
                                                std::span<const Property *const> properties,
                                                Regime regime, const CheckBudget &budget,
                                                bool default_config_only, int runs);

// The configuration a scenario runs on: its choice on the budget's base tree (a series
// only: each baseline is its own tree), with the budget's firmware PCRs.
model::KernelConfig budget_config(model::ProposalId proposal, const ConfigChoice &choice,
                                  const CheckBudget &budget);

class BootCache; // scenario_run.hpp

// What a scenario does under one property, with its steps kept: the steps, and the
// violation if any (a run is a function of its scenario and boot).
RunResult run_scenario(model::ProposalId proposal, const Property &property, Regime regime,
                       const Scenario &scenario, const CheckBudget &budget, BootCache &boots);

} // namespace trimcheck::props::detail
