#include "commands.hpp"
#include "json_document.hpp"
#include "kernel_fit.hpp"
#include "report_io.hpp"
#include "trace_file.hpp"
#include "vm_errors.hpp"

#include "trimcheck/conform/conform.hpp"
#include "trimcheck/props/check.hpp"

#include <filesystem>
#include <iostream>
#include <optional>

namespace trimcheck::cli {
namespace {

// What a replay found, for the terminal and for --json.
struct ReplayOutcome {
  bool reproduced = false;
  std::string summary; // one line: "does not reproduce: ..." or "reproduces on the kernel: ..."
  std::string detail;  // the trace or mismatch as text, or ""
  std::string violation;
  std::optional<std::size_t> mismatch_step; // kernel: the action where it differed
};

// Replays on a kernel in a VM. Throws std::invalid_argument for a trace that does not fit
// the kernel or that has steps no kernel can perform.
ReplayOutcome replay_on_kernel(const props::Trace &original, const std::string &kernel) {
  if (!std::filesystem::is_regular_file(kernel))
    throw vm::VmSetupError("kernel image not found: " + kernel);
  // The trace's configuration on both sides, on the kernel's base tree.
  props::Trace trace = original;
  trace.config = fit_to_kernel(kernel, trace.proposal, trace.config, std::nullopt,
                               "'" + trace.config.describe() + "' of the trace");
  const conform::KernelReplay replay =
      conform::replay_on_kernel(vm::VmOptions::defaults_for(kernel), trace);
  const auto &mismatch = replay.run.mismatch;
  ReplayOutcome outcome;
  if (mismatch)
    outcome.mismatch_step = mismatch->step;
  if (trace.property == "conform") {
    if (!mismatch) {
      outcome.summary = "does not reproduce: the kernel conforms to the model for these " +
                        std::to_string(replay.run.executed.size()) + " actions";
      return outcome;
    }
    outcome.reproduced = true;
    outcome.summary = "reproduces on the kernel:";
    outcome.detail = conform::render_mismatch(replay.run);
    outcome.violation = mismatch->what;
    return outcome;
  }
  if (mismatch) {
    outcome.summary = "does not reproduce as modelled: the kernel differs from the model at "
                      "action " +
                      std::to_string(mismatch->step) + ": " + mismatch->what;
    return outcome;
  }
  if (replay.skipped > 0)
    throw std::invalid_argument(replay.skipped_text());
  if (replay.violation.empty()) {
    outcome.summary = "does not reproduce: the kernel behaves as the model, and " + trace.property +
                      " holds on the run as the kernel performed it";
    return outcome;
  }
  props::Trace performed = replay.run.trace;
  performed.property = trace.property;
  performed.violation = replay.violation;
  outcome.reproduced = true;
  outcome.summary = "reproduces on the kernel: every observation equals the model's and " +
                    trace.property + " is violated";
  outcome.detail = props::render_text(performed);
  outcome.violation = replay.violation;
  return outcome;
}

ReplayOutcome replay_on_model(props::Trace trace) {
  if (trace.property == "conform")
    throw props::TraceFormatError("a conform trace is replayed with --kernel BZIMAGE");
  ReplayOutcome outcome;
  outcome.violation = props::replay(trace);
  if (outcome.violation.empty()) {
    outcome.summary = "does not reproduce: " + trace.property + " holds on " +
                      std::string(model::proposal_info(trace.proposal).key) + " for these " +
                      std::to_string(trace.steps.size()) + " steps";
    return outcome;
  }
  outcome.reproduced = true;
  trace.violation = outcome.violation;
  outcome.detail = props::render_text(trace);
  return outcome;
}

nlohmann::json outcome_json(const std::string &path, const props::Trace &trace, bool on_kernel,
                            const ReplayOutcome &outcome) {
  return json_document(
      "replay", {{"trace", path},
                 {"proposal", model::proposal_info(trace.proposal).key},
                 {"property", trace.property},
                 {"trace_length", trace.steps.size()},
                 {"found_in", found_in_json(&trace)},
                 {"on", on_kernel ? "kernel" : "model"},
                 {"reproduced", outcome.reproduced},
                 {"summary", outcome.summary},
                 {"violation",
                  outcome.violation.empty() ? nlohmann::json() : nlohmann::json(outcome.violation)},
                 {"mismatch_step", outcome.mismatch_step ? nlohmann::json(*outcome.mismatch_step)
                                                         : nlohmann::json()}});
}

} // namespace

void add_replay(CLI::App &app, int &exit_code) {
  auto path = std::make_shared<std::string>();
  auto kernel = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto *cmd = app.add_subcommand(
      "replay", "Re-execute a trace (from check, explore or prove) on the model and report "
                "whether its violation still reproduces.");
  cmd->add_option("TRACE", *path,
                  "Trace file (JSON, docs/trace-format.md; gzip-compressed too), or a kernel\n"
                  "confirmation file of confirm (its trace is replayed)")
      ->required();
  cmd->add_option("--kernel", *kernel,
                  "Replay on this bzImage in a VM (QEMU + swtpm) next to the model instead");
  cmd->footer(with_example_ids(
      "Examples:\n  trimcheck replay trimcheck-out/{newest-chen}-P5.json\n"
      "  trimcheck replay trimcheck-out/{baseline}-P14.json --kernel bzImage\n\n"
      "With --kernel the kernel must implement the trace's version; the finding\n"
      "reproduces when every kernel observation equals the model's and the property\n"
      "is violated (a conform trace: when the kernel still differs from the model).\n\n"
      "Exit codes: 1 the violation reproduces, 0 it no longer does, 2 the trace is\n"
      "malformed, a step is not possible, or QEMU refuses --kernel; 3 a VM this\n"
      "machine could not run (swtpm, a boot that did not reach the agent in time)."));
  add_json_flag(*cmd, *json, "the outcome");
  cmd->callback([path, kernel, json, &exit_code] {
    try {
      const props::Trace trace = read_trace_file(*path, "replay");
      std::optional<ReplayOutcome> outcome;
      if (kernel->empty())
        outcome = replay_on_model(trace);
      else
        exit_code = reporting_vm_errors("replay", [&] {
          outcome = replay_on_kernel(trace, *kernel);
          return kExitOk;
        });
      if (!outcome)
        return; // the VM could not run; reported
      if (*json)
        std::cout << outcome_json(*path, trace, !kernel->empty(), *outcome).dump(2) << "\n";
      else
        std::cout << (outcome->summary.empty() ? "" : outcome->summary + "\n") << outcome->detail;
      exit_code = outcome->reproduced ? kExitFinding : kExitOk;
    } catch (const props::TraceFormatError &error) {
      std::cerr << "trimcheck replay: " << *path << ": " << error.what() << "\n";
      exit_code = kExitBadInput;
    } catch (const std::invalid_argument &error) {
      std::cerr << "trimcheck replay: " << *path << ": " << error.what() << "\n";
      exit_code = kExitBadInput;
    } catch (const std::runtime_error &error) { // unreadable, corrupt gzip, not JSON
      std::cerr << "trimcheck replay: " << error.what() << "\n";
      exit_code = kExitBadInput;
    }
  });
}

} // namespace trimcheck::cli
