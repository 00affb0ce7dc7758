#include "trimcheck/conform/conform.hpp"

#include <chrono>

namespace trimcheck::conform {

ConformResult conform(const ConformOptions &options) {
  ConformResult result;
  for (int run = 0; run < options.runs; ++run) {
    const auto started = std::chrono::steady_clock::now();
    const std::vector<model::Action> actions =
        run == 0 ? kexec_overflow_sequence()
                 : random_sequence(options.run.proposal, options.seed * 1000 + run, options.length);
    RunResult outcome = run_sequence(options.run, actions);
    ++result.runs_done;
    result.actions_done += outcome.executed.size();
    if (options.progress) {
      const auto seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started);
      *options.progress << "run " << run + 1 << "/" << options.runs << " ("
                        << (run == 0 ? "kexec overflow" : "random")
                        << "): " << outcome.executed.size() << " actions, "
                        << (outcome.mismatch ? "MISMATCH" : "conforms") << " ("
                        << static_cast<int>(seconds.count()) << " s)\n";
    }
    if (outcome.mismatch) {
      if (options.progress)
        *options.progress << "  " << outcome.mismatch->what << "\n  shrinking...\n";
      result.original = outcome.executed;
      result.first_mismatch =
          shrink(options.run, std::move(outcome), options.shrink_budget, options.progress);
      return result;
    }
  }
  return result;
}

} // namespace trimcheck::conform
