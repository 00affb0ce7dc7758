#include "world.hpp"

#include "../arbitrary.hpp"
#include "../step.hpp"

#include <algorithm>

namespace trimcheck::props::detail {

using namespace model;

namespace {

constexpr std::uint32_t kFiles = 6; // the driver measures /f0../f5

std::vector<Agent> fresh_agents(const ExploreSpace &space) {
  std::vector<Agent> agents;
  const auto protocols = protocols_for(space.proposal);
  for (int i = 0; i < space.bounds.max_agents; ++i) {
    agents.emplace_back(space.proposal);
    // As the scenario driver: agent i starts with the (i+1)-th protocol of the version.
    agents.back().restart(protocols[std::min<std::size_t>(i + 1, protocols.size() - 1)]);
  }
  return agents;
}

// Kernel events. Files are symmetric (only equality of contents matters), so a run
// measures the files in order of first use: a new file is always the lowest unused one
// and is measured in its first content version.
void kernel_moves(const ExploreSpace &space, const World &world, std::vector<Move> &moves) {
  const Budget &budget = world.budget;
  if (budget.measures < space.bounds.max_records) {
    const std::uint32_t files = std::min<std::uint32_t>(budget.files_used + 1u, kFiles);
    for (std::uint32_t file = 0; file < files; ++file)
      for (std::uint32_t version = 0; version < (file < budget.files_used ? 2u : 1u); ++version)
        moves.push_back({Action{Measure{file, version}}, {}, {}});
    for (std::uint32_t file = 0; file < files; ++file)
      moves.push_back({Action{MeasureViolation{file}}, {}, {}});
  }
  const bool executing = blocked(world.kernel, 0);
  if (!executing && budget.loads < space.bounds.max_kexecs)
    moves.push_back({Action{KexecLoad{}}, {}, {}});
  if (executing)
    moves.push_back({Action{Continue{0}}, {}, {}});
  else if (budget.executes < space.bounds.max_kexecs)
    moves.push_back({Action{KexecExecute{}}, {}, {}});
}

// An agent's next step. An agent whose script is over restarts with any protocol of the
// version. A step that only ends the session (no action) is not a transition of its own:
// its effect is folded into the moves of the finished agent, as the driver would do on
// its next choice for that agent.
void agent_moves(const ExploreSpace &space, const World &world, std::size_t index,
                 std::vector<Move> &moves) {
  const Agent &agent = world.agents[index];
  const auto protocols = protocols_for(space.proposal);
  auto try_next = [&](Agent copy, bool may_fold) {
    if (auto action = copy.next(world.kernel)) {
      moves.push_back({*action, index, std::move(copy)});
      return;
    }
    if (may_fold && copy.finished())
      for (Protocol protocol : protocols) {
        Agent again = copy;
        again.restart(protocol);
        if (auto action = again.next(world.kernel))
          moves.push_back({*action, index, std::move(again)});
      }
  };
  if (agent.finished()) {
    for (Protocol protocol : protocols) {
      Agent copy = agent;
      copy.restart(protocol);
      try_next(std::move(copy), false);
    }
    return;
  }
  try_next(agent, true);
}

void arbitrary_moves(const ExploreSpace &space, const World &world, std::vector<Move> &moves) {
  std::size_t live = 0;
  for (const Process &proc : world.kernel.procs)
    live += proc.alive;
  const bool may_create = live < static_cast<std::size_t>(space.bounds.max_agents) + 1;
  const std::size_t first = moves.size();
  const ArbitraryChoices choices(world.kernel);
  // Every write is also tried from a buffer that faults part way (P21), as check does.
  for (std::uint8_t kind = 7; kind <= 16; ++kind)
    for (std::uint8_t a = 0; a < 9; ++a)
      for (std::uint8_t b = 0; b < 9; ++b)
        for (std::uint8_t c : {std::uint8_t{0}, kFaultingBuffer}) {
          if (c != 0 && kind != 10 && kind != 11)
            continue; // c only matters to a write
          auto action = choices.action(Choice{kind, a, b, c});
          if (!action)
            continue;
          const Action &model_action = std::get<Action>(*action);
          if (!may_create && (std::holds_alternative<Spawn>(model_action) ||
                              std::holds_alternative<Fork>(model_action)))
            continue;
          // Many choices stand for the same action; each action is one successor.
          const auto same = [&](const Move &move) { return move.action == *action; };
          if (std::none_of(moves.begin() + first, moves.end(), same))
            moves.push_back({std::move(*action), {}, {}});
        }
}

void update_budget(Budget &budget, const TraceAction &action) {
  const Action *a = std::get_if<Action>(&action);
  if (a == nullptr)
    return;
  if (const auto *measure = std::get_if<Measure>(a)) {
    ++budget.measures;
    budget.files_used = std::max<std::uint8_t>(budget.files_used, measure->file + 1);
  } else if (const auto *violation = std::get_if<MeasureViolation>(a)) {
    ++budget.measures;
    budget.files_used = std::max<std::uint8_t>(budget.files_used, violation->file + 1);
  } else if (std::holds_alternative<KexecLoad>(*a)) {
    ++budget.loads;
  } else if (std::holds_alternative<KexecExecute>(*a)) {
    ++budget.executes;
  }
}

} // namespace

std::vector<World> initial_worlds(const ExploreSpace &space) {
  std::vector<World> worlds;
  for (std::size_t c = 0; c < space.configs.size(); ++c) {
    World world;
    const KernelConfig config = make_config(space.proposal, space.configs[c]);
    world.kernel = boot(space.proposal, config);
    if (space.regime == Regime::protocol)
      world.agents = fresh_agents(space);
    world.budget.config = static_cast<std::uint8_t>(c);
    std::vector<std::unique_ptr<Monitor>> monitors;
    for (const Property *property : space.properties) {
      monitors.push_back(property->applies(space.proposal, config) ? property->make_monitor()
                                                                   : nullptr);
      if (monitors.back())
        monitors.back()->start(world.kernel);
    }
    world.monitors = MonitorPack(monitors);
    worlds.push_back(std::move(world));
  }
  return worlds;
}

std::vector<Move> moves_of(const ExploreSpace &space, const World &world) {
  std::vector<Move> moves;
  kernel_moves(space, world, moves);
  if (space.regime == Regime::protocol) {
    for (std::size_t i = 0; i < world.agents.size(); ++i)
      agent_moves(space, world, i, moves);
  } else {
    arbitrary_moves(space, world, moves);
  }
  return moves;
}

Successor successor_by(const World &world, Move move) {
  Successor next{move.action, world, {}};
  World &after = next.world;
  if (move.agent)
    after.agents[*move.agent] = std::move(*move.agent_after);
  const std::uint32_t boot_before = after.kernel.ghost.boot;
  StepResult step = perform_step(after.kernel, move.action, 0);
  if (after.kernel.ghost.boot != boot_before)
    for (Agent &agent : after.agents)
      agent.reset_after_kexec();
  else if (move.agent)
    after.agents[*move.agent].observe(after.kernel, step.outcome);
  update_budget(after.budget, move.action);
  for (std::size_t p = 0; p < after.monitors.size(); ++p) {
    Monitor *monitor = after.monitors.get(p);
    if (monitor == nullptr)
      continue;
    if (step.facts.memory_undefined && !monitor->watches_memory()) {
      after.monitors.reset(p); // the kernel is undefined from here: nothing left to judge
      continue;
    }
    if (auto violation = monitor->observe(after.kernel, move.action, step.outcome, step.facts)) {
      next.violations.emplace_back(p, std::move(*violation));
      after.monitors.reset(p); // judged: its later steps do not matter on this run
    }
  }
  return next;
}

void for_each_successor(const ExploreSpace &space, const World &world,
                        const std::function<void(Successor &&)> &visit) {
  for (Move &move : moves_of(space, world))
    visit(successor_by(world, std::move(move)));
}

} // namespace trimcheck::props::detail
