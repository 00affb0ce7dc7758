#include "check_run.hpp"
#include "commands.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "report_io.hpp"
#include "worker_processes.hpp"

#include "trimcheck/process/scratch_dir.hpp"

namespace trimcheck::cli {

using namespace props;

void add_check_run_options(CLI::App &cmd, CheckRunOptions &options) {
  cmd.add_option("--proposal", options.selection.proposals,
                 "Version id (repeatable; default: all)");
  cmd.add_option("--property", options.selection.properties,
                 "Property id (repeatable; default: all)");
  cmd.add_option("--seed", options.budget.seed, "Seed; the same seed gives the same results")
      ->check(digits_only())
      ->capture_default_str();
  cmd.add_option("--runs", options.budget.runs, "Random scenarios per pair and regime")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd.add_option("--max-size", options.budget.max_size, "Longest scenario (choices)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd.add_flag_function(
      "--no-seeds", [&options](std::int64_t) { options.budget.seeds = false; },
      "Leave out the seed corpus (scenarios earlier, longer searches found counterexamples\n"
      "with: docs/checking.md), to measure what the random search alone finds");
  cmd.add_option_function<std::string>(
      "--base",
      [&options](const std::string &name) {
        const auto base = model::base_tree_from_name(name);
        if (!base)
          throw CLI::ValidationError("--base", "unknown base tree '" + name +
                                                   "' (as-posted, 6.12, 6.14, 6.15)");
        options.budget.base = *base;
      },
      "Base tree of every configuration (as-posted, 6.12, 6.14, 6.15): e.g. 6.12 for\n"
      "counterexamples a kernel of a series ported to 6.12 can replay (default:\n"
      "each version as posted)");
  cmd.add_option("--jobs", options.jobs, "Worker processes")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  add_quiet_flag(cmd, options.quiet, "a line per pair as it is judged");
}

std::vector<Pair> select_pairs(const PairSelection &options) {
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

namespace {

// The pairs of each version, in the order the versions first appear: a version's
// properties are checked together, so that they share its scenario streams
// (props::check_version).
std::vector<std::vector<std::size_t>> group_by_version(const std::vector<Pair> &pairs) {
  std::vector<std::vector<std::size_t>> groups;
  std::vector<model::ProposalId> versions;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    auto at = std::find(versions.begin(), versions.end(), pairs[i].proposal);
    if (at == versions.end()) {
      versions.push_back(pairs[i].proposal);
      groups.emplace_back();
      at = versions.end() - 1;
    }
    groups[static_cast<std::size_t>(at - versions.begin())].push_back(i);
  }
  return groups;
}

// A worker: takes the next group's number from `queue` until none is left, checks it and
// writes one line per pair ("<pair index> <result JSON>") to `out`.
void work(int queue, const std::vector<Pair> &pairs,
          const std::vector<std::vector<std::size_t>> &groups, const CheckBudget &budget,
          bool quiet, std::ofstream &out) {
  std::uint32_t group = 0;
  while (::read(queue, &group, sizeof group) == static_cast<ssize_t>(sizeof group)) {
    std::vector<const Property *> properties;
    for (std::size_t i : groups[group])
      properties.push_back(pairs[i].property);
    const model::ProposalId proposal = pairs[groups[group].front()].proposal;
    const std::vector<PairResult> results = check_version(proposal, properties, budget);
    std::string progress;
    for (std::size_t k = 0; k < results.size(); ++k) {
      const std::size_t i = groups[group][k];
      out << i << " " << result_to_json(results[k]).dump() << "\n";
      progress += "[" + std::to_string(i + 1) + "/" + std::to_string(pairs.size()) + "] " +
                  std::string(model::proposal_info(proposal).key) + " " +
                  std::string(pairs[i].property->id) + ": " +
                  std::string(verdict_name(results[k].verdict)) + "\n";
    }
    out << std::flush;
    // One write per group so that workers' progress lines do not interleave.
    if (!quiet) [[maybe_unused]]
      auto written = ::write(STDERR_FILENO, progress.data(), progress.size());
  }
}

} // namespace

// Runs the pairs in `jobs` worker processes (RapidCheck keeps global state, so workers
// are processes, not threads), a version at a time: the versions with the most pairs go
// first, and a worker takes the next version when it is done with one. Results come back
// in pair order whatever the job count.
std::vector<PairResult> run_pairs(const std::vector<Pair> &pairs, const CheckBudget &budget,
                                  int jobs, const std::string &who, bool quiet) {
  std::vector<std::vector<std::size_t>> groups = group_by_version(pairs);
  std::stable_sort(groups.begin(), groups.end(),
                   [](const auto &a, const auto &b) { return a.size() > b.size(); });
  jobs = std::max(1, std::min<int>(jobs, static_cast<int>(groups.size())));
  const process::ScratchDir dir("trimcheck-jobs");
  // The work queue: every group's number, written before the workers start (far less than
  // a pipe holds), read four bytes at a time by whichever worker is free.
  int queue[2];
  if (pipe(queue) != 0)
    throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  for (std::uint32_t group = 0; group < groups.size(); ++group)
    [[maybe_unused]] auto queued = ::write(queue[1], &group, sizeof group);
  ::close(queue[1]);
  auto output = [&](int job) { return dir.path() / (std::to_string(job) + ".jsonl"); };
  const bool finished = run_workers(
      jobs, who,
      [&](int job) {
        std::ofstream out(output(job));
        work(queue[0], pairs, groups, budget, quiet, out);
        return 0;
      },
      [&] { std::filesystem::remove_all(dir.path()); });
  ::close(queue[0]);
  std::vector<PairResult> results(pairs.size());
  std::vector<bool> seen(pairs.size(), false);
  for (int job = 0; job < jobs; ++job) {
    std::ifstream in(output(job));
    std::size_t i = 0;
    std::string line;
    while (in >> i && std::getline(in, line) && i < pairs.size()) {
      results[i] = result_from_json(nlohmann::json::parse(line));
      seen[i] = true;
    }
  }
  if (!finished || std::find(seen.begin(), seen.end(), false) != seen.end())
    throw std::runtime_error("a " + who + " worker failed (see the messages above)");
  return results;
}

} // namespace trimcheck::cli
