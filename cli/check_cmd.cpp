#include "check_run.hpp"
#include "commands.hpp"
#include "json_document.hpp"
#include "report_io.hpp"

#include <iostream>

namespace trimcheck::cli {

using namespace props;

namespace {

struct CheckOptions {
  CheckRunOptions run;
  std::string out = "trimcheck-out";
  bool json = false;
  std::string junit;
  std::string markdown;
  bool strict = false;
};

} // namespace

void add_check(CLI::App &app, int &exit_code) {
  auto options = std::make_shared<CheckOptions>();
  auto *cmd = app.add_subcommand(
      "check", "Judge every property on every version by random search (RapidCheck) in two "
               "user-space regimes, print the verdict matrix and write a minimal trace per "
               "counterexample.");
  add_check_run_options(*cmd, options->run);
  cmd->add_option("--out", options->out, "Directory for counterexample traces")
      ->capture_default_str()
      ->check(writable_directory());
  add_json_flag(*cmd, options->json, "the results");
  cmd->add_option("--shard", options->run.selection.shard,
                  "Only the I-th of N deterministic shares (I/N)");
  cmd->add_option("--junit", options->junit, "Also write JUnit XML (one test case per pair)")
      ->check(writable_file());
  cmd->add_option("--markdown", options->markdown,
                  "Also write the verdict document (docs/verdicts.md) to this file")
      ->check(writable_file());
  cmd->add_flag("--strict", options->strict, "Exit 1 if any pair is violated");
  cmd->footer(with_example_ids(
      "Verdicts: holds (no counterexample in either regime); conditional (holds when agents\n"
      "follow the documented protocol, or only in some configurations; the condition says\n"
      "which); violated (counterexample with the documented protocol); n/a.\n\n"
      "Examples:\n"
      "  trimcheck check\n"
      "  trimcheck check --proposal {newest} --property P9 --seed 3 --out traces\n"
      "  trimcheck check --shard 1/4 --junit shard1.xml --json > shard1.json\n\n"
      "Exit codes: 0 the matrix was computed (also with violated cells, unless --strict:\n"
      "a violated cell is what check reports about a patch, not a failure of the run),\n"
      "1 --strict and a violated cell, 2 bad option or unwritable output."));
  cmd->callback([options, &exit_code] {
    std::vector<Pair> pairs;
    try {
      pairs = select_pairs(options->run.selection);
    } catch (const CLI::ValidationError &error) {
      std::cerr << "trimcheck check: " << error.what() << "\n";
      exit_code = kExitBadInput;
      return;
    }
    const CheckBudget &budget = options->run.budget;
    if (!options->run.quiet)
      std::cerr << "trimcheck check: " << pairs.size() << " (version, property) pairs, "
                << budget.runs << " runs per regime, seed " << budget.seed << ", "
                << options->run.jobs << " job(s)\n";
    std::vector<PairResult> results =
        run_pairs(pairs, budget, options->run.jobs, "trimcheck check", options->run.quiet);
    std::vector<PairOutput> outputs;
    bool violated = false;
    for (PairResult &result : results) {
      PairOutput output{std::move(result), std::nullopt};
      if (output.result.trace)
        output.trace_path =
            write_trace(options->out, *output.result.trace, output.result.condition);
      violated |= output.result.verdict == Verdict::violated;
      outputs.push_back(std::move(output));
    }
    if (!options->junit.empty())
      write_file(options->junit, junit_xml(outputs));
    if (!options->markdown.empty())
      write_file(options->markdown, verdicts_markdown(budget, outputs));
    if (options->json)
      std::cout << json_document("check", results_json(budget.seed, outputs)).dump(2) << "\n";
    else
      std::cout << render_matrix(outputs);
    exit_code = options->strict && violated ? kExitFinding : kExitOk;
  });
}

} // namespace trimcheck::cli
