#include "commands.hpp"
#include "kernel_fit.hpp"
#include "report_io.hpp"
#include "vm_errors.hpp"

#include "trimcheck/conform/conform.hpp"
#include "trimcheck/conform/kernel_setup.hpp"

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
  std::string config = "default";
  std::string base;
};

// The configurations to run: one name, or every one the version has ("all"; those the
// kernel was not built for are skipped with a note).
struct NamedConfig {
  std::string name;
  model::KernelConfig config;
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
  std::optional<model::BaseTree> base;
  if (!args.base.empty()) {
    base = model::base_tree_from_name(args.base);
    if (!base) {
      std::cerr << "trimcheck conform: unknown --base '" << args.base
                << "' (as-posted, 6.12, 6.14, 6.15)\n";
      return kExitBadInput;
    }
  }
  const std::vector<std::string> names = args.config == "all"
                                             ? conform::config_names_for(*proposal)
                                             : std::vector<std::string>{args.config};
  std::vector<NamedConfig> configs;
  for (const std::string &name : names) {
    auto config = conform::named_config(*proposal, name);
    if (!config) {
      std::cerr << "trimcheck conform: unknown --config '" << name
                << "' (default, all, or comma-separated: flush_htable, disable_htable, "
                   "feature_off, legacy_template, no_critical_data)\n";
      return kExitBadInput;
    }
    try {
      configs.push_back({name, fit_to_kernel(args.kernel, *proposal, *config, base, name)});
    } catch (const std::invalid_argument &error) {
      if (args.config != "all") {
        std::cerr << "trimcheck conform: " << error.what() << "\n";
        return kExitBadInput;
      }
      std::cerr << "skipping configuration " << name << ": " << error.what() << "\n";
    }
  }
  if (configs.empty()) {
    std::cerr << "trimcheck conform: the kernel supports none of the configurations\n";
    return kExitBadInput;
  }
  std::optional<conform::ConformResult> found;
  std::size_t runs = 0, actions = 0;
  for (const NamedConfig &named : configs) {
    conform::ConformOptions options;
    options.run.vm = vm::VmOptions::defaults_for(args.kernel);
    options.run.proposal = *proposal;
    options.run.config = named.config;
    options.runs = args.runs;
    options.seed = args.seed;
    options.length = args.length;
    options.shrink_budget = args.shrink_budget;
    options.progress = &std::cerr;
    std::cerr << "configuration " << named.name << " (" << named.config.describe() << ")\n";
    conform::ConformResult result = conform::conform(options);
    runs += static_cast<std::size_t>(result.runs_done);
    actions += result.actions_done;
    if (result.first_mismatch) {
      found = std::move(result);
      break;
    }
  }
  if (!found) {
    std::cout << "conforms: " << args.proposal << ", " << configs.size() << " configuration(s), "
              << runs << " runs, " << actions << " actions, every observation equal\n";
    return kExitOk;
  }
  const conform::ConformResult &result = *found;
  const conform::RunResult &finding = *result.first_mismatch;
  make_directories(args.out);
  const std::string stem = args.out + "/conform-" + args.proposal;
  props::Trace trace = finding.trace;
  trace.seed = args.seed;
  trace.violation = finding.mismatch->what;
  write_file(stem + ".json", props::to_json(trace).dump(2) + "\n");
  write_file(stem + ".txt", props::render_text(trace));
  std::cout << "MISMATCH after shrinking from " << result.original.size() << " to "
            << finding.executed.size() << " actions (trace: " << stem << ".json)\n"
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
  cmd->add_option("--config", args->config,
                  "Configuration on both sides: default, all (every one the kernel was\n"
                  "built for), or comma-separated flags flush_htable, disable_htable,\n"
                  "feature_off, legacy_template, no_critical_data. Sets the kernel's\n"
                  "command line and the guest policy; a build option the kernel lacks\n"
                  "(read from the config beside the bzImage) is an error");
  cmd->add_option("--base", args->base,
                  "Base tree the model assumes (as-posted, 6.12, 6.14, 6.15); default:\n"
                  "the kernel's release, 6.14 if its series carries the 6.14 reboot-suspend\n"
                  "patch (files beside the bzImage)");
  cmd->footer("Examples:\n"
              "  trimcheck conform --kernel $(scripts/build-kernel) --proposal baseline-6.12\n"
              "  trimcheck conform --kernel $(scripts/build-kernel --series v7/ --option \\\n"
              "      CONFIG_IMA_STAGING=y) --proposal sassu-v7 --config all --runs 50\n\n"
              "Exit codes: 0 the kernel conforms, 1 a mismatch (trace written), 2 bad input\n"
              "or the VM could not be started.");
  cmd->callback([args, &exit_code] {
    exit_code = reporting_vm_errors("conform", [&] { return run_conform(*args); });
  });
}

} // namespace trimcheck::cli
