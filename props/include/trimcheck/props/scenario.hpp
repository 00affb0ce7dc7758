// Random scenarios: interleavings of kernel events, user-space system calls and agent
// protocol steps, turned into concrete actions that the state allows.
//
// RapidCheck generates a Scenario, a configuration plus a list of small choices; the
// ScenarioDriver interprets each choice against the current state (so every action it
// emits is valid) and drops the choices that make no sense there. RapidCheck shrinks the
// choices, and the driver re-interprets them, so shrunk traces stay valid.
#pragma once

#include "trimcheck/props/trace.hpp"

#include <rapidcheck.h>

namespace trimcheck::props {

struct Choice {
  std::uint8_t kind = 0; // what to do (see ScenarioDriver)
  std::uint8_t a = 0;    // which agent / process / file / command
  std::uint8_t b = 0;    // a second selector (fd, access, content version)
  std::uint8_t c = 0;    // a third, independent of a and b (the file of an echo)
  bool operator==(const Choice &) const = default;
};

struct ConfigChoice {
  bool flush_htable = false;
  bool disable_htable = false;
  bool feature_off = false; // the version's Kconfig option disabled
  bool legacy_template = false;
  bool small_kexec_margin = false;
};

// Every flag of ConfigChoice, in declaration order (what mutation, shrinking and
// scenario_code walk).
inline constexpr bool ConfigChoice::*kConfigChoiceFlags[] = {
    &ConfigChoice::flush_htable, &ConfigChoice::disable_htable, &ConfigChoice::feature_off,
    &ConfigChoice::legacy_template, &ConfigChoice::small_kexec_margin};

// Swarm testing (Groce et al., ISSTA 2012): a scenario that leaves out some kinds of
// choice entirely reaches deep states of the kinds it keeps (many reads and no
// measurements; kexec and nothing else) that a scenario mixing every kind rarely does.
// Bit k set: Choice::kind k is left out, and a choice of that kind stands for the next
// kind kept (in a cycle). 0: every kind (the per-property searches never leave one out).
struct Swarm {
  static constexpr int kKinds = 16; // Choice::kind is 0..15
  std::uint32_t left_out = 0;
  std::uint8_t kind(std::uint8_t kind) const;
};

struct Scenario {
  ConfigChoice config;
  std::vector<Choice> choices;
  Swarm swarm;
};

// A scenario as one line of text, the form a trace carries it in (Trace::scenario) and the
// seed corpus holds it in (seed_corpus.hpp): "config=FFFFF swarm=HHHHHHHH choices=..." with
// the five ConfigChoice flags as 0/1 in declaration order, Swarm::left_out in hex, and
// each choice as eight hex digits (kind, a, b, c).
std::string scenario_code(const Scenario &scenario);
// Throws std::invalid_argument naming what is wrong in `code`.
Scenario scenario_from_code(std::string_view code);

model::KernelConfig make_config(model::ProposalId proposal, const ConfigChoice &choice);
// Whether `config` is the version's default configuration (ConfigChoice{}) on whatever base
// tree and firmware PCRs it has: those are the run's setting, not a condition of a verdict.
bool is_default_choice(model::ProposalId proposal, const model::KernelConfig &config);
// Scenarios in every configuration, or in the default one only; `swarm`: each scenario
// leaves out a random set of choice kinds half of the time.
rc::Gen<Scenario> scenario_gen(bool default_config_only, bool swarm = false);

// The actions a scenario stands for, in the given user-space regime, on `config` (which
// the actions are then run on: the driver decides from that kernel's state what may
// continue or block); by default make_config of the scenario's choice.
std::vector<TraceAction> interpret(model::ProposalId proposal, Regime regime,
                                   const Scenario &scenario,
                                   const std::optional<model::KernelConfig> &config = std::nullopt);

} // namespace trimcheck::props
