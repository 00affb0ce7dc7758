#include "commands.hpp"
#include "conform_transcripts.hpp"
#include "report_io.hpp"
#include "vm_errors.hpp"

#include "trimcheck/conform/conform.hpp"
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
  std::string record;
  std::string kernel_info;
  std::vector<std::string> transcripts;
};

// The --kernel-info file: a JSON object, copied into every transcript's "kernel".
std::optional<nlohmann::json> read_kernel_info(const std::string &path) {
  if (path.empty())
    return nlohmann::json::object();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "trimcheck conform: --kernel-info " << path << " cannot be read\n";
    return std::nullopt;
  }
  nlohmann::json info = nlohmann::json::parse(in, nullptr, false);
  if (info.is_discarded() || !info.is_object()) {
    std::cerr << "trimcheck conform: --kernel-info " << path << ": expected a JSON object\n";
    return std::nullopt;
  }
  return info;
}

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
  write_file(path, conform::transcript_text(transcript));
  std::cerr << "  transcript: " << path << "\n";
}

int run_conform(const ConformArgs &args) {
  if (!args.transcripts.empty())
    return replay_transcripts(args.transcripts, args.proposal, args.out);
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
  const auto info = read_kernel_info(args.kernel_info);
  if (!info)
    return kExitBadInput;
  conform::ConformOptions options;
  options.run.vm = vm::VmOptions::defaults_for(args.kernel);
  options.run.proposal = *proposal;
  options.runs = args.runs;
  options.seed = args.seed;
  options.length = args.length;
  options.shrink_budget = args.shrink_budget;
  options.progress = &std::cerr;
  if (!args.record.empty()) {
    make_directories(args.record);
    options.record = [&](const conform::Transcript &transcript) {
      write_transcript(args.record, *info, transcript);
    };
  }
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
  auto *seed = cmd->add_option("--seed", args->seed, "Seed of the random sequences");
  auto *length = cmd->add_option("--length", args->length, "Random choices per sequence")
                     ->check(CLI::Range(2, 1000));
  auto *shrink =
      cmd->add_option("--shrink-budget", args->shrink_budget, "Most VM runs spent shrinking")
          ->check(CLI::Range(0, 10000));
  cmd->add_option("--out", args->out, "Directory for the mismatch trace");
  auto *record = cmd->add_option("--record", args->record,
                                 "Directory for one transcript per run:\n"
                                 "<proposal>-<config>-run-NNN.json (mismatching runs too)")
                     ->needs(kernel);
  cmd->add_option("--kernel-info", args->kernel_info,
                  "JSON object describing the kernel (release, config options, command\n"
                  "line, base tree, series and its patches' Message-IDs), copied into\n"
                  "every transcript")
      ->needs(record)
      ->check(CLI::ExistingFile);
  cmd->add_option("--transcripts", args->transcripts,
                  "Replay recorded transcripts (files, or directories searched for *.json)\n"
                  "on the model; no VM. A mismatch is not shrunk (that needs a VM)")
      ->excludes(kernel)
      ->excludes(record)
      ->excludes(runs)
      ->excludes(seed)
      ->excludes(length)
      ->excludes(shrink);
  cmd->footer("Examples:\n"
              "  trimcheck conform --kernel $(scripts/build-kernel) --proposal baseline-6.12\n"
              "  trimcheck conform --kernel bzImage --proposal sassu-v7 --record transcripts \\\n"
              "      --kernel-info sassu-v7-kernel.json       # on a machine with QEMU and swtpm\n"
              "  trimcheck conform --transcripts transcripts   # anywhere: no VM, no kernel\n\n"
              "Exit codes: 0 the kernel conforms, 1 a mismatch (trace written), 2 bad input\n"
              "(including a malformed transcript or one the model's run is not covered by)\n"
              "or the VM could not be started.");
  cmd->callback([args, &exit_code] {
    exit_code = reporting_vm_errors("conform", [&] { return run_conform(*args); });
  });
}

} // namespace trimcheck::cli
