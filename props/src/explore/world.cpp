#include "world.hpp"

#include "../arbitrary.hpp"
#include "../step.hpp"
#include "fingerprint.hpp"

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
    if (space.bounds.long_path_bytes > 0 && budget.files_used < kFiles)
      moves.push_back({Action{Measure{budget.files_used, 0,
                                      static_cast<std::uint32_t>(space.bounds.long_path_bytes)}},
                       {},
                       {}});
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

// A hash of an action consistent with its operator== (it reads only fields that operator==
// compares), to find an action among the moves listed so far without comparing it to
// each of them.
std::uint64_t action_hash(const TraceAction &action) {
  std::uint64_t hash = 0x9e3779b97f4a7c15ull * (action.index() + 1);
  const auto mix = [&](std::uint64_t value) { hash = mix64(hash ^ value) + 0x632be59bd9b4e019ull; };
  if (const Action *model_action = std::get_if<Action>(&action)) {
    mix(model_action->index());
    std::visit(
        [&](const auto &a) {
          if constexpr (requires { a.pid; })
            mix(a.pid);
          if constexpr (requires { a.from; })
            mix(a.from);
          if constexpr (requires { a.file; })
            mix(a.file);
          if constexpr (requires { a.version; })
            mix(a.version);
          if constexpr (requires { a.cap_sys_admin; })
            mix(a.cap_sys_admin);
          if constexpr (requires { a.fd; })
            mix(static_cast<std::uint64_t>(a.fd));
          if constexpr (requires { a.access; })
            mix(static_cast<std::uint64_t>(a.access) + 1);
          if constexpr (requires { a.path; })
            mix(std::hash<std::string>{}(a.path));
          if constexpr (requires { a.count; })
            mix(a.count);
          if constexpr (requires { a.to; })
            mix(a.to);
          if constexpr (requires { a.bytes; })
            mix(std::hash<std::string_view>{}(
                std::string_view(reinterpret_cast<const char *>(a.bytes.data()), a.bytes.size())));
          if constexpr (requires { a.fault_after; })
            mix(a.fault_after ? *a.fault_after + 1ull : 0);
        },
        *model_action);
  }
  return hash;
}

// The distinct actions of a World's choices, in the order of their first choice. About a
// thousand choices give a few dozen actions: each is looked up in an open-addressing table
// of the moves listed so far (comparing each choice with every listed move was a fifth of
// the arbitrary regime's time).
class DistinctMoves {
public:
  explicit DistinctMoves(std::vector<Move> &moves) : moves_(moves), first_(moves.size()) {}
  void add(TraceAction action, std::optional<CallKind> spends = std::nullopt) {
    if (2 * (moves_.size() - first_ + 1) > slots_.size())
      grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = action_hash(action) & mask;; at = (at + 1) & mask) {
      if (slots_[at] == kEmpty) {
        slots_[at] = moves_.size();
        moves_.push_back({std::move(action), {}, {}, spends});
        return;
      }
      if (moves_[slots_[at]].action == action)
        return;
    }
  }

private:
  static constexpr std::size_t kEmpty = ~std::size_t{0};
  void grow() {
    slots_.assign(std::max<std::size_t>(64, 2 * slots_.size()), kEmpty);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t index = first_; index < moves_.size(); ++index) {
      std::size_t at = action_hash(moves_[index].action) & mask;
      while (slots_[at] != kEmpty)
        at = (at + 1) & mask;
      slots_[at] = index;
    }
  }
  std::vector<Move> &moves_;
  std::size_t first_;
  std::vector<std::size_t> slots_;
};

} // namespace

std::size_t open_file_count(const KernelState &kernel) {
  std::size_t count = 0;
  for (const OpenFile &open : kernel.open_files)
    count += open.refs > 0;
  return count;
}

std::string_view file_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

