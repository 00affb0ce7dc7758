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

// The monitors of several properties watching one run, step by step. Each stops at its
// first violation, and, unless it judges memory itself, after the step past which the
// kernel's behaviour is undefined.
class RunWatch {
public:
  RunWatch(std::span<const Property *const> properties, const model::KernelState &booted);
  void observe(const model::KernelState &state, const TraceAction &action, const StepResult &step);
  bool done() const { return watching_ == 0; }
  std::vector<std::string> violations; // per property; empty: none

private:
  std::vector<std::unique_ptr<Monitor>> monitors_;
  std::size_t watching_ = 0;
};

// `actions` run once from boot under several properties' monitors (RunWatch); the run
// stops when every monitor has. run_actions is this with one property.
struct WatchedRun {
  std::vector<TraceStep> steps;        // only if asked for
  std::vector<std::string> violations; // per property; empty: none
  std::string invalid;                 // an action the state did not allow
};
WatchedRun watch_actions(model::ProposalId proposal, const model::KernelConfig &config,
                         std::span<const Property *const> properties,
                         std::span<const TraceAction> actions, bool keep_steps);

} // namespace trimcheck::props::detail
