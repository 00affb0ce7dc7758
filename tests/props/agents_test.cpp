// Agents: copies share what an agent has read and quoted until one of them changes it, and
// a change to one copy is never seen by another (explore copies an agent with every World).
#include "../../props/src/agents.hpp"

#include "trimcheck/model/machine.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props::detail {
namespace {

std::string encoding(const Agent &agent) {
  model::Renaming identity;
  for (std::uint32_t id = 0; id < 16; ++id) {
    identity.pid.push_back(id);
    identity.open_file.push_back(id);
  }
  model::StateEncoder out(identity);
  agent.encode(out);
  return out.take();
}

// Runs the agent's next action on `state` and lets it observe the outcome; false when the
// script has finished.
bool step(Agent &agent, model::KernelState &state) {
  const std::optional<TraceAction> action = agent.next(state);
  if (!action)
    return false;
  const auto *model_action = std::get_if<model::Action>(&*action);
  const model::Outcome outcome =
      model_action ? model::apply(state, *model_action) : model::Outcome{}; // a quote
  agent.observe(state, outcome);
  return true;
}

// The agent after its first `steps` steps on `state`.
Agent stepped(model::KernelState &state, Protocol protocol, int steps) {
  Agent agent(state.proposal);
  agent.restart(protocol);
  for (int i = 0; i < steps; ++i)
    EXPECT_TRUE(step(agent, state));
  return agent;
}

TEST(Agent, ACopyKeepsWhatItHadReadWhileTheOriginalReadsOn) {
  model::KernelState state = model::boot(model::ProposalId::baseline_6_12, model::KernelConfig{});
  for (std::uint32_t file = 0; file < 3; ++file) // a list that takes several reads
    model::apply(state, model::Measure{file, 0});
  Agent reader(state.proposal);
  reader.restart(Protocol::reader);
  std::vector<std::string> encodings{encoding(reader)};
  std::vector<Agent> copies{reader};
  while (step(reader, state)) {
    encodings.push_back(encoding(reader));
    copies.push_back(reader);
  }
  ASSERT_GE(encodings.size(), 6u); // spawn, open, reads, close, exit
  // Each copy still encodes as the agent did when it was copied, although the original
  // went on reading into (and then cleared) the buffers they shared.
  for (std::size_t i = 0; i < copies.size(); ++i)
    EXPECT_EQ(encoding(copies[i]), encodings[i]) << "copy " << i;
  // The reads changed what the agent holds: the encodings are not all alike.
  EXPECT_NE(encodings[2], encodings[encodings.size() - 3]);
}

// What an agent quoted is part of its identity: two agents at the same step of the same
// script, which quoted different PCR values, are different states.
TEST(Agent, WhatItQuotedIsPartOfItsEncoding) {
  const model::ProposalId version = model::ProposalId::sassu_v7;
  model::KernelState before = model::boot(version, model::KernelConfig{});
  model::KernelState after = before;
  model::apply(after, model::Measure{0, 0});
  const Agent quoted_before = stepped(before, Protocol::quote_then_trim, 2); // spawn, quote
  const Agent quoted_after = stepped(after, Protocol::quote_then_trim, 2);
  EXPECT_NE(encoding(quoted_before), encoding(quoted_after));
  model::KernelState again = model::boot(version, model::KernelConfig{});
  EXPECT_EQ(encoding(stepped(again, Protocol::quote_then_trim, 2)), encoding(quoted_before));
}

} // namespace
} // namespace trimcheck::props::detail
