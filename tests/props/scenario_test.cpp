// Swarm testing's reading of a choice kind (props/scenario.hpp).
#include "trimcheck/props/scenario.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props {
namespace {

TEST(Swarm, NothingLeftOutKeepsEveryKind) {
  for (std::uint8_t kind = 0; kind < Swarm::kKinds; ++kind)
    EXPECT_EQ(Swarm{}.kind(kind), kind);
}

TEST(Swarm, ALeftOutKindStandsForTheNextKindKept) {
  const Swarm swarm{1u << 1 | 1u << 2 | 1u << 15};
  EXPECT_EQ(swarm.kind(0), 0);
  EXPECT_EQ(swarm.kind(1), 3);
  EXPECT_EQ(swarm.kind(2), 3);
  EXPECT_EQ(swarm.kind(15), 0); // in a cycle
  for (std::uint8_t kind = 0; kind < Swarm::kKinds; ++kind)
    EXPECT_FALSE(swarm.left_out >> swarm.kind(kind) & 1u) << int(kind);
}

TEST(Swarm, EverythingLeftOutReadsAsEveryKind) {
  const Swarm swarm{(1u << Swarm::kKinds) - 1};
  for (std::uint8_t kind = 0; kind < Swarm::kKinds; ++kind)
    EXPECT_EQ(swarm.kind(kind), kind);
}

TEST(Swarm, AScenarioThatSwarmsDrivesOnlyTheKindsItKeeps) {
  // Only measurements kept (kinds 0-3): the driver emits nothing but measurements.
  Scenario scenario;
  scenario.swarm.left_out = ((1u << Swarm::kKinds) - 1) & ~0xfu;
  for (std::uint8_t kind = 0; kind < Swarm::kKinds; ++kind)
    scenario.choices.push_back(Choice{kind, 1, 1, 1});
  const auto actions = interpret(model::ProposalId::sassu_v7, Regime::arbitrary, scenario);
  ASSERT_EQ(actions.size(), scenario.choices.size());
  for (const TraceAction &action : actions)
    EXPECT_TRUE(std::holds_alternative<model::Action>(action) &&
                std::holds_alternative<model::Measure>(std::get<model::Action>(action)))
        << describe(action);
}

} // namespace
} // namespace trimcheck::props
