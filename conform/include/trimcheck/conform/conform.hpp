// Conformance of a real kernel to the model: the same operation sequences run on a
// kernel in a VM (impl_adapters/vm) and on the model started from the state read from
// that kernel (its PCRs 0-9, hence its boot_aggregate), and every observation is
// compared: return values and errnos, bytes read, the counters, PCR 10 of every bank and
// every bank's binary list (plus the ascii list of the ima_hash bank). A kernel crash or
// hang is an observation too. The first mismatch is shrunk to a minimal sequence by
// re-running candidates in fresh VMs and written as a trace (property "conform").
#pragma once

#include "trimcheck/conform/kernel_under_test.hpp"
#include "trimcheck/props/trace.hpp"
#include "trimcheck/vm/machine.hpp"

#include <functional>
#include <map>
#include <optional>
#include <ostream>

namespace trimcheck::conform {

struct Mismatch {
  std::size_t step = 0; // 1-based index of the differing action in the executed sequence
                        // (0: right after boot)
  std::string category; // what differs: return, count, violations, pcr, list, kernel-crash,
                        // hung, agent (shrinking keeps the category)
  std::string what;     // kernel and model values, or the crash report
};

// What a run exercised, as the model saw it (the kernel agreed on every step until a
// mismatch): how much of the version's removal interface a set of runs has reached.
struct Coverage {
  std::size_t runs = 0;
  std::size_t actions = 0;
  std::size_t accepted_writes = 0; // writes that returned >= 0 (removal requests taken)
  std::size_t records_removed = 0; // records freed from kernel memory (Del)
  std::size_t kexecs = 0;
  std::size_t kexecs_after_removal = 0;      // executed with records staged or removed before
  std::size_t memory_unsafe = 0;             // runs ended at a use after free the model predicts
  std::map<std::string, std::size_t> errors; // errno name (EBUSY) -> calls that failed so
  void add(const Coverage &other);
  // "50 runs, 1530 actions, 212 accepted writes, 96 records removed, 98 kexecs (41 after
  // staging or removal), errors: EBADF 12, EBUSY 30"
  std::string line() const;
};

// One sequence run on both sides.
struct RunResult {
  std::vector<model::Action> executed;  // the actions performed (invalid ones are skipped)
  props::Trace trace;                   // the model's steps and outcomes, for replay
  std::vector<std::size_t> trace_steps; // trace steps of each executed action
  std::optional<Mismatch> mismatch;
  bool model_violation = false; // the model's property monitor fired (replay of a trace)
  // Non-empty: the run stopped where the model read freed memory (a use after free) or
  // corrupted a list; the kernel's answers from there on are undefined (a crash included)
  // and were not compared. E.g. "after measure /f0: use-after-free in ...".
  std::string memory_event;
  // The kernel crashed after the model's memory event (KASAN, Oops): that crash's report,
  // taken as the kernel showing the predicted fault rather than as a mismatch.
  std::optional<std::string> predicted_crash;
  Coverage coverage;
};

struct RunOptions {
  vm::VmOptions vm;
  model::ProposalId proposal = model::baseline_proposal();
  model::KernelConfig config; // must describe the kernel under test
};

// Runs `actions` on a fresh VM and on the model.
RunResult run_sequence(const RunOptions &options, const std::vector<model::Action> &actions);
// Runs `actions` on `kernel` (fresh: nothing asked of it yet) and on the model;
// options.vm is not used.
RunResult run_sequence(KernelUnderTest &kernel, const RunOptions &options,
                       const std::vector<model::Action> &actions);

struct Transcript; // transcript.hpp

struct ConformOptions {
  RunOptions run;
  int runs = 20;
  std::uint64_t seed = 1;
  int length = 30;        // choices per random sequence
  int shrink_budget = 40; // VM runs spent on shrinking at most
  std::ostream *progress = nullptr;
  // When set, every run (not the shrinking runs) is recorded and its transcript passed
  // here when the run ends, mismatching or not (conform --record).
  std::function<void(const Transcript &)> record;
};

struct ConformResult {
  int runs_done = 0;
  std::size_t actions_done = 0;
  Coverage coverage;                       // of every run done
  std::optional<RunResult> first_mismatch; // shrunk
  std::vector<model::Action> original;     // the sequence that first mismatched
};

// The sequences conform runs: run 0 is the kexec-overflow case (the list grows past the
// segment sized at kexec load), every other run is random (interleaved processes, kernel
// events, kexec load/execute placed at random positions), made on the model booted with
// `config`: the run's configuration and the kernel's firmware PCRs, so that values the
// sequence writes (an MS PCR target, a Chen count) are ones the kernel's list reaches.
std::vector<model::Action> kexec_overflow_sequence();
std::vector<model::Action> random_sequence(model::ProposalId proposal,
                                           const model::KernelConfig &config, std::uint64_t seed,
                                           int length);

ConformResult conform(const ConformOptions &options);

// Shrinks a mismatching sequence: removes chunks while a fresh VM still mismatches.
RunResult shrink(const RunOptions &options, RunResult failing, int budget, std::ostream *progress);

// A trace (from check, explore, prove or conform) replayed on a kernel: its actions run on
// the kernel and the model side by side. For a property trace, `violation` is the
// property's message on the run as the kernel performed it (empty: it holds there).
struct KernelReplay {
  RunResult run;
  std::string violation;
  std::size_t skipped = 0; // trace actions the model refused in the kernel's start state
  // Why, in words: the first refused action and, when the trace issued it while an earlier
  // call was still blocked (a VM runs each call to completion), that call.
  std::string skipped_why;
  // The first call the trace issues while another process's call is blocked (e.g. a read
  // during a kexec execute), in words; empty if none. A VM runs each call to completion, so
  // the kernel's run has such calls in another order than the trace.
  std::string interleaving;
  // "N step(s) of the trace are not possible on the kernel's run (why)"; set if skipped > 0.
  std::string skipped_text() const;
};
// Throws std::invalid_argument if the trace holds an action a kernel cannot perform.
KernelReplay replay_on_kernel(const vm::VmOptions &vm, const props::Trace &trace);
// The same on `kernel` (fresh: nothing asked of it yet). After a use after free the model
// predicts, asks the kernel once more (its PCR banks) so that a report the kernel printed
// meanwhile (KASAN) is seen.
KernelReplay replay_on_kernel(KernelUnderTest &kernel, const props::Trace &trace);

// The firmware PCRs (PCRs 0-9, KernelConfig::firmware_pcrs) of the TPM of a VM booted with
// `vm` for `config`: what confirm gives check, so that PCR values in its traces (an MS trim
// target, a quote) are ones this VM's kernel can reach.
std::vector<model::FirmwarePcr> vm_firmware_pcrs(const vm::VmOptions &vm,
                                                 model::ProposalId proposal,
                                                 const model::KernelConfig &config);

// Renders a finding for the terminal and writes `<out>/conform-<proposal>.{json,txt}`.
std::string render_mismatch(const RunResult &result);

} // namespace trimcheck::conform
