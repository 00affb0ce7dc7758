#include "trimcheck/conform/conform.hpp"
#include "trimcheck/conform/kernel_setup.hpp"
#include "trimcheck/conform/transcript.hpp"

#include <chrono>

namespace trimcheck::conform {
namespace {

// One run on a fresh VM, recorded if asked. `run` is 0-based.
RunResult run_once(const ConformOptions &options, int run,
                   const std::vector<model::Action> &actions) {
  if (!options.record)
    return run_sequence(options.run, actions);
  Transcript transcript;
  transcript.proposal = options.run.proposal;
  transcript.config = options.run.config;
  transcript.seed = options.seed;
  transcript.run = run + 1;
  transcript.actions = actions;
  LiveKernel live(vm_options(options.run.vm, options.run.proposal, options.run.config));
  RecordingKernel recording(live, transcript);
  RunResult result = run_sequence(recording, options.run, actions);
  if (live.release())
    transcript.kernel["release"] = *live.release();
  transcript.recorded_mismatch = result.mismatch;
  options.record(transcript);
  return result;
}

} // namespace

ConformResult conform(const ConformOptions &options) {
  ConformResult result;
  // Random sequences are made on the model of the run's configuration with the kernel's
  // firmware PCRs, learned from the first run (whose sequence does not depend on them).
  model::KernelConfig sequence_config = options.run.config;
  for (int run = 0; run < options.runs; ++run) {
    const auto started = std::chrono::steady_clock::now();
    const std::vector<model::Action> actions =
        run == 0 ? kexec_overflow_sequence()
                 : random_sequence(options.run.proposal, sequence_config, options.seed * 1000 + run,
                                   options.length);
    RunResult outcome = run_once(options, run, actions);
    if (run == 0)
      sequence_config.firmware_pcrs = outcome.trace.config.firmware_pcrs;
    ++result.runs_done;
    result.actions_done += outcome.executed.size();
    result.coverage.add(outcome.coverage);
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
