// A new version is added in model/ alone (docs/tutorial.md, section 2).
//
// This test is built against model/ and props/ compiled with TRIMCHECK_SYNTHETIC_VERSION
// (trimcheck_model_synthetic, trimcheck_props_synthetic), which adds "sassu-v7-copy"
// exactly as the tutorial adds a version: an id in proposal.hpp, a row in proposal.cpp
// and traits in sassu_traits.cpp (`kV7Copy = kV7`), each guarded by that definition and
// nowhere else. If any other place (a switch, a table or a list of ids in props/, or a
// place they ask) needed an edit for a new version, the copy would differ from sassu-v7
// here: in its protocols, its applicable properties, its check verdicts or its explored
// state space.
#include "trimcheck/model/machine.hpp"
#include "trimcheck/model/removal_interface.hpp"
#include "trimcheck/props/check.hpp"
#include "trimcheck/props/explore.hpp"
#include "trimcheck/props/trace.hpp"

#include "../../props/src/agents.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#ifndef TRIMCHECK_SYNTHETIC_VERSION
#error "built against trimcheck_model_synthetic and trimcheck_props_synthetic only"
#endif

namespace trimcheck {
namespace {

using model::ProposalId;
constexpr ProposalId kV7 = ProposalId::sassu_v7;
constexpr ProposalId kCopy = ProposalId::sassu_v7_copy;

// Every configuration check and explore choose from, as each version builds it.
std::vector<model::KernelConfig> configs(ProposalId proposal) {
  std::vector<model::KernelConfig> out;
  for (const props::ConfigChoice &choice : props::all_config_choices())
    out.push_back(props::make_config(proposal, choice));
  return out;
}

TEST(SyntheticVersion, IsAVersionOfTheSassuFamily) {
  EXPECT_EQ(model::proposal_from_key("sassu-v7-copy"), kCopy);
  EXPECT_EQ(model::proposal_info(kCopy).family, model::Family::sassu);
  EXPECT_EQ(model::all_proposals().back().id, kCopy);
}

TEST(SyntheticVersion, HasTheModelFactsOfSassuV7) {
  EXPECT_EQ(model::feature_kconfig(kCopy), model::feature_kconfig(kV7));
  EXPECT_EQ(model::has_flush_htable(kCopy), model::has_flush_htable(kV7));
  EXPECT_EQ(model::removal_interface(kCopy), model::removal_interface(kV7));
  const auto v7_configs = configs(kV7), copy_configs = configs(kCopy);
  ASSERT_EQ(copy_configs, v7_configs);
  for (const model::KernelConfig &config : v7_configs) {
    EXPECT_EQ(model::feature_enabled(kCopy, config), model::feature_enabled(kV7, config));
    model::KernelState copy = model::boot(kCopy, config);
    EXPECT_EQ(copy.proposal, kCopy);
    copy.proposal = kV7;
    EXPECT_EQ(copy, model::boot(kV7, config)) << config.describe();
  }
}

TEST(SyntheticVersion, GetsTheProtocolsOfSassuV7) {
  EXPECT_TRUE(
      std::ranges::equal(props::detail::protocols_for(kCopy), props::detail::protocols_for(kV7)));
  EXPECT_GT(props::detail::protocols_for(kV7).size(), 1u); // more than the reader
}

TEST(SyntheticVersion, GetsTheApplicablePropertiesOfSassuV7) {
  int applicable = 0;
  for (const props::Property &property : props::all_properties())
    for (const model::KernelConfig &config : configs(kV7)) {
      EXPECT_EQ(property.applies(kCopy, config), property.applies(kV7, config))
          << property.id << " on " << config.describe();
      applicable += property.applies(kV7, config);
      if (property.about_config != nullptr) {
        EXPECT_EQ(property.about_config(kCopy, config), property.about_config(kV7, config))
            << property.id << " on " << config.describe();
      }
    }
  EXPECT_GT(applicable, 0);
}

// check seeds every pair's search and every shared stream from the version's key
// (props::pair_seed; a stream's seed is pair_seed with a stream name), so the same
// --seed searches the two columns with different random choices. The seed below gives
// the copy the very seeds sassu-v7 gets from kSeed: pair_seed is FNV-1a over the key,
// then the property, regime and configuration set, and FNV-1a's steps can be undone, so
// undoing the copy's key from the hash after sassu-v7's key gives it.
constexpr std::uint64_t kFnvBasis = 1469598103934665603ull, kFnvPrime = 1099511628211ull;

std::uint64_t inverse(std::uint64_t odd) { // mod 2^64, by Newton's iteration
  std::uint64_t x = odd;
  for (int i = 0; i < 6; ++i)
    x *= 2 - odd * x;
  return x;
}

std::uint64_t mixed(std::uint64_t h, std::string_view key) {
  for (unsigned char c : key)
    h = (h ^ c) * kFnvPrime;
  return (h ^ 0xff) * kFnvPrime;
}

std::uint64_t unmixed(std::uint64_t h, std::string_view key) {
  const std::uint64_t undo = inverse(kFnvPrime);
  h = (h * undo) ^ 0xff;
  for (auto c = key.rbegin(); c != key.rend(); ++c)
    h = (h * undo) ^ static_cast<unsigned char>(*c);
  return h;
}

std::uint64_t seed_with_the_pair_seeds_of(std::uint64_t seed, ProposalId of, ProposalId as) {
  const std::uint64_t after_key = mixed(kFnvBasis ^ seed, model::proposal_info(of).key);
  return unmixed(after_key, model::proposal_info(as).key) ^ kFnvBasis;
}

constexpr std::uint64_t kSeed = 7;

TEST(SyntheticVersion, TheCopysSeedGivesItSassuV7sPairSeeds) {
  const std::uint64_t seed = seed_with_the_pair_seeds_of(kSeed, kV7, kCopy);
  EXPECT_NE(seed, kSeed);
  for (const props::Property &property : props::all_properties())
    for (props::Regime regime : {props::Regime::protocol, props::Regime::arbitrary})
      for (bool default_only : {false, true})
        ASSERT_EQ(props::pair_seed(seed, kCopy, property.id, regime, default_only),
                  props::pair_seed(kSeed, kV7, property.id, regime, default_only))
            << "props::pair_seed no longer hashes as this test undoes it";
}

// A trace of the copy as sassu-v7's would read.
nlohmann::json as_v7(props::Trace trace) {
  trace.proposal = kV7;
  trace.seed = kSeed;
  return props::to_json(trace);
}

TEST(SyntheticVersion, GetsTheCheckVerdictsOfSassuV7) {
  props::CheckBudget v7_budget; // check's default runs, size and shared streams
  v7_budget.seed = kSeed;
  props::CheckBudget copy_budget = v7_budget;
  copy_budget.seed = seed_with_the_pair_seeds_of(kSeed, kV7, kCopy);
  std::vector<const props::Property *> properties;
  for (const props::Property &property : props::all_properties())
    properties.push_back(&property);
  const auto v7_results = props::check_version(kV7, properties, v7_budget);
  const auto copy_results = props::check_version(kCopy, properties, copy_budget);
  int judged = 0, with_trace = 0;
  for (std::size_t i = 0; i < properties.size(); ++i) {
    const props::PairResult &v7 = v7_results[i];
    const props::PairResult &copy = copy_results[i];
    const std::string_view id = properties[i]->id;
    EXPECT_EQ(props::verdict_name(copy.verdict), props::verdict_name(v7.verdict)) << id;
    EXPECT_EQ(copy.condition, v7.condition) << id;
    ASSERT_EQ(copy.trace.has_value(), v7.trace.has_value()) << id;
    if (v7.trace) {
      EXPECT_EQ(as_v7(*copy.trace), as_v7(*v7.trace)) << id;
    }
    judged += v7.verdict != props::Verdict::not_applicable;
    with_trace += v7.trace.has_value();
  }
  EXPECT_GT(judged, 0);
  EXPECT_GT(with_trace, 0); // traces were compared too
}

TEST(SyntheticVersion, ExploresTheStateSpaceOfSassuV7) {
  for (props::Regime regime : {props::Regime::protocol, props::Regime::arbitrary}) {
    props::ExploreOptions options;
    options.config = props::ConfigChoice{};
    options.regime = regime;
    options.bounds = {2, 2, regime == props::Regime::protocol ? 7 : 3, 1};
    options.proposal = kV7;
    const props::ExploreResult v7 = props::explore(options);
    options.proposal = kCopy;
    const props::ExploreResult copy = props::explore(options);
    const auto regime_name = props::regime_name(regime);
    EXPECT_GT(v7.states, 1u) << regime_name;
    EXPECT_EQ(copy.states, v7.states) << regime_name;
    EXPECT_EQ(copy.transitions, v7.transitions) << regime_name;
    EXPECT_EQ(copy.max_depth, v7.max_depth) << regime_name;
    EXPECT_EQ(copy.complete, v7.complete) << regime_name;
    ASSERT_EQ(copy.results.size(), v7.results.size()) << regime_name;
    for (std::size_t i = 0; i < v7.results.size(); ++i) {
      EXPECT_EQ(copy.results[i].property, v7.results[i].property);
      ASSERT_EQ(copy.results[i].trace.has_value(), v7.results[i].trace.has_value())
          << v7.results[i].property << " " << regime_name;
      if (v7.results[i].trace) {
        EXPECT_EQ(as_v7(*copy.results[i].trace), as_v7(*v7.results[i].trace))
            << v7.results[i].property << " " << regime_name;
      }
    }
  }
}

} // namespace
} // namespace trimcheck
