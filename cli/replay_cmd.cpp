#include "commands.hpp"
#include "kernel_fit.hpp"
#include "vm_errors.hpp"

#include "trimcheck/conform/conform.hpp"
#include "trimcheck/conform/detail/compressed_file.hpp"
#include "trimcheck/props/check.hpp"

#include <filesystem>
#include <iostream>

namespace trimcheck::cli {
namespace {

// Replays on a kernel in a VM: 1 if the kernel shows the trace's finding.
int replay_on_kernel(const props::Trace &original, const std::string &kernel) {
  if (!std::filesystem::is_regular_file(kernel)) {
    std::cerr << "trimcheck replay: kernel image not found: " << kernel << "\n";
    return kExitBadInput;
  }
  // The trace's configuration on both sides, on the kernel's base tree.
  props::Trace trace = original;
  try {
    trace.config = fit_to_kernel(kernel, trace.proposal, trace.config, std::nullopt,
                                 "'" + trace.config.describe() + "' of the trace");
  } catch (const std::invalid_argument &error) {
    std::cerr << "trimcheck replay: " << error.what() << "\n";
    return kExitBadInput;
  }
  const conform::KernelReplay replay =
      conform::replay_on_kernel(vm::VmOptions::defaults_for(kernel), trace);
  const auto &mismatch = replay.run.mismatch;
  if (trace.property == "conform") {
    if (!mismatch) {
      std::cout << "does not reproduce: the kernel conforms to the model for these "
                << replay.run.executed.size() << " actions\n";
      return kExitOk;
    }
    std::cout << "reproduces on the kernel:\n" << conform::render_mismatch(replay.run);
    return kExitFinding;
  }
  if (mismatch) {
    std::cout << "does not reproduce as modelled: the kernel differs from the model at action "
              << mismatch->step << ": " << mismatch->what << "\n";
    return kExitOk;
  }
  if (replay.skipped > 0) {
    std::cerr << "trimcheck replay: " << replay.skipped_text() << "\n";
    return kExitBadInput;
  }
  if (replay.violation.empty()) {
    std::cout << "does not reproduce: the kernel behaves as the model, and " << trace.property
              << " holds on the run as the kernel performed it\n";
    return kExitOk;
  }
  props::Trace performed = replay.run.trace;
  performed.property = trace.property;
  performed.violation = replay.violation;
  std::cout << "reproduces on the kernel: every observation equals the model's and "
            << trace.property << " is violated\n"
            << props::render_text(performed);
  return kExitFinding;
}

// The trace in `path`: a trace file, or the trace of a kernel confirmation (confirm);
// either may be gzip-compressed. Throws TraceFormatError for a malformed trace and
// std::runtime_error naming the file when it cannot be read as JSON.
props::Trace read_trace(const std::string &path) {
  nlohmann::json json = conform::detail::read_json_file(path);
  if (json.is_object() && json.value("format", "") == "trimcheck-kernel-confirmation") {
    if (!json.contains("trace"))
      throw props::TraceFormatError("a kernel confirmation without \"trace\"");
    std::cerr << "trimcheck replay: the trace of the kernel confirmation in " << path << "\n";
    json = json["trace"];
  }
  return props::trace_from_json(json);
}

} // namespace

void add_replay(CLI::App &app, int &exit_code) {
  auto path = std::make_shared<std::string>();
  auto kernel = std::make_shared<std::string>();
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
      "malformed, a step is not possible, or the VM could not be started."));
  cmd->callback([path, kernel, &exit_code] {
    try {
      props::Trace trace = read_trace(*path);
      if (!kernel->empty()) {
        exit_code = reporting_vm_errors("replay", [&] { return replay_on_kernel(trace, *kernel); });
        return;
      }
      if (trace.property == "conform")
        throw props::TraceFormatError("a conform trace is replayed with --kernel BZIMAGE");
      const std::string violation = props::replay(trace);
      if (violation.empty()) {
        std::cout << "does not reproduce: " << trace.property << " holds on "
                  << model::proposal_info(trace.proposal).key << " for these " << trace.steps.size()
                  << " steps\n";
        exit_code = kExitOk;
        return;
      }
      trace.violation = violation;
      std::cout << props::render_text(trace);
      exit_code = kExitFinding;
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
