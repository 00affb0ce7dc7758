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

namespace trimcheck::props {
namespace {

const char *kManifest = TRIMCHECK_TEST_DATA "/explore-manifest.json";

// The bounds every entry uses: the default configuration, two agents, two measurements,
// one kexec, seven actions (about one to two seconds per version), every level.
ExploreOptions manifest_options(model::ProposalId proposal) {
  ExploreOptions options;
  options.proposal = proposal;
  options.config = ConfigChoice{};
  options.bounds = {2, 2, 7, 1};
  options.all_levels = true;
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
