// Running `check` over a selection of (version, property) pairs: shared by `check` and
// `report`.
#pragma once

#include "trimcheck/props/check.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace trimcheck::cli {

struct Pair {
  model::ProposalId proposal;
  const props::Property *property;
};

// What to check: version keys and property ids (empty: all), and an optional shard "I/N".
struct PairSelection {
  std::vector<std::string> proposals;
  std::vector<std::string> properties;
  std::string shard;
};

// The options `check` and `report` share: which pairs, the search budget, the workers.
struct CheckRunOptions {
  PairSelection selection;
  props::CheckBudget budget{1, 2000, 60};
  int jobs = 2;
  bool quiet = false; // no progress lines on stderr
};
// Registers --proposal, --property, --seed, --runs, --max-size, --base, --jobs and --quiet.
void add_check_run_options(CLI::App &cmd, CheckRunOptions &options);

// Pairs in property-major order. Throws CLI::ValidationError naming the bad option.
std::vector<Pair> select_pairs(const PairSelection &selection);

// Runs the pairs in `jobs` worker processes with a progress line per pair on stderr
// (unless `quiet`); `who` names the command in error messages. Results come back in pair
// order whatever the job count.
std::vector<props::PairResult> run_pairs(const std::vector<Pair> &pairs,
                                         const props::CheckBudget &budget, int jobs,
                                         const std::string &who, bool quiet);

} // namespace trimcheck::cli
