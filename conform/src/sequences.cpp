// The operation sequences conform runs.
#include "trimcheck/conform/conform.hpp"
#include "trimcheck/props/scenario.hpp"

#include <algorithm>
#include <random>

namespace trimcheck::conform {

using namespace model;

std::vector<Action> kexec_overflow_sequence() {
  // The segment is sized at load (list + PAGE_SIZE / 2, page aligned); 80 new records of
  // about 100 bytes between load and execute do not fit, so the dump is cut short.
  std::vector<Action> actions{Measure{1, 1}, Measure{2, 1}, MeasureViolation{3}, KexecLoad{}};
  for (std::uint32_t file = 10; file < 90; ++file)
    actions.push_back(Measure{file, 1});
  actions.push_back(KexecExecute{});
  actions.push_back(Measure{1, 1}); // measured again: the carried record is not in H
  actions.push_back(Measure{4, 1});
  return actions;
}

std::vector<Action> random_sequence(ProposalId proposal, const KernelConfig &config,
                                    std::uint64_t seed, int length) {
  std::mt19937_64 random(seed);
  auto below = [&](int bound) { return static_cast<std::uint8_t>(random() % bound); };
  const props::Regime regime = seed % 2 ? props::Regime::protocol : props::Regime::arbitrary;
  // Kexecs, each a load and later an execute, at random positions in order: one to three
  // with arbitrary user space; one in the last third with the documented agents (a
  // kexec restarts them, and a protocol round takes a dozen steps).
  const bool agents = regime == props::Regime::protocol;
  if (agents)
    length *= 3; // a documented round (read T, read the list, write, close) takes ~20 steps
  const int kexecs = agents ? 1 : 1 + static_cast<int>(random() % 3);
  const int first = agents ? 2 * length / 3 : 0;
  std::vector<int> at;
  for (int i = 0; i < 2 * kexecs; ++i)
    at.push_back(first +
                 static_cast<int>(random() % static_cast<std::uint64_t>(length + 1 - first)));
  std::sort(at.begin(), at.end());
  // Most choices drive user space, so that removals happen within a short sequence: in
  // the arbitrary regime a quarter are a documented command written whole (open, write,
  // close: kind 11); the rest of user space is kinds 7-16; measurements are kinds 0-4.
  auto next_kind = [&]() -> std::uint8_t {
    const auto roll = random() % 100;
    if (roll < 30)
      return below(5);
    if (regime == props::Regime::arbitrary && roll < 55)
      return 11;
    return static_cast<std::uint8_t>(7 + below(10));
  };
  props::Scenario scenario;
  for (int i = 0; i <= length; ++i) {
    for (std::size_t k = 0; k < at.size(); ++k)
      if (at[k] == i) {
        if (k % 2 == 0)
          scenario.choices.push_back({5, 0, 0}); // load
        else
          for (int step = 0; step < 3; ++step) // execute, then its two continuations
            scenario.choices.push_back({6, 0, 0});
      }
    // Random choices are never kexecs (kinds 5 and 6): the loads and executes above are
    // the sequence's kexecs, completed before anything else runs.
    const std::uint8_t kind = next_kind();
    scenario.choices.push_back({kind, below(9), below(9), below(9)});
  }
  std::vector<Action> actions;
  for (const props::TraceAction &action : props::interpret(proposal, regime, scenario, config))
    if (const Action *model_action = std::get_if<Action>(&action))
      actions.push_back(*model_action);
  return actions;
}

} // namespace trimcheck::conform
