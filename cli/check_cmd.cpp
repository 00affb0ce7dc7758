#include "commands.hpp"
#include "report_io.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

namespace trimcheck::cli {

using namespace props;

namespace {

struct CheckOptions {
  std::vector<std::string> proposals, properties;
  std::uint64_t seed = 1;
  int runs = 2000;
  int max_size = 60;
  std::string out = "trimcheck-out";
  bool json = false;
  int jobs = 2;
  std::string shard;
  std::string junit;
  std::string markdown;
  bool strict = false;
};

struct Pair {
  model::ProposalId proposal;
  const Property *property;
};

std::vector<Pair> select_pairs(const CheckOptions &options) {
  std::vector<model::ProposalId> proposals;
  for (const std::string &key : options.proposals) {
    auto id = model::proposal_from_key(key);
    if (!id)
      throw CLI::ValidationError("--proposal",
                                 "unknown version '" + key + "' (see `trimcheck list`)");
    proposals.push_back(*id);
  }
  if (proposals.empty())
    for (const auto &info : model::all_proposals())
      proposals.push_back(info.id);
  std::vector<const Property *> properties;
  for (const std::string &id : options.properties) {
    const Property *property = find_property(id);
    if (property == nullptr)
      throw CLI::ValidationError("--property",
                                 "unknown property '" + id + "' (see `trimcheck list`)");
    properties.push_back(property);
  }
  if (properties.empty())
    for (const Property &property : all_properties())
      properties.push_back(&property);
  std::vector<Pair> pairs;
  for (const Property *property : properties)
    for (model::ProposalId proposal : proposals)
      pairs.push_back({proposal, property});
  if (!options.shard.empty()) {
    unsigned index = 0, count = 0;
    char slash = 0;
    std::istringstream in(options.shard);
    if (!(in >> index >> slash >> count) || slash != '/' || count == 0 || index == 0 ||
        index > count || !in.eof())
      throw CLI::ValidationError("--shard", "expected I/N with 1 <= I <= N, e.g. 2/4");
    std::vector<Pair> share;
    for (std::size_t i = 0; i < pairs.size(); ++i)
      if (i % count == index - 1)
        share.push_back(pairs[i]);
    pairs = std::move(share);
  }
  return pairs;
}

// Runs the pairs in `jobs` worker processes (RapidCheck keeps global state, so workers
// are processes, not threads). Results come back in pair order whatever the job count.
std::vector<PairResult> run_pairs(const std::vector<Pair> &pairs, const CheckBudget &budget,
                                  int jobs) {
  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(pairs.size())));
  const std::string dir = [] {
    char templ[] = "/tmp/trimcheck-jobs.XXXXXX";
    const char *made = mkdtemp(templ);
    if (made == nullptr)
      throw std::runtime_error("cannot create a temporary directory");
    return std::string(made);
  }();
  std::vector<pid_t> workers;
  for (int job = 0; job < jobs; ++job) {
    pid_t pid = fork();
    if (pid < 0)
      throw std::runtime_error("fork failed");
    if (pid == 0) {
      int code = 0;
      try {
        std::ofstream out(dir + "/" + std::to_string(job) + ".jsonl");
        for (std::size_t i = static_cast<std::size_t>(job); i < pairs.size();
             i += static_cast<std::size_t>(jobs)) {
          PairResult result = check_pair(pairs[i].proposal, *pairs[i].property, budget);
          out << result_to_json(result).dump() << "\n" << std::flush;
          // One write per line so that workers' progress lines do not interleave.
          const std::string line = "[" + std::to_string(i + 1) + "/" +
                                   std::to_string(pairs.size()) + "] " +
                                   std::string(model::proposal_info(pairs[i].proposal).key) + " " +
                                   std::string(pairs[i].property->id) + ": " +
                                   std::string(verdict_name(result.verdict)) + "\n";
          [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
        }
      } catch (const std::exception &error) {
        std::cerr << "trimcheck check worker: " << error.what() << "\n";
        code = 3;
      }
      std::cerr.flush();
      _exit(code);
    }
    workers.push_back(pid);
  }
  bool failed = false;
  for (pid_t pid : workers) {
    int status = 0;
    waitpid(pid, &status, 0);
    failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  std::vector<PairResult> results(pairs.size());
  for (int job = 0; job < jobs; ++job) {
    std::ifstream in(dir + "/" + std::to_string(job) + ".jsonl");
    std::string line;
    for (std::size_t i = static_cast<std::size_t>(job); i < pairs.size() && std::getline(in, line);
         i += static_cast<std::size_t>(jobs))
      results[i] = result_from_json(nlohmann::json::parse(line));
    std::filesystem::remove(dir + "/" + std::to_string(job) + ".jsonl");
  }
  std::filesystem::remove(dir);
  if (failed)
    throw std::runtime_error("a check worker failed (see the messages above)");
  return results;
}

} // namespace

void add_check(CLI::App &app, int &exit_code) {
  auto options = std::make_shared<CheckOptions>();
  auto *cmd = app.add_subcommand(
      "check", "Judge every property on every version by random search (RapidCheck) in two "
               "user-space regimes, print the verdict matrix and write a minimal trace per "
               "counterexample.");
  cmd->add_option("--proposal", options->proposals, "Version id (repeatable; default: all)");
  cmd->add_option("--property", options->properties, "Property id (repeatable; default: all)");
  cmd->add_option("--seed", options->seed, "Seed; the same seed gives the same results")
      ->capture_default_str();
  cmd->add_option("--runs", options->runs, "Random scenarios per pair and regime")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--max-size", options->max_size, "Longest scenario (choices)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--out", options->out, "Directory for counterexample traces")
      ->capture_default_str();
  cmd->add_flag("--json", options->json, "Print the results as JSON on stdout");
  cmd->add_option("--jobs", options->jobs, "Worker processes")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--shard", options->shard, "Only the I-th of N deterministic shares (I/N)");
  cmd->add_option("--junit", options->junit, "Also write JUnit XML (one test case per pair)");
  cmd->add_option("--markdown", options->markdown,
                  "Also write the verdict document (docs/verdicts.md) to this file");
  cmd->add_flag("--strict", options->strict, "Exit 1 if any pair is violated");
  cmd->footer(
      "Verdicts: holds (no counterexample in either regime); conditional (holds when agents\n"
      "follow the documented protocol, or only in some configurations; the condition says\n"
      "which); violated (counterexample with the documented protocol); n/a.\n\n"
      "Examples:\n"
      "  trimcheck check\n"
      "  trimcheck check --proposal sassu-v7 --property P9 --seed 3 --out traces\n"
      "  trimcheck check --shard 1/4 --junit shard1.xml --json > shard1.json\n\n"
      "Exit codes: 0 done (also with violations, unless --strict), 1 --strict and a\n"
      "violation, 2 bad option.");
  cmd->callback([options, &exit_code] {
    std::vector<Pair> pairs;
    try {
      pairs = select_pairs(*options);
    } catch (const CLI::ValidationError &error) {
      std::cerr << "trimcheck check: " << error.what() << "\n";
      exit_code = kExitBadInput;
      return;
    }
    CheckBudget budget{options->seed, options->runs, options->max_size};
    std::cerr << "trimcheck check: " << pairs.size() << " (version, property) pairs, "
              << options->runs << " runs per regime, seed " << options->seed << ", "
              << options->jobs << " job(s)\n";
    std::vector<PairResult> results = run_pairs(pairs, budget, options->jobs);
    std::vector<PairOutput> outputs;
    bool violated = false;
    for (PairResult &result : results) {
      PairOutput output{std::move(result), std::nullopt};
      if (output.result.trace)
        output.trace_path = write_trace(options->out, *output.result.trace);
      violated |= output.result.verdict == Verdict::violated;
      outputs.push_back(std::move(output));
    }
    if (!options->junit.empty()) {
      std::ofstream junit(options->junit);
      junit << junit_xml(outputs);
    }
    if (!options->markdown.empty()) {
      std::ofstream markdown(options->markdown);
      markdown << verdicts_markdown(budget, outputs);
    }
    if (options->json)
      std::cout << results_json(options->seed, outputs).dump(2) << "\n";
    else
      std::cout << render_matrix(outputs);
    exit_code = options->strict && violated ? kExitFinding : kExitOk;
  });
}

} // namespace trimcheck::cli
