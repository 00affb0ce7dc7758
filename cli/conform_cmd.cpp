#include "commands.hpp"
#include "report_io.hpp"
#include "vm_errors.hpp"

#include "trimcheck/conform/conform.hpp"

#include <filesystem>
#include <iostream>

namespace trimcheck::cli {
namespace {

struct ConformArgs {
  std::string kernel;
  std::string proposal;
  int runs = 20;
  std::uint64_t seed = 1;
  int length = 30;
  int shrink_budget = 40;
  std::string out = "trimcheck-out";
};

int run_conform(const ConformArgs &args) {
  auto proposal = model::proposal_from_key(args.proposal);
  if (!proposal) {
    std::cerr << "trimcheck conform: unknown version '" << args.proposal
              << "' (see `trimcheck list`)\n";
    return kExitBadInput;
  }
  if (!std::filesystem::is_regular_file(args.kernel)) {
    std::cerr << "trimcheck conform: kernel image not found: " << args.kernel << "\n";
    return kExitBadInput;
  }
  conform::ConformOptions options;
  options.run.vm = vm::VmOptions::defaults_for(args.kernel);
  options.run.proposal = *proposal;
  options.runs = args.runs;
  options.seed = args.seed;
  options.length = args.length;
  options.shrink_budget = args.shrink_budget;
  options.progress = &std::cerr;
  const conform::ConformResult result = conform::conform(options);
  if (!result.first_mismatch) {
    std::cout << "conforms: " << args.proposal << ", " << result.runs_done << " runs, "
              << result.actions_done << " actions, every observation equal\n";
    return kExitOk;
  }
  const conform::RunResult &finding = *result.first_mismatch;
  make_directories(args.out);
  const std::string base = args.out + "/conform-" + args.proposal;
  props::Trace trace = finding.trace;
  trace.seed = args.seed;
  trace.violation = finding.mismatch->what;
  write_file(base + ".json", props::to_json(trace).dump(2) + "\n");
  write_file(base + ".txt", props::render_text(trace));
  std::cout << "MISMATCH after shrinking from " << result.original.size() << " to "
            << finding.executed.size() << " actions (trace: " << base << ".json)\n"
            << props::render_text(trace);
  return kExitFinding;
}

} // namespace

void add_conform(CLI::App &app, int &exit_code) {
  auto args = std::make_shared<ConformArgs>();
  auto *cmd = app.add_subcommand(
      "conform", "Run random operation sequences on a real kernel (QEMU + swtpm) and on the\n"
                 "model side by side and compare every observation: return values, errnos,\n"
                 "bytes read, counters, PCR 10 of every bank, the lists, crashes and hangs.\n"
                 "The first mismatch is shrunk in fresh VMs and written as a trace.");
  cmd->add_option("--kernel", args->kernel, "bzImage (scripts/build-kernel)")->required();
  cmd->add_option("--proposal", args->proposal, "Version the kernel implements")->required();
  cmd->add_option("--runs", args->runs, "Sequences (run 1 is the kexec-overflow case)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", args->seed, "Seed of the random sequences");
  cmd->add_option("--length", args->length, "Random choices per sequence")
      ->check(CLI::Range(2, 1000));
  cmd->add_option("--shrink-budget", args->shrink_budget, "Most VM runs spent shrinking")
      ->check(CLI::Range(0, 10000));
  cmd->add_option("--out", args->out, "Directory for the mismatch trace");
  cmd->footer("Example:\n"
              "  trimcheck conform --kernel $(scripts/build-kernel) --proposal baseline-6.12\n\n"
              "Exit codes: 0 the kernel conforms, 1 a mismatch (trace written), 2 bad input\n"
              "or the VM could not be started.");
  cmd->callback([args, &exit_code] {
    exit_code = reporting_vm_errors("conform", [&] { return run_conform(*args); });
  });
}

} // namespace trimcheck::cli
