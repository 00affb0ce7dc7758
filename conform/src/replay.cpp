#include "trimcheck/conform/conform.hpp"
#include "trimcheck/props/check.hpp"
#include "trimcheck/vm/kernel.hpp"

namespace trimcheck::conform {

KernelReplay replay_on_kernel(const vm::VmOptions &vm, const props::Trace &trace) {
  std::vector<model::Action> actions;
  for (const props::TraceStep &step : trace.steps)
    if (const auto *action = std::get_if<model::Action>(&step.action)) {
      if (!vm::realisable(*action))
        throw std::invalid_argument("step '" + props::describe(step.action) +
                                    "' cannot be performed on a kernel");
      if (!std::holds_alternative<model::Continue>(*action))
        actions.push_back(*action);
    }
  KernelReplay replay;
  replay.run = run_sequence(RunOptions{vm, trace.proposal, trace.config}, actions);
  if (!replay.run.mismatch)
    replay.skipped = actions.size() - replay.run.executed.size();
  if (trace.property != "conform" && !replay.run.mismatch &&
      replay.run.executed.size() == actions.size()) {
    // The run as the kernel performed it, with the trace's user-space events (quotes).
    props::Trace performed = replay.run.trace;
    performed.property = trace.property;
    performed.regime = trace.regime;
    performed.steps.clear();
    std::size_t action = 0, step = 0;
    for (const props::TraceStep &original : trace.steps) {
      const auto *model_action = std::get_if<model::Action>(&original.action);
      if (model_action == nullptr) {
        performed.steps.push_back(original);
      } else if (!std::holds_alternative<model::Continue>(*model_action)) {
        for (std::size_t i = 0; i < replay.run.trace_steps.at(action); ++i)
          performed.steps.push_back(replay.run.trace.steps.at(step++));
        ++action;
      }
    }
    replay.violation = props::replay(performed);
  }
  return replay;
}

std::string render_mismatch(const RunResult &result) {
  props::Trace trace = result.trace;
  trace.violation = result.mismatch ? result.mismatch->what : "";
  return props::render_text(trace);
}

} // namespace trimcheck::conform
