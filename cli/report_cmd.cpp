#include "check_run.hpp"
#include "commands.hpp"
#include "json_document.hpp"
#include "report_pages.hpp"
#include "report_steps.hpp"

#include <iostream>

namespace trimcheck::cli {

using namespace props;
namespace fs = std::filesystem;

namespace {

// The confirmations committed with the source tree (trimcheck confirm), when it is there.
const std::string kDefaultConfirmations = TRIMCHECK_CONFIRMATIONS_DIR;

struct ReportOptions {
  CheckRunOptions run;
  std::string out;
  bool strict = false;
  bool json = false;
  bool explore = false;
  props::ExploreBounds explore_bounds{2, 2, 7, 1};
  bool prove = false;
  prove::ProveOptions prove_options{6, 30};
  std::string conform_kernel;
  std::string conform_proposal;
  int conform_runs = 5;
  std::string kernel_confirmations = kDefaultConfirmations;
};

// The version the --conform-kernel implements: --conform-proposal, or the only selected
// version. Throws CLI::ValidationError.
model::ProposalId conform_proposal(const ReportOptions &options) {
  std::string key = options.conform_proposal;
  if (key.empty() && options.run.selection.proposals.size() == 1)
    key = options.run.selection.proposals.front();
  if (key.empty())
    throw CLI::ValidationError("--conform-proposal",
                               "--conform-kernel needs the version the kernel implements: give "
                               "--conform-proposal, or select exactly one --proposal");
  auto proposal = model::proposal_from_key(key);
  if (!proposal)
    throw CLI::ValidationError("--conform-proposal",
                               "unknown version '" + key + "' (see `trimcheck list`)");
  if (!fs::is_regular_file(options.conform_kernel))
    throw CLI::ValidationError("--conform-kernel",
                               "kernel image not found: " + options.conform_kernel);
  return *proposal;
}

nlohmann::json engines_json(const Report &report) {
  nlohmann::json engines = nlohmann::json::array();
  for (const EngineSection &section : report.engines) {
    nlohmann::json rows = nlohmann::json::array();
    for (const EngineOutput &row : section.rows)
      rows.push_back({{"proposal", model::proposal_info(row.proposal).key},
                      {"property", row.property},
                      {"result", row.result},
                      {"violated", row.violated},
                      {"missed_by_check", row.missed_by_check()},
                      {"note", row.note},
                      {"trace", row.trace_path ? nlohmann::json(*row.trace_path) : nullptr}});
    engines.push_back({{"name", section.name}, {"rows", std::move(rows)}});
  }
  return engines;
}

nlohmann::json steps_json(const Report &report) {
  nlohmann::json steps = nlohmann::json::array();
  for (const ReportStep &step : report.steps)
    steps.push_back({{"name", step.name},
                     {"status", step.status == ReportStep::Status::ok ? "ok" : "failed"},
                     {"detail", step.detail}});
  return steps;
}

std::string subject_of(const PairSelection &selection) {
  if (selection.proposals.empty())
    return "all versions";
  std::string subject;
  for (const std::string &key : selection.proposals)
    subject += (subject.empty() ? "" : ", ") + key;
  return subject;
}

std::string check_summary(const std::vector<PairOutput> &outputs) {
  std::size_t counts[4] = {};
  for (const PairOutput &output : outputs)
    ++counts[static_cast<int>(output.result.verdict)];
  return std::to_string(outputs.size()) +
         " (version, property) pairs: " + std::to_string(counts[0]) + " holds, " +
         std::to_string(counts[1]) + " conditional, " + std::to_string(counts[2]) + " violated, " +
         std::to_string(counts[3]) + " n/a";
}

// Runs check into `report`; a failure becomes a failed step, not an exception.
void run_check_step(Report &report, const std::vector<Pair> &pairs, int jobs, bool quiet) {
  try {
    std::vector<PairResult> results =
        run_pairs(pairs, report.budget, jobs, "trimcheck report", quiet);
    for (PairResult &result : results) {
      PairOutput output{std::move(result), std::nullopt};
      if (output.result.trace)
        output.trace_path = fs::relative(write_trace(report.dir / "traces", *output.result.trace,
                                                     output.result.condition),
                                         report.dir)
                                .string();
      report.outputs.push_back(std::move(output));
    }
    report.steps.push_back({"check", ReportStep::Status::ok, check_summary(report.outputs)});
  } catch (const std::exception &error) {
    report.steps.push_back({"check", ReportStep::Status::failed, error.what()});
  }
}

} // namespace

void add_report(CLI::App &app, int &exit_code) {
  auto options = std::make_shared<ReportOptions>();
  auto *cmd = app.add_subcommand(
      "report", "Run check (and explore, prove and conform when asked) and write one review "
                "artefact: index.html, report.md, mail.txt, results.json and the traces.");
  cmd->add_option("--out", options->out, "Directory to write the report into")
      ->required()
      ->check(writable_directory());
  add_check_run_options(*cmd, options->run);
  cmd->add_flag("--strict", options->strict, "Exit 1 if any pair is violated");
  add_json_flag(*cmd, options->json, "results.json (the report's document)");
  cmd->add_flag("--explore", options->explore,
                "Also explore every selected version exhaustively within small bounds and "
                "flag counterexamples check missed");
  cmd->add_option("--explore-max-depth", options->explore_bounds.max_depth,
                  "Actions per run for --explore")
      ->check(CLI::Range(1, 40))
      ->capture_default_str();
  cmd->add_option("--explore-max-records", options->explore_bounds.max_records,
                  "Kernel measurements per run for --explore")
      ->check(CLI::Range(0, 6))
      ->capture_default_str();
  cmd->add_flag("--prove", options->prove,
                "Also run prove (Z3) on every selected pair it encodes and flag "
                "counterexamples check missed");
  cmd->add_option("--prove-depth", options->prove_options.depth, "BMC depth of --prove")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  cmd->add_option("--prove-timeout", options->prove_options.timeout_seconds,
                  "Seconds per pair for --prove")
      ->check(CLI::Range(1.0, 3600.0))
      ->capture_default_str();
  cmd->add_option("--conform-kernel", options->conform_kernel,
                  "Also run conform on this bzImage (scripts/build-kernel)");
  cmd->add_option("--conform-proposal", options->conform_proposal,
                  "Version the --conform-kernel implements (default: the only --proposal)");
  cmd->add_option("--conform-runs", options->conform_runs, "Sequences for --conform-kernel")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--kernel-confirmations", options->kernel_confirmations,
                  "Directory of recorded kernel confirmations (trimcheck confirm) for the\n"
                  "kernel column (default: tests/data/real-kernel/confirmations of the\n"
                  "source tree trimcheck was built from, when present); '' for none");
  cmd->footer(with_example_ids(
      "index.html is self-contained: the verdict matrix coloured by verdict, every\n"
      "violated or conditional cell linked to its minimal trace with a sequence\n"
      "diagram (graphviz) and the text form. report.md is the same in Markdown for a\n"
      "forge or CI summary; mail.txt is plain text wrapped at 72 columns with the\n"
      "traces inline, ready to paste into a review reply.\n\n"
      "Examples:\n"
      "  trimcheck report --out review --proposal {previous} --proposal {newest}\n"
      "  trimcheck report --out p2 --proposal {newest} --property P2 --prove\n"
      "  trimcheck report --out deep --proposal {newest} --explore --prove\n"
      "  trimcheck report --out k --proposal {baseline} --property P14 \\\n"
      "      --conform-kernel $(scripts/build-kernel)\n"
      "  firefox review/index.html; cat review/mail.txt\n\n"
      "Exit codes: 0 report written, 1 --strict and a violation or kernel mismatch,\n"
      "2 bad option or unwritable --out, 3 report written but a step failed (the\n"
      "report says which), 128+N a signal N stopped the conform step (VM cleaned up,\n"
      "the report written so far)."));
  cmd->callback([options, &exit_code] {
    std::vector<Pair> pairs;
    ConformStepOptions conform_options;
    try {
      pairs = select_pairs(options->run.selection);
      if (!options->conform_kernel.empty())
        conform_options = {options->conform_kernel, conform_proposal(*options),
                           options->conform_runs, options->run.budget.seed};
      fs::create_directories(options->out);
    } catch (const CLI::ValidationError &error) {
      std::cerr << "trimcheck report: " << error.what() << "\n";
      exit_code = kExitBadInput;
      return;
    } catch (const fs::filesystem_error &error) {
      std::cerr << "trimcheck report: cannot create --out " << options->out << ": "
                << error.code().message() << "\n";
      exit_code = kExitBadInput;
      return;
    }
    Report report{
        subject_of(options->run.selection), options->run.budget, {}, {}, {}, options->out};
    report.quiet = options->run.quiet;
    if (!options->run.quiet)
      std::cerr << "trimcheck report: check, " << pairs.size() << " pairs, " << report.budget.runs
                << " runs per regime, seed " << report.budget.seed << "\n";
    run_check_step(report, pairs, options->run.jobs, options->run.quiet);
    if (options->explore)
      run_explore_step(report, pairs, options->explore_bounds, options->run.jobs);
    if (options->prove)
      run_prove_step(report, pairs, options->prove_options);
    if (!options->conform_kernel.empty())
      run_conform_step(report, conform_options);
    try {
      attach_kernel_column(report, options->kernel_confirmations);
    } catch (const std::runtime_error &error) {
      report.steps.push_back({"kernel column", ReportStep::Status::failed, error.what()});
    }
    nlohmann::json document;
    try {
      write_file(report.dir / "index.html", report_html(report));
      write_file(report.dir / "report.md", report_markdown(report));
      write_file(report.dir / "mail.txt", report_mail(report));
      nlohmann::json results = results_json(report.budget.seed, report.outputs);
      results["steps"] = steps_json(report);
      results["engines"] = engines_json(report);
      results["kernel_column"] = kernel_column_json(report.kernel);
      results["files"] = {(report.dir / "index.html").string(), (report.dir / "report.md").string(),
                          (report.dir / "mail.txt").string()};
      document = json_document("report", std::move(results));
      write_file(report.dir / "results.json", document.dump(2) + "\n");
    } catch (const std::runtime_error &error) {
      std::cerr << "trimcheck report: " << error.what() << "\n";
      exit_code = kExitBadInput;
      return;
    }
    bool failed = false, violated = false;
    for (const ReportStep &step : report.steps) {
      failed |= step.status == ReportStep::Status::failed;
      if (!options->run.quiet || step.status == ReportStep::Status::failed)
        std::cerr << "trimcheck report: " << step.name << ": "
                  << (step.status == ReportStep::Status::ok ? "" : "FAILED: ") << step.detail
                  << "\n";
    }
    for (const PairOutput &output : report.outputs)
      violated |= output.result.verdict == Verdict::violated;
    for (const EngineSection &section : report.engines)
      for (const EngineOutput &row : section.rows)
        violated |= row.violated;
    if (options->json)
      std::cout << document.dump(2) << "\n";
    else
      std::cout << (report.dir / "index.html").string() << "\n"
                << (report.dir / "report.md").string() << "\n"
                << (report.dir / "mail.txt").string() << "\n";
    // A finding wins over a failed step: what was found stays found.
    exit_code = report.interrupted_by         ? 128 + *report.interrupted_by
                : options->strict && violated ? kExitFinding
                : failed                      ? kExitInconclusive
                                              : kExitOk;
  });
}

} // namespace trimcheck::cli
