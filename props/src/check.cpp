#include "trimcheck/props/check.hpp"

#include "scenario_run.hpp"
#include "shared_search.hpp"
#include "trimcheck/props/scenario.hpp"

#include <rapidcheck.h>

#include <iostream>
#include <sstream>

namespace trimcheck::props {

using namespace model;
using detail::budget_config;

std::string_view verdict_name(Verdict verdict) {
  switch (verdict) {
  case Verdict::holds:
    return "holds";
  case Verdict::conditional:
    return "conditional";
  case Verdict::violated:
    return "violated";
  case Verdict::not_applicable:
    return "n/a";
  }
  return "?";
}

namespace {

// RapidCheck prints "Using configuration: seed=..." to stderr when it first loads its
// global configuration. That seed is not trimcheck's (every search runs with its own
// parameters, from --seed), so the banner only misleads: load the configuration once
// with stderr set aside. A malformed RC_PARAMS still throws.
void load_rapidcheck_quietly() {
  static const bool loaded = [] {
    std::ostringstream banner;
    std::streambuf *const stderr_buffer = std::cerr.rdbuf(banner.rdbuf());
    try {
      rc::detail::configuration();
    } catch (...) {
      std::cerr.rdbuf(stderr_buffer);
      throw;
    }
    std::cerr.rdbuf(stderr_buffer);
    return true;
  }();
  (void)loaded;
}

// Hears nothing. RapidCheck's default listener records every failing property and, when
// the process exits, prints "Some of your RapidCheck properties had failures" with an
// RC_PARAMS to reproduce them: RapidCheck's seed again, not trimcheck's (a counterexample
// is reproduced with `trimcheck replay`), and a failing property is a found violation here,
// not a failure.
class SilentListener final : public rc::detail::TestListener {
public:
  void onTestCaseFinished(const rc::detail::CaseDescription &) override {}
  void onShrinkTried(const rc::detail::CaseDescription &, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata &, const rc::detail::TestResult &) override {}
};

} // namespace

std::uint64_t pair_seed(std::uint64_t seed, ProposalId proposal, std::string_view property,
                        Regime regime, bool default_config_only) {
  std::uint64_t h = 1469598103934665603ull ^ seed;
  auto mix = [&](std::string_view text) {
    for (unsigned char c : text)
      h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
  };
  mix(proposal_info(proposal).key);
  mix(property);
  mix(regime_name(regime));
  mix(default_config_only ? "default" : "any");
  return h;
}

std::optional<Trace> search(ProposalId proposal, const Property &property, Regime regime,
                            const CheckBudget &budget, bool default_config_only) {
  std::optional<Trace> last_failure;
  std::string internal_error;
  detail::BootCache boots;
  const std::uint64_t seed =
      pair_seed(budget.seed, proposal, property.id, regime, default_config_only);
  auto testable = [&] {
    const Scenario scenario = *scenario_gen(default_config_only);
    const KernelConfig config = budget_config(proposal, scenario.config, budget);
    const Property *one[] = {&property};
    detail::DrivenRun run;
    try {
      run = detail::drive_watched(regime, scenario, boots.boot(proposal, config), one,
                                  {.keep_steps = false, .coverage = false});
    } catch (const std::invalid_argument &error) { // from model::apply (drive_watched)
      internal_error =
          "the scenario driver emitted an impossible action: " + std::string(error.what());
      throw;
    } catch (const std::exception &error) {
      internal_error = error.what();
      throw;
    }
    if (std::string &violation = run.violations.front(); !violation.empty()) {
      // Most runs violate nothing, so steps are kept only when driving the failing
      // scenario again.
      RunResult kept = detail::run_scenario(proposal, property, regime, scenario, budget, boots);
      if (kept.violation != violation) { // a bug: runs are deterministic
        internal_error = "a scenario driven again reported \"" + kept.violation +
                         "\" instead of \"" + violation + "\"";
        throw std::logic_error(internal_error);
      }
      // The last failure seen is the shrunk one.
      last_failure = detail::check_trace(proposal, config, property, regime, budget.seed,
                                         std::move(kept.steps), violation, scenario);
      RC_FAIL(violation);
    }
  };
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = budget.runs;
  params.maxSize = budget.max_size;
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(proposal_info(proposal).key) + "/" + std::string(property.id);
  load_rapidcheck_quietly();
  SilentListener listener;
  auto result = rc::detail::checkTestable(testable, metadata, params, listener);
  if (result.template is<rc::detail::FailureResult>()) {
    if (!last_failure) // a bug in the model or the driver, never a verdict
      throw std::logic_error(metadata.id + " (" + std::string(regime_name(regime)) +
                             "): internal error: " + internal_error);
    return last_failure;
  }
  return std::nullopt;
}

namespace {

std::string config_condition(const Trace &trace) {
  return "holds with the default configuration; violated with " + trace.config.describe() + ": " +
         trace.violation;
}

std::string arbitrary_condition(const Trace &trace) {
  return "holds when agents follow the documented protocol; violated by arbitrary user space (" +
         trace.config.describe() + "): " + trace.violation;
}

// Whether a protocol counterexample makes the property violated: it needs no configuration
// but the default, or the configuration it needs is what the property is about.
bool violates_outright(ProposalId proposal, const Property &property, const Trace &trace,
                       const CheckBudget &budget) {
  const KernelConfig defaults = budget_config(proposal, ConfigChoice{}, budget);
  return is_default_choice(proposal, trace.config) ||
         !(property.about_config == nullptr || property.about_config(proposal, defaults));
}

void take_violation(PairResult &result, Trace trace) {
  result.verdict = Verdict::violated;
  result.condition.reset();
  result.trace = std::move(trace);
}

// A protocol counterexample: V if it violates outright, else C (unless already C).
void take_protocol_trace(ProposalId proposal, const Property &property, const CheckBudget &budget,
                         PairResult &result, Trace trace) {
  if (violates_outright(proposal, property, trace, budget)) {
    take_violation(result, std::move(trace));
  } else if (result.verdict == Verdict::holds) {
    result.verdict = Verdict::conditional;
    result.condition = config_condition(trace);
    result.trace = std::move(trace);
  }
}

// An arbitrary user-space counterexample of a cell that holds under the protocol; one with
// no user-space step is a protocol counterexample.
void take_arbitrary_trace(ProposalId proposal, const Property &property, const CheckBudget &budget,
                          PairResult &result, Trace trace) {
  if (kernel_events_only(trace)) {
    trace.regime = Regime::protocol;
    take_protocol_trace(proposal, property, budget, result, std::move(trace));
    return;
  }
  result.verdict = Verdict::conditional;
  result.condition = arbitrary_condition(trace);
  result.trace = std::move(trace);
}

// The property's own searches: protocol, then (if the counterexample needs a configuration
// the property is not about) protocol in the default configuration, then arbitrary.
PairResult judge_alone(ProposalId proposal, const Property &property, const CheckBudget &budget) {
  PairResult result{proposal, std::string(property.id), Verdict::holds, std::nullopt, std::nullopt};
  if (!property.applies(proposal, KernelConfig{})) {
    result.verdict = Verdict::not_applicable;
    return result;
  }
  if (auto trace = search(proposal, property, Regime::protocol, budget, false)) {
    if (!violates_outright(proposal, property, *trace, budget)) {
      if (auto plain = search(proposal, property, Regime::protocol, budget, true)) {
        take_violation(result, std::move(*plain));
        return result;
      }
    }
    take_protocol_trace(proposal, property, budget, result, std::move(*trace));
    return result;
  }
  if (auto trace = search(proposal, property, Regime::arbitrary, budget, false))
    take_arbitrary_trace(proposal, property, budget, result, std::move(*trace));
  return result;
}

// One shared stream over the results that `wanted` selects; `take` folds each
// counterexample found into its result.
template <typename Wanted, typename Take>
void shared_stage(ProposalId proposal, std::vector<PairResult> &results,
                  std::span<const Property *const> properties, Regime regime,
                  bool default_config_only, const CheckBudget &budget, Wanted wanted, Take take) {
  std::vector<std::size_t> index;
  std::vector<const Property *> watching;
  for (std::size_t i = 0; i < results.size(); ++i)
    if (wanted(results[i])) {
      index.push_back(i);
      watching.push_back(properties[i]);
    }
  if (watching.empty())
    return;
  auto found = detail::search_shared(proposal, watching, regime, budget, default_config_only,
                                     budget.runs * budget.shared_factor);
  for (std::size_t k = 0; k < index.size(); ++k)
    if (found[k])
      take(results[index[k]], *properties[index[k]], std::move(*found[k]));
}

} // namespace

std::vector<PairResult> check_version(ProposalId proposal,
                                      std::span<const Property *const> properties,
                                      const CheckBudget &budget) {
  std::vector<PairResult> results;
  for (const Property *property : properties)
    results.push_back(judge_alone(proposal, *property, budget));
  if (budget.shared_factor <= 0)
    return results;
  // The shared streams only improve a verdict (holds -> conditional -> violated), and a
  // cell that the property's own search decided keeps that search's counterexample.
  auto not_violated = [](const PairResult &r) {
    return r.verdict == Verdict::holds || r.verdict == Verdict::conditional;
  };
  shared_stage(
      proposal, results, properties, Regime::protocol, true, budget, not_violated,
      [](PairResult &r, const Property &, Trace trace) { take_violation(r, std::move(trace)); });
  shared_stage(proposal, results, properties, Regime::protocol, false, budget, not_violated,
               [&](PairResult &r, const Property &property, Trace trace) {
                 take_protocol_trace(proposal, property, budget, r, std::move(trace));
               });
  shared_stage(
      proposal, results, properties, Regime::arbitrary, false, budget,
      [](const PairResult &r) { return r.verdict == Verdict::holds; },
      [&](PairResult &r, const Property &property, Trace trace) {
        take_arbitrary_trace(proposal, property, budget, r, std::move(trace));
      });
  return results;
}

PairResult check_pair(ProposalId proposal, const Property &property, const CheckBudget &budget) {
  const Property *one[] = {&property};
  return std::move(check_version(proposal, one, budget).front());
}

std::string replay(const Trace &trace) {
  const Property *property = find_property(trace.property);
  if (property == nullptr)
    throw TraceFormatError("$.property: unknown property \"" + trace.property + "\"");
  std::vector<TraceAction> actions;
  for (const TraceStep &step : trace.steps)
    actions.push_back(step.action);
  RunResult run = run_actions(trace.proposal, trace.config, *property, actions);
  if (!run.invalid.empty())
    throw std::invalid_argument(run.invalid);
  return run.violation;
}

} // namespace trimcheck::props
