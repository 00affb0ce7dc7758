// Regression guard in the style of the TLA+ Examples manifests: every version explores to
// the state and transition counts recorded in tests/data/explore-manifest.json for a small
// bounded configuration. A change of the model, the agents, the monitors or the canonical
// encoding that changes the state space shows up here.
//
// Regenerate after an intended change: scripts/regen-explore-manifest (runs these tests
// with TRIMCHECK_UPDATE_MANIFEST=1, which writes the counts instead of comparing them).
#include "trimcheck/props/explore.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace trimcheck::props {
namespace {

const char *kManifest = TRIMCHECK_TEST_DATA "/explore-manifest.json";

// The bounds every entry uses: the default configuration, two agents, two measurements,
// one kexec, seven actions (about one to two seconds per version).
ExploreOptions manifest_options(model::ProposalId proposal) {
  ExploreOptions options;
  options.proposal = proposal;
  options.config = ConfigChoice{};
  options.bounds = {2, 2, 7, 1};
  return options;
}

nlohmann::json read_manifest() {
  std::ifstream in(kManifest);
  if (!in)
    return {{"format", "trimcheck-explore-manifest"}, {"format_version", 1}, {"entries", {}}};
  return nlohmann::json::parse(in);
}

class ExploreManifest : public testing::TestWithParam<model::ProposalId> {};

TEST_P(ExploreManifest, StateCountsMatch) {
  const auto &info = model::proposal_info(GetParam());
  const ExploreOptions options = manifest_options(GetParam());
  const ExploreResult result = explore(options);
  nlohmann::json entry{{"proposal", info.key},
                       {"bounds",
                        {{"max_records", options.bounds.max_records},
                         {"max_agents", options.bounds.max_agents},
                         {"max_depth", options.bounds.max_depth},
                         {"max_kexecs", options.bounds.max_kexecs},
                         {"regime", "protocol"},
                         {"config", "default"}}},
                       {"states", result.states},
                       {"transitions", result.transitions},
                       {"max_depth", result.max_depth}};
  nlohmann::json manifest = read_manifest();
  if (std::getenv("TRIMCHECK_UPDATE_MANIFEST") != nullptr) {
    manifest["entries"][std::string(info.key)] = entry;
    std::ofstream(kManifest) << manifest.dump(2) << "\n";
    GTEST_SKIP() << "manifest updated";
  }
  ASSERT_TRUE(manifest["entries"].contains(info.key))
      << info.key << " is missing from " << kManifest << " (scripts/regen-explore-manifest)";
  const nlohmann::json &expected = manifest["entries"][std::string(info.key)];
  EXPECT_EQ(expected["bounds"], entry["bounds"]);
  EXPECT_EQ(expected["states"], entry["states"]);
  EXPECT_EQ(expected["transitions"], entry["transitions"]);
  EXPECT_EQ(expected["max_depth"], entry["max_depth"]);
}

// The verdict matrix of docs/verdicts.md, which docs.verdicts_up_to_date keeps equal to
// a default `trimcheck check`: cell[property][version] is H, C, V or -.
std::map<std::string, std::map<std::string, std::string>> default_check_matrix() {
  std::ifstream in(std::string(TRIMCHECK_SOURCE_DIR) + "/docs/verdicts.md");
  auto cells_of = [](const std::string &row) {
    std::vector<std::string> cells;
    std::istringstream fields(row.substr(1));
    for (std::string cell; std::getline(fields, cell, '|');) {
      const auto first = cell.find_first_not_of(' ');
      cells.push_back(first == std::string::npos
                          ? std::string()
                          : cell.substr(first, cell.find_last_not_of(' ') - first + 1));
    }
    return cells;
  };
  std::vector<std::string> versions;
  std::map<std::string, std::map<std::string, std::string>> matrix;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("| |", 0) == 0) {
      versions = cells_of(line); // the first cell is empty
    } else if (!versions.empty() && (line.rfind("| P", 0) == 0 || line.rfind("| B", 0) == 0)) {
      const std::vector<std::string> cells = cells_of(line);
      const std::string id = cells[0].substr(0, cells[0].find(' '));
      for (std::size_t i = 1; i < cells.size() && i < versions.size(); ++i)
        matrix[id][versions[i]] = cells[i];
    }
  }
  return matrix;
}

// Issue 17: the default check misses nothing the other engines find. Every violation
// explore finds within the manifest's bounds is a V or C cell of the default check (and
// ProveAgreement ties prove's findings on these bounds to explore's).
TEST_P(ExploreManifest, DefaultCheckFindsEveryViolationFoundHere) {
  const std::string key(model::proposal_info(GetParam()).key);
  const auto matrix = default_check_matrix();
  ASSERT_FALSE(matrix.empty()) << "no verdict matrix in docs/verdicts.md";
  const ExploreResult result = explore(manifest_options(GetParam()));
  for (const PropertyOutcome &outcome : result.results) {
    if (!outcome.trace)
      continue;
    ASSERT_TRUE(matrix.count(outcome.property) && matrix.at(outcome.property).count(key))
        << outcome.property << " " << key << " is not in docs/verdicts.md";
    const std::string &cell = matrix.at(outcome.property).at(key);
    EXPECT_TRUE(cell == "V" || cell == "C")
        << key << " " << outcome.property << ": explore finds a violation in "
        << outcome.trace->steps.size() << " steps, the default check says " << cell;
  }
}

std::vector<model::ProposalId> every_version() {
  std::vector<model::ProposalId> ids;
  for (const auto &info : model::all_proposals())
    ids.push_back(info.id);
  return ids;
}

INSTANTIATE_TEST_SUITE_P(EveryVersion, ExploreManifest, testing::ValuesIn(every_version()),
                         [](const auto &param) {
                           std::string name(model::proposal_info(param.param).key);
                           for (char &c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return name;
                         });

} // namespace
} // namespace trimcheck::props
