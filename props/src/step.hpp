// One step of a run: apply an action to the model and derive the facts every monitor
// sees (StepFacts). Shared by run_actions (check, replay) and explore, so that both judge
// a step from exactly the same facts.
#pragma once

#include "trimcheck/props/property.hpp"

namespace trimcheck::props::detail {

struct StepResult {
  model::Outcome outcome;
  StepFacts facts;
};

// Throws std::invalid_argument (from model::apply) if the state does not allow the action.
StepResult perform_step(model::KernelState &state, const TraceAction &action, std::size_t index);

} // namespace trimcheck::props::detail
