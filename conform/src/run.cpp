// One sequence on a fresh VM and on the model, observation by observation.
#include "trimcheck/conform/conform.hpp"
#include "trimcheck/conform/detail/compare.hpp"
#include "trimcheck/conform/kernel_setup.hpp"

namespace trimcheck::conform {
namespace {

using namespace model;

Pid caller_of(const Action &action) {
  if (const auto *read = std::get_if<Read>(&action))
    return read->pid;
  if (const auto *write = std::get_if<Write>(&action))
    return write->pid;
  return 0;
}

// The model steps of one action as the kernel performs it: the realised actions, each
// continued until its call returns. Throws std::invalid_argument if not possible.
Outcome model_steps(KernelState &state, const Action &action, std::vector<props::TraceStep> &out) {
  Outcome first;
  bool have_first = false;
  for (const Action &part : vm::realised(action)) {
    Outcome outcome = apply(state, part);
    out.push_back({part, outcome});
    while (!outcome.done) {
      const Action next = Continue{caller_of(part)};
      outcome = apply(state, next);
      out.push_back({next, outcome});
    }
    if (!have_first) {
      first = outcome;
      have_first = true;
    }
  }
  return first;
}

std::string category_of(const std::string &difference) {
  for (const char *name : {"runtime_measurements_count", "violations", "PCR"})
    if (difference.rfind(name, 0) == 0)
      return name == std::string("runtime_measurements_count") ? "count"
             : name == std::string("PCR")                      ? "pcr"
                                                               : "violations";
  return "list";
}

// Clock readings the model took from its own clock that the kernel's have not replaced.
std::size_t unlearned_readings(const KernelState &state) {
  const std::size_t known = state.config.wall_clock.size();
  return state.clock_reads > known ? state.clock_reads - known : 0;
}

// The run so far again on the model, now with the kernel's clock readings: every trace
// step re-applied from boot (same actions, the records' times and so the PCRs change).
KernelState rerun(props::Trace &trace) {
  KernelState state = boot(trace.proposal, trace.config);
  for (props::TraceStep &step : trace.steps)
    step.outcome = model::apply(state, std::get<Action>(step.action));
  return state;
}

// One executed action's part of the coverage: `before` is the model state before it.
void cover(Coverage &coverage, const KernelState &before, const KernelState &after,
           const Action &action, const Outcome &outcome) {
  ++coverage.actions;
  if (std::holds_alternative<Write>(action) && outcome.ret >= 0)
    ++coverage.accepted_writes;
  if (outcome.ret < 0 && !std::holds_alternative<Measure>(action) &&
      !std::holds_alternative<MeasureViolation>(action)) {
    ++coverage.errors[return_text(outcome.ret)];
  }
  if (std::holds_alternative<KexecExecute>(action)) {
    ++coverage.kexecs;
    if (!before.staged.empty() || !before.ghost.del.empty())
      ++coverage.kexecs_after_removal;
  }
  // Del is per kernel: count what this action added to it in the same kernel.
  if (after.ghost.boot == before.ghost.boot && after.ghost.del.size() > before.ghost.del.size())
    coverage.records_removed += after.ghost.del.size() - before.ghost.del.size();
}

// "after measure /f0: use-after-free in ima_lookup_digest_entry"
std::string memory_event_text(const Action &action, const MemEvent &event) {
  return "after " + describe(action) + ": " + std::string(mem_event_name(event.kind)) + " in " +
         event.where;
}

} // namespace

RunResult run_sequence(const RunOptions &options, const std::vector<Action> &actions) {
  LiveKernel kernel(vm_options(options.vm, options.proposal, options.config));
  return run_sequence(kernel, options, actions);
}

RunResult run_sequence(KernelUnderTest &kernel, const RunOptions &options,
                       const std::vector<Action> &actions) {
  RunResult result;
  result.coverage.runs = 1;
  result.trace.proposal = options.proposal;
  result.trace.config = options.config;
  result.trace.property = "conform";
  result.trace.regime = props::Regime::arbitrary;
  result.trace.source = "conform";
  KernelState state;
  try {
    std::vector<HashAlgo> expected_banks;
    for (const TpmBank &bank : options.config.banks.tpm_banks)
      expected_banks.push_back(bank.algo);
    if (kernel.banks() != expected_banks)
      throw vm::VmSetupError("the TPM's PCR banks differ from the model's bank layout",
                             vm::VmSetupError::Cause::environment);
    // The model's TPM starts as the kernel's firmware left it. A trace that assumed other
    // firmware (its PCR values then are not the kernel's) cannot be replayed here; one that
    // names none (older traces, check without confirm) takes the kernel's.
    const auto firmware = detail::firmware_pcrs(kernel, options.config.banks);
    if (!options.config.firmware_pcrs.empty() && options.config.firmware_pcrs != firmware) {
      result.mismatch = Mismatch{0, "firmware",
                                 "after boot: the trace assumes firmware PCRs other than the "
                                 "ones the kernel's TPM holds (PCRs 0-9)"};
      return result;
    }
    result.trace.config.firmware_pcrs = firmware;
    state = boot(options.proposal, result.trace.config);
    if (auto difference = detail::compare_state(kernel, state)) {
      result.mismatch = Mismatch{0, category_of(*difference), "after boot: " + *difference};
      return result;
    }
    for (const Action &action : actions) {
      if (!vm::realisable(action) || std::holds_alternative<Continue>(action))
        continue;
      KernelState next = state;
      std::vector<props::TraceStep> steps;
      Outcome expected;
      try {
        expected = model_steps(next, action, steps);
      } catch (const std::invalid_argument &) {
        continue; // not possible in this state (e.g. after a shrink removed its cause)
      }
      result.executed.push_back(action);
      cover(result.coverage, state, next, action, expected);
      state = std::move(next);
      result.trace.steps.insert(result.trace.steps.end(), steps.begin(), steps.end());
      result.trace_steps.push_back(steps.size());
      const std::size_t index = result.executed.size();
      const KernelAnswer observed = kernel.apply(action);
      if (const MemEvent *event = first_undefined_event(state)) {
        // From here on the kernel has read freed memory (or corrupted a list): what it
        // answers is undefined, a crash included. The model predicts that much; nothing
        // later is compared.
        result.coverage.memory_unsafe = 1;
        result.memory_event = memory_event_text(action, *event);
        return result;
      }
      // A measurement's result (appended, or -EEXIST for a duplicate) is internal to the
      // kernel: it shows in the list, the counters and the PCRs compared below.
      const bool internal = std::holds_alternative<Measure>(action) ||
                            std::holds_alternative<MeasureViolation>(action);
      if (auto difference = internal ? std::nullopt : detail::compare_outcome(observed, expected)) {
        result.mismatch = Mismatch{index, "return", describe(action) + " " + *difference};
        return result;
      }
      if (const std::size_t wanted = unlearned_readings(state); wanted > 0) {
        const auto learned = detail::kernel_clock_readings(kernel, state, wanted);
        if (!learned)
          continue; // the list is refused now: learn, and compare, once it is readable
        if (!learned->error.empty()) {
          result.mismatch =
              Mismatch{index, "clock", "after " + describe(action) + ": " + learned->error};
          return result;
        }
        std::vector<std::uint64_t> &clock = result.trace.config.wall_clock;
        clock.insert(clock.end(), learned->readings.begin(), learned->readings.end());
        state = rerun(result.trace);
      }
      if (auto difference = detail::compare_state(kernel, state)) {
        result.mismatch = Mismatch{index, category_of(*difference),
                                   "after " + describe(action) + ": " + *difference};
        return result;
      }
    }
  } catch (const vm::VmFailure &failure) {
    const MemEvent *event = first_undefined_event(state);
    if (failure.kind() == vm::VmFailure::Kind::kernel_crash && event != nullptr) {
      result.coverage.memory_unsafe = 1;
      result.memory_event = memory_event_text(result.executed.back(), *event);
      result.predicted_crash = failure.report();
    } else
      result.mismatch = Mismatch{result.executed.size(), std::string(failure.kind_name()),
                                 std::string(failure.kind_name()) + ": " + failure.report()};
  }
  return result;
}

void Coverage::add(const Coverage &other) {
  runs += other.runs;
  actions += other.actions;
  accepted_writes += other.accepted_writes;
  records_removed += other.records_removed;
  kexecs += other.kexecs;
  kexecs_after_removal += other.kexecs_after_removal;
  memory_unsafe += other.memory_unsafe;
  for (const auto &[name, count] : other.errors)
    errors[name] += count;
}

std::string Coverage::line() const {
  std::string out = std::to_string(runs) + " runs, " + std::to_string(actions) + " actions, " +
                    std::to_string(accepted_writes) + " accepted writes, " +
                    std::to_string(records_removed) + " records removed, " +
                    std::to_string(kexecs) + " kexecs (" + std::to_string(kexecs_after_removal) +
                    " after staging or removal), " + std::to_string(memory_unsafe) +
                    " ended by a predicted use after free, errors:";
  if (errors.empty())
    return out + " none";
  for (const auto &[name, count] : errors)
    out += " " + name + " " + std::to_string(count);
  return out;
}

} // namespace trimcheck::conform
