// The arbitrary regime's listing of its actions (ArbitraryChoices::every_action, what explore
// expands) holds every action that check's choices make, in states of random runs, and the
// combinations that the choices' shared bytes leave out.
#include "trimcheck/model/machine.hpp"
#include "trimcheck/props/scenario.hpp"

#include "../../props/src/arbitrary.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace trimcheck::props {
namespace {

using namespace model;

std::string text(const TraceAction &action) {
  return describe(std::get<Action>(action));
}

// Every action of every choice check can draw (kinds 7-16, bytes 0-255, whole or faulting
// buffer), by its description (an action's description names all its parameters).
std::set<std::string> actions_of_every_choice(const KernelState &state) {
  const detail::ArbitraryChoices choices(state);
  std::set<std::string> out;
  for (int kind = 7; kind <= 16; ++kind)
    for (int a = 0; a < 256; ++a)
      for (int b = 0; b < 256; ++b)
        for (const std::uint8_t c : {std::uint8_t{0}, detail::kFaultingBuffer}) {
          if (c != 0 && kind != 10 && kind != 11)
            continue;
          if (auto action = choices.action(Choice{static_cast<std::uint8_t>(kind),
                                                  static_cast<std::uint8_t>(a),
                                                  static_cast<std::uint8_t>(b), c}))
            out.insert(text(*action));
        }
  return out;
}

std::set<std::string> listed(const KernelState &state) {
  std::set<std::string> out;
  for (const TraceAction &action : detail::ArbitraryChoices(state).every_action())
    out.insert(text(action));
  return out;
}

TEST(ArbitraryChoices, EveryActionHoldsWhatEveryChoiceMakes) {
  std::mt19937 random(25);
  for (const ProposalId proposal : {ProposalId::sassu_v7, ProposalId::chen_v5}) {
    KernelState state = boot(proposal, make_config(proposal, ConfigChoice{}));
    std::size_t compared = 0;
    for (int step = 0; step < 40; ++step) {
      if (step % 8 == 0) { // every few steps, in whatever state the run is in
        const std::set<std::string> actions = listed(state);
        for (const std::string &chosen : actions_of_every_choice(state))
          EXPECT_TRUE(actions.contains(chosen))
              << model::proposal_info(proposal).key << " after " << step << " steps: " << chosen;
        ++compared;
      }
      const Choice choice{static_cast<std::uint8_t>(7 + random() % 10),
                          static_cast<std::uint8_t>(random()), static_cast<std::uint8_t>(random()),
                          static_cast<std::uint8_t>(random() % 8)};
      if (auto action = detail::arbitrary_action(state, choice))
        model::apply(state, std::get<Action>(*action));
    }
    EXPECT_EQ(compared, 5u);
  }
}

// The coupling the listing exists for: the 81 choices explore used to try, (a, b) in
// 0-8, never made p1 write "0\n" beside a second process (a choice picks the process as
// a % 2 and the command as (8a + b) % 18). Every command is listed for every process.
TEST(ArbitraryChoices, EveryActionHasEveryCommandForEveryProcess) {
  KernelState state = boot(ProposalId::sassu_v7, make_config(ProposalId::sassu_v7, ConfigChoice{}));
  const std::string path = detail::arbitrary_file_paths(state).front();
  model::apply(state, Open{1, path, Access::write});
  model::apply(state, Spawn{true});
  const std::set<std::string> actions = listed(state);
  for (std::size_t command = 0; command < detail::kVocabularySize; ++command) {
    const Write write{1, 3, detail::vocabulary_command(state, command)};
    EXPECT_TRUE(actions.contains(describe(Action{write}))) << describe(Action{write});
  }
}

} // namespace
} // namespace trimcheck::props
