// A scenario driven and judged in one pass, with what it covered.
//
// Why: interpret() turns a scenario into actions by running the model, and judging the
// actions (watch_actions) runs the model again. check's searches drive the scenario with
// the properties' monitors watching each step as it is taken, so the kernel is simulated
// once per scenario; the state, the actions and the monitors' verdicts are exactly those
// of interpret() followed by watch_actions().
//
// Coverage: check's shared streams are fed partly by mutating scenarios that reached
// something no earlier scenario of the stream reached (scenario_corpus.hpp). A feature is
// what kind of step an action was, how it ended (blocked, the errno, zero or positive) and
// the coarse shape of the kernel after it (|L| and |S| in buckets, boot count, kexec loaded,
// calls in flight, open files, memory events), packed into an integer, so two features are
// equal exactly when those are.
#pragma once

#include "step.hpp"
#include "trimcheck/props/scenario.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace trimcheck::props::detail {

std::uint64_t coverage_feature(const model::KernelState &state, const TraceAction &action,
                               const model::Outcome &outcome);

struct DriveOptions {
  bool keep_steps = false; // the steps up to where every monitor stopped
  // The coverage of every action: the whole scenario is driven, whatever the monitors do
  // (so that what a stream keeps does not depend on which properties watch it). Without
  // it, driving stops once every monitor has stopped.
  bool coverage = false;
};

struct DrivenRun {
  std::vector<TraceStep> steps;        // if keep_steps
  std::vector<std::uint64_t> features; // if coverage: coverage_feature of each action
  std::vector<std::string> violations; // per property; empty: none
};

// Booted kernels by configuration: booting hashes the boot aggregate in every bank, which
// costs more than copying a booted state, and a search boots the same few configurations
// thousands of times.
class BootCache {
public:
  // A freshly booted kernel of `config` (with a digest memo of its own).
  model::KernelState boot(model::ProposalId proposal, const model::KernelConfig &config);

private:
  std::vector<model::KernelState> states_; // a few: one per configuration drawn
};

// `scenario` in `regime` from `booted` (a freshly booted kernel of its configuration),
// watched by `properties`. Throws std::invalid_argument if the driver emitted an action
// the state does not allow (a bug).
DrivenRun drive_watched(Regime regime, const Scenario &scenario, model::KernelState booted,
                        std::span<const Property *const> properties, DriveOptions options);

// The trace of a counterexample check found: `scenario`, run in `regime` on `config`,
// took `steps`, after which `property`'s monitor said `violation`.
Trace check_trace(model::ProposalId proposal, const model::KernelConfig &config,
                  const Property &property, Regime regime, std::uint64_t seed,
                  std::vector<TraceStep> steps, std::string violation, const Scenario &scenario);

} // namespace trimcheck::props::detail
