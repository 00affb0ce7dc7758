// The explored state and its successors (docs/explore.md).
//
// A World is everything the future of a run depends on: the model's KernelState, the
// user-space agents (protocol regime), the environment's budget counters (how many
// measurements, files, kexec loads and executions the bounds still allow), and one
// monitor per checked property. Monitors are stateful (they see a run step by step), so a
// property is judged on the product of the system and its monitor: two runs that reach
// the same kernel and agent state with different monitor states are different Worlds.
//
// Successors are generated in a fixed order, so the i-th successor of a World is the same
// action in every run: a stored (parent, index) pair is enough to rebuild a trace.
#pragma once

#include "trimcheck/props/explore.hpp"

#include "../agents.hpp"
#include "monitor_pack.hpp"

#include <array>

namespace trimcheck::props::detail {

// What the bounds have used up on this run.
struct Budget {
  std::uint8_t config = 0;     // index into ExploreSpace::configs
  std::uint8_t measures = 0;   // Measure and MeasureViolation actions
  std::uint8_t files_used = 0; // files f0..f(n-1) measured so far
  std::uint8_t loads = 0;      // kexec loads
  std::uint8_t executes = 0;   // kexec executions
  // Calls made, by CallKind, of the kinds ExploreBounds::max_calls limits (the others are
  // not counted, so that runs differing only in them stay one state).
  std::array<std::uint8_t, kCallKinds> calls{};
};

struct World {
  model::KernelState kernel;
  std::vector<Agent> agents;
  Budget budget;
  MonitorPack monitors; // parallel to ExploreSpace::properties
};

// What is explored: the version, regime, bounds, configurations and properties.
struct ExploreSpace {
  model::ProposalId proposal;
  Regime regime;
  ExploreBounds bounds;
  std::vector<ConfigChoice> configs;
  std::vector<const Property *> properties;
};

std::vector<World> initial_worlds(const ExploreSpace &space);

// Open file descriptions that some fd refers to (ExploreBounds::max_open_files).
std::size_t open_file_count(const model::KernelState &kernel);

// The name ExploreBounds::openable calls a file by: its path's last component.
std::string_view file_name(std::string_view path);

// One successor: the action taken and the World it leads to, plus the properties whose
// monitors reported a violation on this transition (index into space.properties, message).
struct Successor {
  TraceAction action;
  World world;
  std::vector<std::pair<std::size_t, std::string>> violations;
};

// An action available in a World, together with the agent it belongs to and that agent's
// state after choosing it (Agent::next has already run; the step has not). The moves of a
// World, in the fixed order, are its successors before any of them is computed: making the
// list is cheap next to a successor (a World copy, the model's step, every monitor), so the
// search can rebuild one chosen successor of a World without computing its siblings.
struct Move {
  TraceAction action;
  std::optional<std::size_t> agent;
  std::optional<Agent> agent_after;
  std::optional<CallKind> spends; // a call of a kind ExploreBounds::max_calls limits
};

// The moves of `world`: move i leads to its successor i.
std::vector<Move> moves_of(const ExploreSpace &space, const World &world);

// The successor that `move` (one of moves_of(space, world)) leads to.
Successor successor_by(const World &world, Move move);
// The same, written over `next`: its World is assigned, not constructed, so the vectors and
// monitors it already holds keep their memory (no allocation when the shapes match).
void step_into(const World &world, Move move, Successor &next);

// Calls `visit(const Successor &)` for every successor of `world`, in the fixed order. Each
// successor is stepped into `scratch` (step_into), which the next one overwrites.
void for_each_successor(const ExploreSpace &space, const World &world, Successor &scratch,
                        const std::function<void(const Successor &)> &visit);

} // namespace trimcheck::props::detail
