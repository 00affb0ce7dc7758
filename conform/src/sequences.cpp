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

std::vector<Action> random_sequence(ProposalId proposal, std::uint64_t seed, int length) {
  std::mt19937_64 random(seed);
  auto below = [&](int bound) { return static_cast<std::uint8_t>(random() % bound); };
  // One to three kexecs, each a load and later an execute, at random positions in order.
  const int kexecs = 1 + static_cast<int>(random() % 3);
  std::vector<int> at;
  for (int i = 0; i < 2 * kexecs; ++i)
    at.push_back(static_cast<int>(random() % static_cast<std::uint64_t>(length + 1)));
  std::sort(at.begin(), at.end());
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
    // Random choices never start a kexec (kinds 5 and 6 with a < 3): the loads and
    // executes above are the sequence's kexecs, completed before anything else runs.
    const std::uint8_t kind = below(17);
    const std::uint8_t a =
        kind == 5 || kind == 6 ? static_cast<std::uint8_t>(3 + below(6)) : below(9);
    scenario.choices.push_back({kind, a, below(9)});
  }
  const props::Regime regime = seed % 2 ? props::Regime::protocol : props::Regime::arbitrary;
  std::vector<Action> actions;
  for (const props::TraceAction &action : props::interpret(proposal, regime, scenario))
    if (const Action *model_action = std::get_if<Action>(&action))
      actions.push_back(*model_action);
  return actions;
}

} // namespace trimcheck::conform