namespace {

bool may_open_file(const ExploreBounds &bounds, const Open &open) {
  if (bounds.openable.empty())
    return true;
  const std::string_view name = file_name(open.path);
  return std::find(bounds.openable.begin(), bounds.openable.end(), name) != bounds.openable.end();
}

void arbitrary_moves(const ExploreSpace &space, const World &world, std::vector<Move> &moves) {
  std::size_t live = 0;
  for (const Process &proc : world.kernel.procs)
    live += proc.alive;
  const bool may_create = live < static_cast<std::size_t>(space.bounds.max_agents) + 1;
  const bool may_open =
      space.bounds.max_open_files == 0 ||
      open_file_count(world.kernel) < static_cast<std::size_t>(space.bounds.max_open_files);
  const ArbitraryChoices choices(world.kernel);
  DistinctMoves distinct(moves); // many choices stand for the same action
  // Every action of the regime's vocabulary (ArbitraryChoices::every_action: all that
  // check's choices make, and the combinations their shared bytes leave out), within the
  // bounds on processes and open files.
  for (TraceAction &action : choices.every_action()) {
    const Action &model_action = std::get<Action>(action);
    if (!may_create &&
        (std::holds_alternative<Spawn>(model_action) || std::holds_alternative<Fork>(model_action)))
      continue;
    if (const auto *open = std::get_if<Open>(&model_action))
      if (!may_open || !may_open_file(space.bounds, *open))
        continue;
    // Within ExploreBounds::max_calls: a limited kind is counted, and left out once spent.
    std::optional<CallKind> spends;
    if (const auto kind = call_kind_of(action))
      if (const auto limit = space.bounds.max_calls.find(*kind);
          limit != space.bounds.max_calls.end()) {
        if (world.budget.calls[static_cast<std::size_t>(*kind)] >= limit->second)
          continue;
        spends = kind;
      }
    distinct.add(std::move(action), spends);
  }
  // A choice continues only the first call in flight; the scheduler may run any of them,
  // and check's runs do when they end (round robin, ScenarioDriver::wind_down) or when an
  // `echo` waits for its write. Without these, explore could not take the interleavings
  // of two blocked writers that check's traces show.
  for (const Request &request : world.kernel.requests)
    if (request.pid != 0)
      distinct.add(Action{Continue{request.pid}});
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
  moves.reserve(24); // more than most Worlds have: one allocation, not one per doubling
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
  Successor next;
  step_into(world, std::move(move), next);
  return next;
}

void step_into(const World &world, Move move, Successor &next) {
  next.action = std::move(move.action);
  next.world = world;
  next.violations.clear();
  World &after = next.world;
  if (move.agent)
    after.agents[*move.agent] = std::move(*move.agent_after);
  const std::uint32_t boot_before = after.kernel.ghost.boot;
  StepResult step = perform_step(after.kernel, next.action, 0);
  if (after.kernel.ghost.boot != boot_before)
    for (Agent &agent : after.agents)
      agent.reset_after_kexec();
  else if (move.agent)
    after.agents[*move.agent].observe(after.kernel, step.outcome);
  update_budget(after.budget, next.action);
  if (move.spends)
    ++after.budget.calls[static_cast<std::size_t>(*move.spends)];
  for (std::size_t p = 0; p < after.monitors.size(); ++p) {
    Monitor *monitor = after.monitors.get(p);
    if (monitor == nullptr)
      continue;
    if (step.facts.memory_undefined && !monitor->watches_memory()) {
      after.monitors.reset(p); // the kernel is undefined from here: nothing left to judge
      continue;
    }
    if (auto violation = monitor->observe(after.kernel, next.action, step.outcome, step.facts)) {
      next.violations.emplace_back(p, std::move(*violation));
      after.monitors.reset(p); // judged: its later steps do not matter on this run
    }
  }
}

void for_each_successor(const ExploreSpace &space, const World &world, Successor &scratch,
                        const std::function<void(const Successor &)> &visit) {
  for (Move &move : moves_of(space, world)) {
    step_into(world, std::move(move), scratch);
    visit(scratch);
  }
}

} // namespace trimcheck::props::detail
