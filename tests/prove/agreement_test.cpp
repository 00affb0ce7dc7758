// Agreement of `prove` with `explore` on the bounded configurations of the explore
// manifest (tests/data/explore-manifest.json), for every encoded property of each
// version: a violation explore finds with a shortest trace of n actions must be found by
// BMC to depth n (every symbolic step is at least one action) and replay concretely; a
// proof must not contradict explore (the property holds within the bounds).
#include "trimcheck/props/explore.hpp"
#include "trimcheck/props/scenario.hpp"
#include "trimcheck/prove/prove.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <ostream>

namespace trimcheck::prove {
namespace {

// Budget of one prove run. Proofs of these pairs close in a few seconds; a pair whose
// induction does not close (holds-to-depth) costs the whole budget, so the bound is small.
constexpr double kTimeoutSeconds = 8;
constexpr int kProofDepth = 2; // BMC bound before the induction when explore found nothing

struct ManifestEntry {
  std::string key;
  props::ExploreOptions options;
};

void PrintTo(const ManifestEntry &entry, std::ostream *out) {
  *out << entry.key;
}

std::vector<ManifestEntry> manifest_entries() {
  std::ifstream in(std::string(TRIMCHECK_SOURCE_DIR) + "/tests/data/explore-manifest.json");
  const nlohmann::json manifest = nlohmann::json::parse(in);
  std::vector<ManifestEntry> entries;
  for (const auto &[key, entry] : manifest.at("entries").items()) {
    const nlohmann::json &bounds = entry.at("bounds");
    props::ExploreOptions options;
    options.proposal = model::proposal_from_key(entry.at("proposal").get<std::string>()).value();
    options.bounds = {bounds.at("max_records").get<int>(), bounds.at("max_agents").get<int>(),
                      bounds.at("max_depth").get<int>(), bounds.at("max_kexecs").get<int>()};
    options.regime =
        bounds.at("regime") == "arbitrary" ? props::Regime::arbitrary : props::Regime::protocol;
    options.config = props::config_choice_from_names(bounds.at("config").get<std::string>());
    entries.push_back({key, options});
  }
  return entries;
}

class ProveAgreement : public testing::TestWithParam<ManifestEntry> {};

TEST_P(ProveAgreement, VerdictsAgreeWithExplore) {
  props::ExploreOptions options = GetParam().options;
  ASSERT_TRUE(options.config) << "the manifest names an unknown configuration";
  const model::KernelConfig config = props::make_config(options.proposal, *options.config);
  for (const props::Property &property : props::all_properties())
    if (encoded(options.proposal, property.id) && property.applies(options.proposal, config))
      options.properties.push_back(&property);
  ASSERT_FALSE(options.properties.empty());
  const props::ExploreResult explored = props::explore(options);
  ASSERT_EQ(explored.results.size(), options.properties.size());
  for (const props::PropertyOutcome &outcome : explored.results) {
    const props::Property &property = *props::find_property(outcome.property);
    const int depth = outcome.trace ? static_cast<int>(outcome.trace->steps.size()) : kProofDepth;
    const ProveResult proved =
        prove(options.proposal, property, {.depth = depth, .timeout_seconds = kTimeoutSeconds});
    SCOPED_TRACE(GetParam().key + " " + outcome.property + ": prove says " +
                 std::string(result_name(proved.result)) + " at depth " +
                 std::to_string(proved.depth) + " (" + proved.note + ")");
    EXPECT_FALSE(proved.replay_mismatch);
    if (outcome.trace) {
      EXPECT_EQ(proved.result, Result::violated)
          << "explore: violated in " << outcome.trace->steps.size() << " actions";
    }
    if (proved.result == Result::proved) {
      EXPECT_FALSE(outcome.trace) << "explore found a counterexample to a proof";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Manifest, ProveAgreement, testing::ValuesIn(manifest_entries()),
                         [](const auto &param) {
                           std::string name = param.param.key;
                           for (char &c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return name;
                         });

} // namespace
} // namespace trimcheck::prove
