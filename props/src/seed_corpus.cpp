#include "seed_corpus.hpp"

namespace trimcheck::props::detail {

namespace {

constexpr SeedScenario kSeeds[] = {
#include "../seeds/seed_scenarios.inc" // data: scripts/collect-seeds writes it
};

} // namespace

std::span<const SeedScenario> seed_scenarios() {
  return kSeeds;
}

} // namespace trimcheck::props::detail
