#include "check_run.hpp"
#include "commands.hpp"
#include "report_pages.hpp"
#include "report_prove.hpp"

#include <iostream>

namespace trimcheck::cli {

using namespace props;
namespace fs = std::filesystem;

namespace {

struct ReportOptions {
  CheckRunOptions run;
  std::string out;
  bool strict = false;
  bool prove = false;
  prove::ProveOptions prove_options{6, 30};
};

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
void run_check_step(Report &report, const std::vector<Pair> &pairs, int jobs) {
  try {
    std::vector<PairResult> results = run_pairs(pairs, report.budget, jobs, "trimcheck report");
    for (PairResult &result : results) {
      PairOutput output{std::move(result), std::nullopt};
      if (output.result.trace)
        output.trace_path =
            fs::relative(write_trace(report.dir / "traces", *output.result.trace), report.dir)
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
      "report", "Run check and write one review artefact: index.html, report.md, mail.txt, "
                "results.json and the traces.");
  cmd->add_option("--out", options->out, "Directory to write the report into")->required();
  add_check_run_options(*cmd, options->run);
  cmd->add_flag("--strict", options->strict, "Exit 1 if any pair is violated");
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
  cmd->footer("index.html is self-contained: the verdict matrix coloured by verdict, every\n"
              "violated or conditional cell linked to its minimal trace with a sequence\n"
              "diagram (graphviz) and the text form. report.md is the same in Markdown for a\n"
              "forge or CI summary; mail.txt is plain text wrapped at 72 columns with the\n"
              "traces inline, ready to paste into a review reply.\n\n"
              "Examples:\n"
              "  trimcheck report --out review-v7 --proposal sassu-v6 --proposal sassu-v7\n"
              "  trimcheck report --out p2 --proposal sassu-v7 --property P2 --prove\n"
              "  firefox review-v7/index.html; cat review-v7/mail.txt\n\n"
              "Exit codes: 0 report written, 1 report written but a step failed (the report\n"
              "says which) or --strict and a violation, 2 bad option or unwritable --out.");
  cmd->callback([options, &exit_code] {
    std::vector<Pair> pairs;
    try {
      pairs = select_pairs(options->run.selection);
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
    std::cerr << "trimcheck report: check, " << pairs.size() << " pairs, " << report.budget.runs
              << " runs per regime, seed " << report.budget.seed << "\n";
    run_check_step(report, pairs, options->run.jobs);
    if (options->prove)
      run_prove_step(report, pairs, options->prove_options);
    try {
      write_file(report.dir / "index.html", report_html(report));
      write_file(report.dir / "report.md", report_markdown(report));
      write_file(report.dir / "mail.txt", report_mail(report));
      write_file(report.dir / "results.json",
                 results_json(report.budget.seed, report.outputs).dump(2) + "\n");
    } catch (const std::runtime_error &error) {
      std::cerr << "trimcheck report: " << error.what() << "\n";
      exit_code = kExitBadInput;
      return;
    }
    bool failed = false, violated = false;
    for (const ReportStep &step : report.steps) {
      failed |= step.status == ReportStep::Status::failed;
      std::cerr << "trimcheck report: " << step.name << ": "
                << (step.status == ReportStep::Status::ok ? "" : "FAILED: ") << step.detail << "\n";
    }
    for (const PairOutput &output : report.outputs)
      violated |= output.result.verdict == Verdict::violated;
    for (const ProofOutput &proof : report.proofs)
      violated |= proof.result.result == prove::Result::violated;
    std::cout << (report.dir / "index.html").string() << "\n"
              << (report.dir / "report.md").string() << "\n"
              << (report.dir / "mail.txt").string() << "\n";
    exit_code = failed || (options->strict && violated) ? kExitFinding : kExitOk;
  });
}

} // namespace trimcheck::cli
