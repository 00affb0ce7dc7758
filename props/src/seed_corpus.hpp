// The seed corpus: minimal scenarios with which longer searches (more runs, other seeds)
// found counterexamples, run by every shared stream of `check` after its random scenarios,
// for the properties the stream has not yet found a counterexample of.
//
// Why: a cell whose counterexample a random stream finds in one run out of tens of
// thousands is found or missed by the stream's luck, so a change anywhere in the stream
// (a new kind of choice, a different mutation) flips it between holds and conditional
// although nothing about the version changed. Fuzzers keep such inputs in a regression
// corpus; so does check. A seed is input, not a verdict: it is interpreted and judged by
// the model as any generated scenario is (and shrunk the same way), so a model in which it
// no longer violates anything simply finds nothing with it. Seeds found on one version are
// run on every version (a version's successor often has the same race), and a scenario
// interpreted in another regime than the one it was found in is just another valid run.
//
// The seeds are written by `scripts/collect-seeds` from the traces of check runs
// (Trace::scenario) into props/seeds/seed_scenarios.inc; `check --no-seeds` leaves them out, to
// measure what the random streams alone find (bench/check-budget-gap).
#pragma once

#include <span>
#include <string_view>

namespace trimcheck::props::detail {

struct SeedScenario {
  std::string_view origin; // version, property and regime it was a counterexample of
  std::string_view code;   // scenario_code (scenario.hpp)
};

std::span<const SeedScenario> seed_scenarios();

} // namespace trimcheck::props::detail
