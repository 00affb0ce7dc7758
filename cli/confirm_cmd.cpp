// `trimcheck confirm`: check's counterexamples of one version replayed on its kernels,
// each outcome written as a confirmation file (the trace, the outcome, the kernel's
// answers); `--recheck` recomputes recorded confirmations from the current model, no VM.
#include "check_run.hpp"
#include "commands.hpp"
#include "conform_transcripts.hpp"
#include "json_document.hpp"
#include "kernel_fit.hpp"
#include "report_io.hpp"
#include "vm_errors.hpp"

#include "trimcheck/conform/confirm.hpp"
#include "trimcheck/conform/kernel_setup.hpp"
#include "trimcheck/props/scenario.hpp"

#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace trimcheck::cli {
namespace {

namespace fs = std::filesystem;

struct ConfirmArgs {
  CheckRunOptions run;
  std::vector<std::string> kernels;
  std::string out = "trimcheck-out/confirmations";
  std::string kernel_info;
  std::vector<std::string> recheck;
  bool rewrite = false;
  bool json = false;
};

// "reproduced at step 7: ..." for a progress line.
std::string outcome_line(const conform::Confirmation &confirmation) {
  std::string line(conform::confirm_outcome_name(confirmation.outcome));
  if (confirmation.step > 0)
    line += " at step " + std::to_string(confirmation.step);
  return line + (confirmation.detail.empty() ? "" : ": " + confirmation.detail);
}

// The first kernel whose build runs the trace's configuration, with the trace fitted to
// it; or the reasons none does.
struct FittedTrace {
  std::optional<std::string> kernel;
  props::Trace trace;
  std::string why_none;
};

FittedTrace fit(const std::vector<std::string> &kernels, const props::Trace &trace) {
  FittedTrace fitted{std::nullopt, trace, ""};
  std::set<std::string> reasons;
  for (const std::string &kernel : kernels) {
    try {
      fitted.trace.config = fit_to_kernel(kernel, trace.proposal, trace.config, std::nullopt,
                                          "'" + trace.config.describe() + "' of the trace");
      fitted.kernel = kernel;
      return fitted;
    } catch (const std::invalid_argument &) {
      // Recorded without the kernel's path: "the kernel lacks CONFIG_X=y".
      const auto build = conform::read_kernel_build(kernel);
      if (build)
        if (auto why = conform::unmet(conform::kernel_setup(trace.proposal, trace.config), *build))
          reasons.insert(*why);
    }
  }
  for (const std::string &reason : reasons)
    fitted.why_none += (fitted.why_none.empty() ? "" : "; ") + reason;
  return fitted;
}

conform::Confirmation confirm_trace(const props::PairResult &result,
                                    const std::vector<std::string> &kernels,
                                    const nlohmann::json &info) {
  const props::Trace &trace = *result.trace;
  const FittedTrace fitted = fit(kernels, trace);
  if (!fitted.kernel) {
    conform::Confirmation none;
    none.verdict = result.verdict;
    none.trace = trace;
    none.detail = "no kernel given has the build its configuration (" + trace.config.describe() +
                  ") needs: " + fitted.why_none;
    return none;
  }
  conform::RunOptions run{vm::VmOptions::defaults_for(*fitted.kernel), trace.proposal,
                          fitted.trace.config};
  conform::Transcript transcript;
  transcript.kernel = kernel_identity(*fitted.kernel, run, info);
  transcript.proposal = trace.proposal;
  transcript.config = fitted.trace.config;
  transcript.seed = trace.seed;
  for (const props::TraceStep &step : trace.steps)
    if (const auto *action = std::get_if<model::Action>(&step.action))
      transcript.actions.push_back(*action);
  conform::LiveKernel live(conform::vm_options(run.vm, run.proposal, run.config));
  conform::RecordingKernel recording(live, transcript);
  conform::Confirmation confirmation;
  try {
    confirmation = conform::confirm_on(recording, fitted.trace, result.verdict);
  } catch (const std::invalid_argument &error) { // a step no kernel can perform
    confirmation.verdict = result.verdict;
    confirmation.trace = fitted.trace;
    confirmation.detail = error.what();
    return confirmation;
  }
  if (live.release())
    transcript.kernel["release"] = *live.release();
  transcript.recorded_mismatch = std::nullopt;
  confirmation.transcript = std::move(transcript);
  return confirmation;
}

// One confirmation in the --json document; `recorded` with --recheck.
nlohmann::json confirmation_json(const std::string &file, const conform::Confirmation &now,
                                 const conform::Confirmation *recorded = nullptr) {
  nlohmann::json entry{{"file", file},
                       {"proposal", model::proposal_info(now.trace.proposal).key},
                       {"property", now.trace.property},
                       {"verdict", props::verdict_name(now.verdict)},
                       {"outcome", conform::confirm_outcome_name(now.outcome)},
                       {"step", now.step == 0 ? nlohmann::json() : nlohmann::json(now.step)}};
  if (recorded != nullptr)
    entry["recorded_outcome"] = conform::confirm_outcome_name(recorded->outcome);
  return entry;
}

int run_live(const ConfirmArgs &args) {
  const std::vector<Pair> pairs = select_pairs(args.run.selection);
  for (const std::string &kernel : args.kernels)
    if (!fs::is_regular_file(kernel)) {
      std::cerr << "trimcheck confirm: kernel image not found: " << kernel << "\n";
      return kExitBadInput;
    }
  const auto info = read_kernel_info("confirm", args.kernel_info);
  if (!info)
    return kExitBadInput;
  make_directories(args.out);
  props::CheckBudget budget = args.run.budget;
  if (!budget.base) // counterexamples on the base tree of the (first) kernel, as conform
    if (const auto build = conform::read_kernel_build(args.kernels.front());
        build && model::proposal_info(pairs.front().proposal).family != model::Family::baseline)
      budget.base = build->base();
  if (budget.base)
    std::cerr << "trimcheck confirm: check on base tree " << model::base_tree_name(*budget.base)
              << " (the kernel's; --base to choose)\n";
  { // PCR values in the traces (MS trim targets, quotes) that this VM's TPM can reach
    const model::ProposalId proposal = pairs.front().proposal;
    budget.firmware_pcrs =
        conform::vm_firmware_pcrs(vm::VmOptions::defaults_for(args.kernels.front()), proposal,
                                  props::make_config(proposal, props::ConfigChoice{}));
    std::cerr << "trimcheck confirm: check with the VM's firmware PCRs ("
              << budget.firmware_pcrs.size() << " of PCRs 0-9 not zero)\n";
  }
  std::vector<props::PairResult> results =
      run_pairs(pairs, budget, args.run.jobs, "trimcheck confirm", args.run.quiet);
  std::erase_if(results, [](const props::PairResult &result) { return !result.trace; });
  std::map<conform::ConfirmOutcome, int> counts;
  nlohmann::json entries = nlohmann::json::array();
  std::size_t done = 0;
  for (const props::PairResult &result : results) {
    std::cerr << "[" << ++done << "/" << results.size() << "] " << result.property << " ("
              << verdict_code(result) << ", " << result.trace->steps.size() << " steps) ...\n";
    const conform::Confirmation confirmation = confirm_trace(result, args.kernels, *info);
    const fs::path file = fs::path(args.out) / conform::confirmation_file_name(confirmation);
    try {
      conform::write_confirmation(file, confirmation);
    } catch (const std::runtime_error &error) {
      throw OutputError(error.what());
    }
    ++counts[confirmation.outcome];
    entries.push_back(confirmation_json(file.string(), confirmation));
    if (!args.json)
      std::cout << model::proposal_info(confirmation.trace.proposal).key << " " << result.property
                << " (" << verdict_code(result) << "): " << outcome_line(confirmation) << "\n";
  }
  if (args.json) {
    std::cout << json_document("confirm", {{"mode", "live"}, {"confirmations", entries}}).dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << results.size() << " counterexample(s) replayed:";
  for (const auto &[outcome, count] : counts)
    std::cout << " " << conform::confirm_outcome_name(outcome) << " " << count;
  std::cout << "; written to " << args.out << "\n";
  return kExitOk;
}

int run_recheck(const std::vector<std::string> &paths, bool rewrite, bool json) {
  const auto files = recorded_files(paths, "confirm", "confirmation");
  if (!files)
    return kExitBadInput;
  int changed = 0;
  nlohmann::json entries = nlohmann::json::array();
  for (const fs::path &file : *files) {
    try {
      const conform::Confirmation recorded = conform::read_confirmation(file);
      const conform::Confirmation now = conform::reconfirm(recorded, file.string());
      const bool same = now.outcome == recorded.outcome && now.step == recorded.step;
      changed += same ? 0 : 1;
      entries.push_back(confirmation_json(file.string(), now, &recorded));
      if (!json)
        std::cout << file.string() << ": " << outcome_line(now)
                  << (same ? "" : " (recorded: " + outcome_line(recorded) + ")") << "\n";
      if (rewrite && (!same || now.detail != recorded.detail))
        conform::write_confirmation(file, now);
    } catch (const std::runtime_error &error) { // malformed, or not covered by its answers
      std::cerr << "trimcheck confirm: " << error.what() << "\n";
      return kExitBadInput;
    }
  }
  if (json) {
    std::cout << json_document(
                     "confirm",
                     {{"mode", "recheck"}, {"confirmations", entries}, {"changed", changed}})
                     .dump(2)
              << "\n";
    return changed > 0 ? kExitFinding : kExitOk;
  }
  if (changed > 0) {
    std::cout << changed << " of " << files->size()
              << " confirmation(s) now give another outcome: the model changed since they "
                 "were recorded ("
              << (rewrite ? "written back" : "record them again on the kernel, or fix the model")
              << ")\n";
    return kExitFinding;
  }
  std::cout << "every outcome as recorded: " << files->size() << " confirmation(s)\n";
  return kExitOk;
}

} // namespace

void add_confirm(CLI::App &app, int &exit_code) {
  auto args = std::make_shared<ConfirmArgs>();
  auto *cmd = app.add_subcommand(
      "confirm", "Replay check's counterexamples of one version on its kernel (QEMU + swtpm)\n"
                 "and record, per violated or conditional cell, whether the kernel reproduces\n"
                 "it, with every answer the kernel gave. `trimcheck report` shows the outcomes\n"
                 "in its kernel column; --recheck recomputes recorded outcomes from the current\n"
                 "model without a VM (docs/vm.md, \"Kernel confirmation\").");
  add_check_run_options(*cmd, args->run);
  auto *kernels =
      cmd->add_option("--kernel", args->kernels,
                      "bzImage of the version (repeat for builds of other options, e.g.\n"
                      "the feature option off: each trace runs on the first kernel\n"
                      "whose build its configuration fits)");
  add_json_flag(*cmd, args->json, "the outcomes");
  cmd->add_option("--out", args->out, "Directory for <version>-<property>.json.gz")
      ->capture_default_str()
      ->check(writable_directory());
  cmd->add_option("--kernel-info", args->kernel_info,
                  "JSON object describing the kernel (series, tree, port in words), copied\n"
                  "into every confirmation's transcript")
      ->check(CLI::ExistingFile);
  auto *recheck = cmd->add_option("--recheck", args->recheck,
                                  "Recompute recorded confirmations (files or directories) from "
                                  "their\nkernel answers and the current model; no VM")
                      ->excludes(kernels);
  cmd->add_flag("--rewrite", args->rewrite,
                "With --recheck: write every confirmation whose recomputed outcome or\n"
                "explanation differs back to its file (review the listed changes first:\n"
                "the kernel's answers are kept, only the judgement is redone)")
      ->needs(recheck);
  cmd->footer(with_example_ids(
      "Outcomes: reproduced (every observation equal and the property violated on the\n"
      "kernel's run; for a use after free, the kernel reported it), reached (equal up\n"
      "to the model's use after free, nothing reported: build with --kasan),\n"
      "not-reproduced, kernel-differs at step N, kernel-crashed at step N,\n"
      "not-replayable.\n\n"
      "Examples:\n"
      "  trimcheck confirm --proposal {newest-chen} --kernel $(scripts/build-kernel \\\n"
      "      {newest-chen-series}) --out confirmations/\n"
      "  trimcheck confirm --recheck tests/data/real-kernel/confirmations\n\n"
      "Exit codes: 0 confirmations written (whatever their outcomes), or --recheck\n"
      "found every outcome as recorded; 1 --recheck found an outcome that changed;\n"
      "2 bad option or file, a --kernel QEMU refuses, or a recorded confirmation\n"
      "whose answers no longer cover the model's run; 3 a VM this machine could not\n"
      "run (swtpm, a boot that did not reach the guest agent in time)."));
  cmd->callback([args, recheck, &exit_code] {
    if (!recheck->empty()) {
      exit_code = run_recheck(args->recheck, args->rewrite, args->json);
      return;
    }
    if (args->kernels.empty() || args->run.selection.proposals.size() != 1) {
      std::cerr << "trimcheck confirm: give one --proposal and its --kernel (or --recheck "
                   "FILES)\n";
      exit_code = kExitBadInput;
      return;
    }
    exit_code = reporting_vm_errors("confirm", [&] {
      try {
        return run_live(*args);
      } catch (const CLI::ValidationError &error) {
        std::cerr << "trimcheck confirm: " << error.what() << "\n";
        return kExitBadInput;
      }
    });
  });
}

} // namespace trimcheck::cli
