// Shrinking a mismatch: delta debugging over the executed actions, each candidate
// checked on the model first (all its actions possible) and then in a fresh VM.
#include "trimcheck/conform/conform.hpp"
#include "trimcheck/vm/kernel.hpp"

namespace trimcheck::conform {
namespace {

using namespace model;

bool possible_on_model(const RunOptions &options, const std::vector<Action> &actions) {
  KernelState state = boot(options.proposal, options.config);
  try {
    for (const Action &action : actions)
      for (const Action &part : vm::realised(action)) {
        Outcome outcome = apply(state, part);
        while (!outcome.done)
          outcome = apply(state, Continue{std::holds_alternative<KexecExecute>(part)
                                              ? Pid{0}
                                              : std::visit(
                                                    [](const auto &a) -> Pid {
                                                      if constexpr (requires { a.pid; })
                                                        return a.pid;
                                                      else
                                                        return 0;
                                                    },
                                                    part)});
      }
  } catch (const std::invalid_argument &) {
    return false;
  }
  return true;
}

} // namespace

RunResult shrink(const RunOptions &options, RunResult failing, int budget, std::ostream *progress) {
  RunResult best = std::move(failing);
  const std::string category = best.mismatch->category;
  // Runs a candidate in a fresh VM (if the model allows it); true if it still mismatches
  // the same way, and then it becomes the best.
  auto attempt = [&](const std::vector<Action> &candidate) {
    if (budget <= 0 || candidate.size() >= best.executed.size() ||
        !possible_on_model(options, candidate))
      return false;
    --budget;
    RunResult run = run_sequence(options, candidate);
    const bool same = run.mismatch && run.mismatch->category == category;
    if (progress)
      *progress << "  shrink: " << candidate.size() << " actions -> "
                << (same ? "still mismatches" : "conforms") << "\n";
    if (same)
      best = std::move(run);
    return same;
  };
  // First whole kinds of action at once (all measurements, all reads, ...): few VM runs
  // when the mismatch needs only some kinds, e.g. only kexec.
  for (std::size_t kind = 0; kind < std::variant_size_v<Action>; ++kind) {
    std::vector<Action> candidate;
    for (const Action &action : best.executed)
      if (action.index() != kind)
        candidate.push_back(action);
    attempt(candidate);
  }
  // Then delta debugging over chunks, halving the chunk size.
  std::size_t chunk = std::max<std::size_t>(1, best.executed.size() / 2);
  while (budget > 0) {
    bool removed = false;
    for (std::size_t start = 0; start < best.executed.size() && budget > 0;) {
      std::vector<Action> candidate = best.executed;
      candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(start),
                      candidate.begin() +
                          static_cast<std::ptrdiff_t>(std::min(start + chunk, candidate.size())));
      if (attempt(candidate))
        removed = true;
      else
        start += chunk;
    }
    if (!removed) {
      if (chunk == 1)
        break;
      chunk /= 2;
    }
  }
  return best;
}

} // namespace trimcheck::conform
