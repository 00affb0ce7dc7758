#include "trimcheck/conform/conform.hpp"
#include "trimcheck/conform/detail/compare.hpp"
#include "trimcheck/conform/kernel_setup.hpp"
#include "trimcheck/props/actor.hpp"
#include "trimcheck/props/check.hpp"
#include "trimcheck/vm/kernel.hpp"

namespace trimcheck::conform {
namespace {

// The trace's calls in order, each with the call (of another process) the trace left
// blocked when it issued it, if any; `visit(step, blocked)` returns true to stop there.
template <typename Visit> void walk_calls(const props::Trace &trace, Visit visit) {
  std::vector<const props::TraceStep *> blocked; // calls issued and not yet returned
  for (const props::TraceStep &step : trace.steps) {
    const auto *action = std::get_if<model::Action>(&step.action);
    if (action == nullptr)
      continue;
    if (const auto *resumed = std::get_if<model::Continue>(action)) {
      if (step.outcome.done)
        std::erase_if(blocked, [&](const props::TraceStep *call) {
          return props::actor_of(call->action) == resumed->pid;
        });
      continue;
    }
    if (visit(step, blocked.empty() ? nullptr : blocked.front()))
      return;
    if (!step.outcome.done)
      blocked.push_back(&step);
  }
}

std::string issued_while(const props::TraceStep &step, const props::TraceStep *blocked) {
  std::string text = "'" + props::describe(step.action) + "'";
  if (blocked != nullptr)
    text += " issued while '" + props::describe(blocked->action) + "' was blocked";
  return text;
}

// The first trace action the kernel's run left out (`executed` is the rest, in order), and
// the call the trace left blocked when it issued that action, if any.
std::string why_refused(const props::Trace &trace, const std::vector<model::Action> &executed) {
  std::string why;
  std::size_t next = 0;
  walk_calls(trace, [&](const props::TraceStep &step, const props::TraceStep *blocked) {
    if (next < executed.size() && executed[next] == std::get<model::Action>(step.action)) {
      ++next;
      return false;
    }
    why = "first: " + issued_while(step, blocked);
    if (blocked != nullptr)
      why += ": a VM runs each call to completion, after which it is not possible";
    return true;
  });
  return why;
}

// The first call the trace issues while another process's call is blocked, if any.
std::string first_interleaving(const props::Trace &trace) {
  std::string found;
  walk_calls(trace, [&](const props::TraceStep &step, const props::TraceStep *blocked) {
    if (blocked == nullptr)
      return false;
    found = issued_while(step, blocked);
    return true;
  });
  return found;
}

} // namespace

std::string KernelReplay::skipped_text() const {
  return std::to_string(skipped) + " step(s) of the trace are not possible on the kernel's run (" +
         skipped_why + ")";
}

KernelReplay replay_on_kernel(const vm::VmOptions &vm, const props::Trace &trace) {
  LiveKernel kernel(vm_options(vm, trace.proposal, trace.config));
  return replay_on_kernel(kernel, trace);
}

KernelReplay replay_on_kernel(KernelUnderTest &kernel, const props::Trace &trace) {
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
  replay.run = run_sequence(kernel, RunOptions{{}, trace.proposal, trace.config}, actions);
  RunResult &run = replay.run;
  if (!run.memory_event.empty() && !run.predicted_crash) {
    // A report printed while the faulting call returned normally shows at the next call.
    try {
      kernel.banks();
    } catch (const vm::VmFailure &failure) {
      if (failure.kind() == vm::VmFailure::Kind::kernel_crash)
        run.predicted_crash = failure.report();
    }
  }
  replay.interleaving = first_interleaving(trace);
  if (!run.mismatch && run.memory_event.empty()) {
    replay.skipped = actions.size() - run.executed.size();
    if (replay.skipped > 0)
      replay.skipped_why = why_refused(trace, run.executed);
  }
  if (trace.property != "conform" && !run.mismatch && run.executed.size() == actions.size()) {
    // The run as the kernel performed it, with the trace's user-space events (quotes).
    props::Trace performed = run.trace;
    performed.property = trace.property;
    performed.regime = trace.regime;
    performed.steps.clear();
    std::size_t action = 0, step = 0;
    for (const props::TraceStep &original : trace.steps) {
      const auto *model_action = std::get_if<model::Action>(&original.action);
      if (model_action == nullptr) {
        performed.steps.push_back(original);
      } else if (!std::holds_alternative<model::Continue>(*model_action)) {
        for (std::size_t i = 0; i < run.trace_steps.at(action); ++i)
          performed.steps.push_back(run.trace.steps.at(step++));
        ++action;
      }
    }
    try {
      replay.violation = props::replay(performed);
    } catch (const std::invalid_argument &error) {
      // E.g. a trace that steps inside a blocked call: the VM runs each call to completion.
      throw std::invalid_argument("the run as the kernel performed it (each call to completion) "
                                  "cannot be judged by " +
                                  trace.property + ": " + error.what());
    }
  }
  return replay;
}

std::vector<model::FirmwarePcr> vm_firmware_pcrs(const vm::VmOptions &vm,
                                                 model::ProposalId proposal,
                                                 const model::KernelConfig &config) {
  LiveKernel kernel(vm_options(vm, proposal, config));
  return detail::firmware_pcrs(kernel, config.banks);
}

std::string render_mismatch(const RunResult &result) {
  props::Trace trace = result.trace;
  trace.violation = result.mismatch ? result.mismatch->what : "";
  return props::render_text(trace);
}

} // namespace trimcheck::conform
