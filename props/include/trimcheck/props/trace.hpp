// Counterexample traces: what `check`, `explore` and `prove` write and `replay` reads.
//
// A trace is the list of actions that lead from `boot(proposal, config)` to the
// violation, plus what each action returned. Besides the model's actions it holds
// user-space events that do not change the kernel but that properties refer to: an
// agent taking a TPM quote. The JSON schema is docs/trace-format.md (format version 1).
#pragma once

#include "trimcheck/model/machine.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace trimcheck::props {

// An agent reads the TPM's PCRs in a quote (user space; the kernel state is unchanged).
struct Quote {
  model::Pid pid = 1;
  bool operator==(const Quote &) const = default;
};

using TraceAction = std::variant<model::Action, Quote>;

struct TraceStep {
  TraceAction action;
  model::Outcome outcome; // as observed when the trace was recorded
};

enum class Regime : std::uint8_t { protocol, arbitrary };
std::string_view regime_name(Regime regime);

struct Trace {
  static constexpr int kFormatVersion = 1;
  model::ProposalId proposal = model::baseline_proposal();
  model::KernelConfig config;
  std::string property;
  Regime regime = Regime::protocol;
  std::uint64_t seed = 0;
  std::string source = "check"; // check | explore | prove
  std::vector<TraceStep> steps;
  std::string violation; // the property's message at the last step
  // The scenario check interpreted into these steps (scenario_code, scenario.hpp), so that
  // it can seed later searches (seed_corpus.hpp); empty for explore's and prove's traces.
  std::string scenario;
};

// Whether every step is a kernel event (a measurement, a kexec load or execute, the kexec's
// own steps): no process acted, so every protocol allows the run, whatever regime found it.
bool kernel_events_only(const Trace &trace);

class TraceFormatError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

nlohmann::json to_json(const Trace &trace);
// Throws TraceFormatError naming the JSON path of the first problem.
Trace trace_from_json(const nlohmann::json &json);

nlohmann::json action_to_json(const TraceAction &action);
TraceAction action_from_json(const nlohmann::json &json, const std::string &where);
nlohmann::json config_to_json(const model::KernelConfig &config);
model::KernelConfig config_from_json(const nlohmann::json &json, const std::string &where);

std::string describe(const TraceAction &action);
// Greedy word wrap to `width` columns; a word longer than the width is split.
std::vector<std::string> wrap_words(const std::string &text, std::size_t width);
// Plain text, at most 72 columns, for a mail reply.
// `condition`: the trace is a conditional (C) cell's counterexample; the header says
// "conditional" and the condition follows it.
std::string render_text(const Trace &trace,
                        const std::optional<std::string> &condition = std::nullopt);
// A sequence diagram in graphviz DOT (kernel and one lifeline per process).
std::string render_dot(const Trace &trace);

} // namespace trimcheck::props
