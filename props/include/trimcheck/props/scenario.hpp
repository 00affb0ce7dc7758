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
};

struct ConfigChoice {
  bool flush_htable = false;
  bool disable_htable = false;
  bool feature_off = false; // the version's Kconfig option disabled
  bool legacy_template = false;
  bool small_kexec_margin = false;
};

struct Scenario {
  ConfigChoice config;
  std::vector<Choice> choices;
};

model::KernelConfig make_config(model::ProposalId proposal, const ConfigChoice &choice);
rc::Gen<Scenario> scenario_gen(bool default_config_only);

// The actions a scenario stands for, in the given user-space regime, on `config` (which
// the actions are then run on: the driver decides from that kernel's state what may
// continue or block); by default make_config of the scenario's choice.
std::vector<TraceAction> interpret(model::ProposalId proposal, Regime regime,
                                   const Scenario &scenario,
                                   const std::optional<model::KernelConfig> &config = std::nullopt);

} // namespace trimcheck::props
