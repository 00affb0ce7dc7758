#include "step.hpp"
#include "trimcheck/props/actor.hpp"

#include <algorithm>

namespace trimcheck::props {

using namespace model;

Pid actor_of(const TraceAction &action) {
  if (const Quote *quote = std::get_if<Quote>(&action))
    return quote->pid;
  return std::visit(
      [](const auto &a) -> Pid {
        if constexpr (requires { a.pid; })
          return a.pid;
        else if constexpr (requires { a.from; })
          return a.from;
        else
          return 0;
      },
      std::get<Action>(action));
}

namespace {

std::vector<Serial> visible(const KernelState &state) {
  std::vector<Serial> out;
  for (NodeId id : state.staged)
    out.push_back(state.nodes[id].serial);
  for (NodeId id : state.list)
    out.push_back(state.nodes[id].serial);
  return out;
}

} // namespace

namespace detail {

StepResult perform_step(KernelState &state, const TraceAction &action, std::size_t index) {
  StepResult result;
  StepFacts &facts = result.facts;
  facts.index = index;
  facts.actor = actor_of(action);
  const std::uint32_t boot_before = state.ghost.boot;
  const std::size_t del_before = state.ghost.del.size();
  const std::size_t full_before = state.ghost.full.size();
  facts.violations_before = state.counters.violations;
  const bool kexec_dump_next = [&] {
    for (const Request &r : state.requests)
      if (r.kind == Request::Kind::kexec_execute && r.pc == 1)
        return true;
    return false;
  }();
  const bool is_dump = kexec_dump_next && std::holds_alternative<Action>(action) &&
                       std::holds_alternative<Continue>(std::get<Action>(action)) &&
                       std::get<Continue>(std::get<Action>(action)).pid == 0;
  if (is_dump)
    facts.list_before = visible(state);
  if (const Action *model_action = std::get_if<Action>(&action)) {
    if (const auto *rw = std::get_if<Write>(model_action);
        rw && rw->pid <= state.procs.size() && rw->pid > 0) {
      const auto &fds = state.procs[rw->pid - 1].fds;
      if (rw->fd >= 0 && static_cast<std::size_t>(rw->fd) < fds.size() && fds[rw->fd])
        facts.file = *fds[rw->fd];
    }
    if (const auto *rd = std::get_if<Read>(model_action);
        rd && rd->pid <= state.procs.size() && rd->pid > 0) {
      const auto &fds = state.procs[rd->pid - 1].fds;
      if (rd->fd >= 0 && static_cast<std::size_t>(rd->fd) < fds.size() && fds[rd->fd])
        facts.file = *fds[rd->fd];
    }
    if (const auto *cont = std::get_if<Continue>(model_action))
      for (const Request &r : state.requests)
        if (r.pid == cont->pid && cont->pid != 0)
          facts.file = r.open_file;
    result.outcome = apply(state, *model_action);
    const bool is_call = std::holds_alternative<Read>(*model_action) ||
                         std::holds_alternative<Write>(*model_action) ||
                         (std::holds_alternative<Continue>(*model_action) && facts.actor != 0);
    facts.call_returned = is_call && result.outcome.done;
  }
  facts.memory_undefined = first_undefined_event(state) != nullptr;
  facts.booted = state.ghost.boot != boot_before;
  facts.dumped = is_dump;
  if (!facts.booted) {
    facts.deleted.assign(state.ghost.del.begin() + static_cast<std::ptrdiff_t>(del_before),
                         state.ghost.del.end());
    facts.appended.assign(state.ghost.full.begin() + static_cast<std::ptrdiff_t>(full_before),
                          state.ghost.full.end());
  }
  return result;
}

} // namespace detail

namespace detail {

RunWatch::RunWatch(std::span<const Property *const> properties, const KernelState &booted)
    : violations(properties.size()), watching_(properties.size()) {
  for (const Property *property : properties) {
    monitors_.push_back(property->make_monitor());
    monitors_.back()->start(booted);
  }
}

void RunWatch::observe(const KernelState &state, const TraceAction &action,
                       const StepResult &step) {
  for (std::size_t p = 0; p < monitors_.size(); ++p) {
    if (monitors_[p] == nullptr)
      continue;
    // Nothing after an undefined step says anything about a property that does not
    // judge memory itself.
    const bool stops = step.facts.memory_undefined && !monitors_[p]->watches_memory();
    if (!stops)
      if (auto violation = monitors_[p]->observe(state, action, step.outcome, step.facts))
        violations[p] = std::move(*violation);
    if (stops || !violations[p].empty()) {
      monitors_[p].reset();
      --watching_;
    }
  }
}

WatchedRun watch_actions(ProposalId proposal, const KernelConfig &config,
                         std::span<const Property *const> properties,
                         std::span<const TraceAction> actions, bool keep_steps) {
  WatchedRun run;
  KernelState state = boot(proposal, config);
  RunWatch watch(properties, state);
  for (std::size_t i = 0; i < actions.size() && !watch.done(); ++i) {
    const TraceAction &action = actions[i];
    StepResult step;
    try {
      step = perform_step(state, action, i);
    } catch (const std::invalid_argument &error) {
      run.invalid =
          "step " + std::to_string(i + 1) + " (" + describe(action) + "): " + error.what();
      run.violations = std::move(watch.violations);
      return run;
    }
    if (keep_steps)
      run.steps.push_back({action, step.outcome});
    watch.observe(state, action, step);
  }
  run.violations = std::move(watch.violations);
  return run;
}

} // namespace detail

RunResult run_actions(ProposalId proposal, const KernelConfig &config, const Property &property,
                      std::span<const TraceAction> actions) {
  const Property *one[] = {&property};
  detail::WatchedRun run = detail::watch_actions(proposal, config, one, actions, true);
  return {std::move(run.steps), std::move(run.violations.front()), std::move(run.invalid)};
}

const Property *find_property(std::string_view id) {
  for (const Property &property : all_properties())
    if (property.id == id)
      return &property;
  return nullptr;
}

} // namespace trimcheck::props
