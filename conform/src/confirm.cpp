#include "trimcheck/conform/confirm.hpp"

#include <array>

namespace trimcheck::conform {
namespace {

constexpr std::array<std::pair<ConfirmOutcome, std::string_view>, 6> kOutcomeNames{{
    {ConfirmOutcome::reproduced, "reproduced"},
    {ConfirmOutcome::reached, "reached"},
    {ConfirmOutcome::not_reproduced, "not-reproduced"},
    {ConfirmOutcome::kernel_differs, "kernel-differs"},
    {ConfirmOutcome::kernel_crashed, "kernel-crashed"},
    {ConfirmOutcome::not_replayable, "not-replayable"},
}};

// The first line of a (multi-line) report, shortened for a table cell.
std::string first_line(const std::string &text) {
  std::string line = text.substr(0, text.find('\n'));
  constexpr std::size_t kLimit = 160;
  if (line.size() > kLimit)
    line = line.substr(0, kLimit - 3) + "...";
  return line;
}

bool is_guest_failure(const std::string &category) {
  return category == "kernel-crash" || category == "hung" || category == "agent";
}

} // namespace

std::string_view confirm_outcome_name(ConfirmOutcome outcome) {
  for (const auto &[value, name] : kOutcomeNames)
    if (value == outcome)
      return name;
  return "unknown";
}

std::optional<ConfirmOutcome> confirm_outcome_from_name(std::string_view name) {
  for (const auto &[value, known] : kOutcomeNames)
    if (known == name)
      return value;
  return std::nullopt;
}

Confirmation classify(const props::Trace &trace, props::Verdict verdict,
                      const KernelReplay &replay) {
  Confirmation confirmation;
  confirmation.verdict = verdict;
  confirmation.trace = trace;
  const RunResult &run = replay.run;
  if (const auto &mismatch = run.mismatch) {
    confirmation.step = mismatch->step;
    confirmation.detail = first_line(mismatch->what);
    confirmation.outcome = is_guest_failure(mismatch->category) ? ConfirmOutcome::kernel_crashed
                                                                : ConfirmOutcome::kernel_differs;
    return confirmation;
  }
  if (!run.memory_event.empty()) {
    confirmation.step = run.executed.size();
    if (run.predicted_crash) {
      confirmation.outcome = ConfirmOutcome::reproduced;
      confirmation.detail = "the kernel reported the model's fault (" + run.memory_event +
                            "): " + first_line(*run.predicted_crash);
    } else {
      confirmation.outcome = ConfirmOutcome::reached;
      confirmation.detail = "every observation equal up to the model's fault (" + run.memory_event +
                            "); the kernel reported nothing (no KASAN)";
    }
    return confirmation;
  }
  if (replay.skipped > 0) {
    confirmation.outcome = ConfirmOutcome::not_replayable;
    confirmation.detail = replay.skipped_text();
    return confirmation;
  }
  confirmation.step = run.executed.size();
  if (!replay.violation.empty()) {
    confirmation.outcome = ConfirmOutcome::reproduced;
    confirmation.detail = first_line(replay.violation);
    return confirmation;
  }
  // The property holds on the kernel's run. Either the kernel's configuration (its firmware
  // PCRs, its clock, its build) takes the violation away, or the trace's order does: the
  // model in the trace's order with the kernel's configuration tells which.
  props::Trace with_kernels_config = trace;
  with_kernels_config.config = run.trace.config;
  std::string in_trace_order;
  try {
    in_trace_order = props::replay(with_kernels_config);
  } catch (const std::invalid_argument &) { // a step the kernel's configuration refuses
  }
  if (in_trace_order.empty()) {
    confirmation.outcome = ConfirmOutcome::not_reproduced;
    confirmation.detail = "the model agrees: with this kernel's configuration (" +
                          run.trace.config.describe() + ") the trace does not violate " +
                          trace.property;
  } else if (!replay.interleaving.empty()) {
    confirmation.outcome = ConfirmOutcome::not_replayable;
    confirmation.detail = "every observation equal to the model's, but " + trace.property +
                          " needs the trace's order: " + replay.interleaving +
                          ", and a VM runs each call to completion (on its run the property holds)";
  } else {
    confirmation.outcome = ConfirmOutcome::not_reproduced;
    confirmation.detail = "every observation equal to the model's, but " + trace.property +
                          " holds on the run as the kernel performed it";
  }
  return confirmation;
}

Confirmation confirm_on(KernelUnderTest &kernel, const props::Trace &trace,
                        props::Verdict verdict) {
  return classify(trace, verdict, replay_on_kernel(kernel, trace));
}

Confirmation reconfirm(const Confirmation &recorded, const std::string &source) {
  if (!recorded.transcript)
    return recorded; // nothing was asked of a kernel: nothing to recompute
  TranscriptKernel kernel(*recorded.transcript, source);
  Confirmation again = confirm_on(kernel, recorded.trace, recorded.verdict);
  // A run the current model ends at a mismatch stops early: that is the new outcome. Any
  // other run must ask exactly what the recorded run asked.
  if (again.outcome != ConfirmOutcome::kernel_differs &&
      again.outcome != ConfirmOutcome::kernel_crashed)
    kernel.expect_all_asked();
  again.transcript = recorded.transcript;
  return again;
}

} // namespace trimcheck::conform
