#include "commands.hpp"
#include "conform_transcripts.hpp"
#include "kernel_fit.hpp"
#include "report_io.hpp"
#include "vm_errors.hpp"

#include "trimcheck/conform/conform.hpp"
#include "trimcheck/conform/kernel_setup.hpp"
#include "trimcheck/conform/transcript.hpp"

#include <filesystem>
#include <fstream>
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
  std::string record;
  std::string kernel_info;
  std::vector<std::string> transcripts;
  std::string pack;
  bool json = false;
  bool quiet = false;
};

// The configurations to run: one name, or every one the version has ("all"; those the
// kernel was not built for are skipped with a note).
struct NamedConfig {
  std::string name;
  model::KernelConfig config;
};

// Writes one transcript under `dir`, its kernel identity `info` plus what the guest said.
void write_transcript(const std::string &dir, const nlohmann::json &info,
                      const conform::Transcript &recorded) {
  conform::Transcript transcript = recorded;
  transcript.kernel = info;
  if (auto release = recorded.kernel.find("release"); release != recorded.kernel.end()) {
    if (info.contains("release") && info["release"] != *release)
      std::cerr << "  note: the guest runs " << release->dump() << ", --kernel-info says "
                << info["release"].dump() << "; the transcript keeps the guest's\n";
    transcript.kernel["release"] = *release;
  }
  const std::string path = dir + "/" + conform::transcript_file_name(transcript);
  try {
    conform::write_transcript(path, transcript);
  } catch (const std::runtime_error &error) {
    throw OutputError(error.what());
  }
  std::cerr << "  transcript: " << path << "\n";
}

int run_conform(const ConformArgs &args) {
  if (!args.pack.empty())
    return pack_transcripts(args.transcripts, args.proposal, args.pack);
  if (!args.transcripts.empty())
    return replay_transcripts(args.transcripts, args.proposal, args.out,
                              {.json = args.json, .quiet = args.quiet});
  if (args.kernel.empty() || args.proposal.empty()) {
    std::cerr << "trimcheck conform: give --kernel and --proposal (a run on a VM) or "
                 "--transcripts (recorded runs, no VM)\n";
    return kExitBadInput;
  }
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
  const auto info = read_kernel_info("conform", args.kernel_info);
  if (!info)
    return kExitBadInput;
  if (!args.record.empty())
    make_directories(args.record);
  if (configs.empty()) {
    std::cerr << "trimcheck conform: the kernel supports none of the configurations\n";
    return kExitBadInput;
  }
  std::optional<conform::ConformResult> found;
  std::size_t runs = 0, actions = 0;
  nlohmann::json coverage = nlohmann::json::object(); // by configuration
  for (const NamedConfig &named : configs) {
    conform::ConformOptions options;
    options.run.vm = vm::VmOptions::defaults_for(args.kernel);
    options.run.proposal = *proposal;
    options.run.config = named.config;
    options.runs = args.runs;
    options.seed = args.seed;
    options.length = args.length;
    options.shrink_budget = args.shrink_budget;
    options.progress = args.quiet ? nullptr : &std::cerr;
    const nlohmann::json identity = kernel_identity(args.kernel, options.run, *info);
    if (!args.record.empty())
      options.record = [&](const conform::Transcript &transcript) {
        write_transcript(args.record, identity, transcript);
      };
    if (!args.quiet)
      std::cerr << "configuration " << named.name << " (" << named.config.describe() << ")\n";
    conform::ConformResult result = conform::conform(options);
    if (!args.quiet)
      std::cerr << "coverage of " << named.name << ": " << result.coverage.line() << "\n";
    coverage[named.name] = result.coverage.line();
    runs += static_cast<std::size_t>(result.runs_done);
    actions += result.actions_done;
    if (result.first_mismatch) {
      found = std::move(result);
      break;
    }
  }
  const auto document = [&](nlohmann::json mismatches) {
    return conform_document(args.proposal, "kernel", runs, actions, std::move(mismatches),
                            coverage);
  };
  if (!found) {
    if (args.json)
      std::cout << document(nlohmann::json::array()).dump(2) << "\n";
    else
      std::cout << "conforms: " << args.proposal << ", " << configs.size() << " configuration(s), "
                << runs << " runs, " << actions << " actions, every observation equal\n";
    return kExitOk;
  }
  const conform::ConformResult &result = *found;
  const conform::RunResult &finding = *result.first_mismatch;
  make_directories(args.out);
  const std::string stem = args.out + "/conform-" + args.proposal;
  WrittenMismatch written = write_mismatch(stem, "kernel " + args.kernel, finding, args.seed);
  written.entry["unshrunk_length"] = result.original.size();
  if (args.json)
    std::cout << document(nlohmann::json::array({written.entry})).dump(2) << "\n";
  else
    std::cout << "MISMATCH after shrinking from " << result.original.size() << " to "
              << finding.executed.size() << " actions (trace: " << stem << ".json)\n"
              << written.text;
  return kExitFinding;
}

} // namespace

