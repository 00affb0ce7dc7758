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
  std::size_t chunk = std::max<std::size_t>(1, best.executed.size() / 2);
  while (budget > 0) {
    bool removed = false;
    for (std::size_t start = 0; start < best.executed.size() && budget > 0;) {
      std::vector<Action> candidate = best.executed;
      candidate.erase(candidate.begin() + static_cast<std::ptrdiff_t>(start),
                      candidate.begin() +
                          static_cast<std::ptrdiff_t>(std::min(start + chunk, candidate.size())));
      if (!possible_on_model(options, candidate)) {
        start += chunk;
        continue;
      }
      --budget;
      RunResult attempt = run_sequence(options, candidate);
      const bool same = attempt.mismatch && attempt.mismatch->category == category;
      if (progress)
        *progress << "  shrink: " << candidate.size() << " actions -> "
                  << (same ? "still mismatches" : "conforms") << "\n";
      if (same) {
        best = std::move(attempt);
        removed = true;
      } else {
        start += chunk;
      }
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
