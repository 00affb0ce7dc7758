// Kernel confirmation of check's counterexamples: a violated or conditional cell's trace
// replayed on a kernel of that version, with the kernel's answer to every question
// recorded (a transcript), so that the outcome is data a report can show and CI can
// recompute from the current model without a VM (docs/vm.md, "Kernel confirmation").
//
// The outcome says how far the kernel follows the model's counterexample:
//   reproduced      every observation equals the model's and the property is violated on
//                   the run as the kernel performed it; for a use after free the model
//                   predicts, the kernel reported it (KASAN, Oops) at that step
//   reached         the kernel agrees with every observation up to the model's use after
//                   free and reports nothing there (a kernel without KASAN)
//   not_reproduced  the kernel agrees with the model and the property holds on its run
//                   (the trace needs something this kernel's configuration lacks)
//   kernel_differs  the kernel answers differently from the model at a step
//   kernel_crashed  the kernel crashed or hung at a step where the model predicts no
//                   memory fault
//   not_replayable  the trace holds a step no kernel can perform, none of the kernels
//                   given has the build the trace's configuration needs, or the violation
//                   needs calls issued while another call is blocked (a kexec execute, a
//                   blocked write), which a VM runs to completion
#pragma once

#include "trimcheck/conform/conform.hpp"
#include "trimcheck/conform/transcript.hpp"
#include "trimcheck/props/check.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace trimcheck::conform {

enum class ConfirmOutcome : std::uint8_t {
  reproduced,
  reached,
  not_reproduced,
  kernel_differs,
  kernel_crashed,
  not_replayable,
};
// "reproduced", "reached", "not-reproduced", "kernel-differs", "kernel-crashed",
// "not-replayable"
std::string_view confirm_outcome_name(ConfirmOutcome outcome);
std::optional<ConfirmOutcome> confirm_outcome_from_name(std::string_view name);

// One cell's counterexample on one kernel.
struct Confirmation {
  static constexpr int kFormatVersion = 1;
  props::Verdict verdict = props::Verdict::violated; // check's verdict of the cell
  props::Trace trace; // as replayed: the check trace with the kernel's configuration
  ConfirmOutcome outcome = ConfirmOutcome::not_replayable;
  std::size_t step = 0; // the kernel action it is about (1-based; 0: none or boot)
  std::string detail;   // one line: the difference, the crash, or why not replayable
  // The kernel's answers (absent when no kernel ran the trace). Its `kernel` names it.
  std::optional<Transcript> transcript;
};

// The outcome of a finished replay of `trace` (its config already fitted to the kernel).
Confirmation classify(const props::Trace &trace, props::Verdict verdict,
                      const KernelReplay &replay);

// Replays `trace` on `kernel` (fresh) and classifies it; with a RecordingKernel as
// `kernel` the caller keeps the transcript.
Confirmation confirm_on(KernelUnderTest &kernel, const props::Trace &trace, props::Verdict verdict);

// Recomputes a recorded confirmation from its transcript and the current model; throws
// TranscriptMismatchError if the model's run now asks what the kernel was not asked.
Confirmation reconfirm(const Confirmation &recorded, const std::string &source);

// JSON (docs/vm.md): format "trimcheck-kernel-confirmation", the cell, the outcome, the
// trace and the transcript. Files are gzip-compressed like transcripts.
nlohmann::ordered_json to_json(const Confirmation &confirmation);
// Throws TranscriptFormatError "<json path>: <problem>".
Confirmation confirmation_from_json(const nlohmann::json &json);
void write_confirmation(const std::filesystem::path &file, const Confirmation &confirmation);
// Throws TranscriptFormatError "<file>: <json path>: <problem>".
Confirmation read_confirmation(const std::filesystem::path &file);
// <proposal>-<property>.json.gz
std::string confirmation_file_name(const Confirmation &confirmation);

} // namespace trimcheck::conform