void add_conform(CLI::App &app, int &exit_code) {
  auto args = std::make_shared<ConformArgs>();
  auto *cmd = app.add_subcommand(
      "conform", "Run random operation sequences on a real kernel (QEMU + swtpm) and on the\n"
                 "model side by side and compare every observation: return values, errnos,\n"
                 "bytes read, counters, PCR 10 of every bank, the lists, crashes and hangs.\n"
                 "The first mismatch is shrunk in fresh VMs and written as a trace.\n"
                 "With --record every run is also written as a transcript (each question to\n"
                 "the kernel and its answer); --transcripts compares recorded runs with the\n"
                 "model again without a VM or kernel (docs/vm.md, \"Transcripts\").");
  auto *kernel = cmd->add_option("--kernel", args->kernel, "bzImage (scripts/build-kernel)");
  cmd->add_option("--proposal", args->proposal,
                  "Version the kernel implements (required with --kernel; with --transcripts\n"
                  "only the transcripts of this version)");
  auto *runs = cmd->add_option("--runs", args->runs, "Sequences (run 1 is the kexec-overflow case)")
                   ->check(CLI::Range(1, 100000));
  auto *seed =
      cmd->add_option("--seed", args->seed, "Seed of the random sequences")->check(digits_only());
  auto *length = cmd->add_option("--length", args->length, "Random choices per sequence")
                     ->check(CLI::Range(2, 1000));
  auto *shrink =
      cmd->add_option("--shrink-budget", args->shrink_budget, "Most VM runs spent shrinking")
          ->check(CLI::Range(0, 10000));
  cmd->add_option("--out", args->out, "Directory for the mismatch trace")
      ->check(writable_directory());
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
  auto *record = cmd->add_option("--record", args->record,
                                 "Directory for one transcript per run:\n"
                                 "<proposal>-<config>-run-NNN.json.gz (mismatching runs too)")
                     ->needs(kernel);
  cmd->add_option("--kernel-info", args->kernel_info,
                  "JSON object describing the kernel (release, config options, command\n"
                  "line, base tree, series and its patches' Message-IDs), copied into\n"
                  "every transcript")
      ->needs(record)
      ->check(CLI::ExistingFile);
  auto *transcripts =
      cmd->add_option("--transcripts", args->transcripts,
                      "Replay recorded transcripts (files and archives, or directories searched\n"
                      "for *.json.gz, *.json and *.jsonl.xz) on the model; no VM. A mismatch is\n"
                      "not shrunk (that needs a VM)")
          ->excludes(kernel)
          ->excludes(record)
          ->excludes(runs)
          ->excludes(seed)
          ->excludes(length)
          ->excludes(shrink);
  cmd->add_option("--pack", args->pack,
                  "Instead of replaying them, write the --transcripts as one xz archive per\n"
                  "version and configuration into this directory, as\n"
                  "<proposal>/<proposal>-<config>.jsonl.xz; an existing archive is not\n"
                  "overwritten")
      ->needs(transcripts);
  add_json_flag(*cmd, args->json, "the outcome");
  add_quiet_flag(*cmd, args->quiet, "a line per run, and each configuration's coverage");
  cmd->footer(with_example_ids(
      "Examples:\n"
      "  trimcheck conform --kernel $(scripts/build-kernel) --proposal {baseline}\n"
      "  trimcheck conform --kernel $(scripts/build-kernel \\\n"
      "      {newest-series}) --proposal {newest} \\\n"
      "      --config all --runs 50\n"
      "  trimcheck conform --kernel bzImage --proposal {newest} --record transcripts \\\n"
      "      --kernel-info {newest}-kernel.json     # on a machine with QEMU and swtpm\n"
      "  trimcheck conform --transcripts transcripts   # anywhere: no VM, no kernel\n"
      "  trimcheck conform --transcripts transcripts --pack packed  # for committing\n\n"
      "Exit codes: 0 the kernel conforms, 1 a mismatch (trace written), 2 bad input\n"
      "(including a malformed transcript or one the model's run is not covered by, or\n"
      "a --kernel QEMU refuses), 3 a VM this machine could not run (swtpm, a boot that\n"
      "did not reach the guest agent in time)."));
  cmd->callback([args, &exit_code] {
    exit_code = reporting_vm_errors("conform", [&] { return run_conform(*args); });
  });
}

} // namespace trimcheck::cli
