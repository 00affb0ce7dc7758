// The scenarios of a stream that reached new coverage, and the mutants bred from them.
//
// Why: fresh random scenarios of check's streams are short on average (their length cycles
// through 0..--max-size) and mix every kind of choice, so a state that needs a long run of
// one kind (thirty measurements before a kexec load) or a precise order (kexec, then read
// and trim) is rare among them. A coverage-guided search keeps each scenario that reached
// a feature (scenario_run.hpp) no earlier one reached and spends part of the stream
// on small changes of those: appended, inserted, repeated or removed choices, a splice of
// two of them, another swarm or configuration. Each kept scenario is a step toward deeper
// states, and the next mutation starts from there.
//
// Determinism: which scenarios are kept depends only on the stream's scenarios (never on
// the properties watching), and every random decision comes from the stream's generator,
// so a stream is the same sequence whatever watches it (shared_search.hpp).
#pragma once

#include "trimcheck/props/scenario.hpp"

#include <rapidcheck.h>

#include <cstdint>
#include <span>
#include <unordered_set>
#include <vector>

namespace trimcheck::props::detail {

class ScenarioCorpus {
public:
  // Keeps `scenario` if one of `features` is new to the corpus; whether it was kept.
  bool add_if_new(const Scenario &scenario, std::span<const std::uint64_t> features);
  bool empty() const { return kept_.empty(); }
  std::size_t size() const { return kept_.size(); }
  // A mutant of a kept scenario, at most `max_choices` long; the configuration stays the
  // default one when `default_config_only`.
  Scenario mutant(rc::Random &random, bool default_config_only, std::size_t max_choices) const;

private:
  std::unordered_set<std::uint64_t> seen_;
  std::vector<Scenario> kept_;
};

// A scenario made by mutation, with shrinks as RapidCheck's for a generated one: first
// every kind kept, then each configuration flag off, then fewer choices, then each
// choice's fields toward 0.
rc::Shrinkable<Scenario> shrinkable_scenario(Scenario scenario);

} // namespace trimcheck::props::detail
