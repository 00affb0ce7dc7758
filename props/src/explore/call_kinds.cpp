// The kinds of user-space call, by name, for `explore --max-calls` (ExploreBounds::max_calls).
#include "trimcheck/props/explore.hpp"

#include <array>

namespace trimcheck::props {

namespace {

// In CallKind's order; the names are the trace format's action types, and faulting_write.
constexpr std::array<std::string_view, kCallKinds> kNames{
    "spawn",   "open", "read",     "write", "faulting_write", "close", "seek",
    "pass_fd", "fork", "drop_cap", "exit"};

} // namespace

std::string_view call_kind_name(CallKind kind) {
  return kNames[static_cast<std::size_t>(kind)];
}

std::optional<CallKind> call_kind_named(std::string_view name) {
  for (std::size_t index = 0; index < kNames.size(); ++index)
    if (kNames[index] == name)
      return static_cast<CallKind>(index);
  return std::nullopt;
}

std::optional<CallKind> call_kind_of(const TraceAction &action) {
  const auto *model_action = std::get_if<model::Action>(&action);
  if (model_action == nullptr)
    return std::nullopt;
  return std::visit(
      [](const auto &a) -> std::optional<CallKind> {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, model::Spawn>)
          return CallKind::spawn;
        else if constexpr (std::is_same_v<A, model::Open>)
          return CallKind::open;
        else if constexpr (std::is_same_v<A, model::Read>)
          return CallKind::read;
        else if constexpr (std::is_same_v<A, model::Write>)
          return a.fault_after ? CallKind::faulting_write : CallKind::write;
        else if constexpr (std::is_same_v<A, model::Close>)
          return CallKind::close;
        else if constexpr (std::is_same_v<A, model::Seek>)
          return CallKind::seek;
        else if constexpr (std::is_same_v<A, model::PassFd>)
          return CallKind::pass_fd;
        else if constexpr (std::is_same_v<A, model::Fork>)
          return CallKind::fork;
        else if constexpr (std::is_same_v<A, model::DropCap>)
          return CallKind::drop_cap;
        else if constexpr (std::is_same_v<A, model::Exit>)
          return CallKind::exit;
        else
          return std::nullopt;
      },
      *model_action);
}

std::map<CallKind, int> calls_made(const Trace &trace) {
  std::map<CallKind, int> calls;
  for (std::size_t index = 0; index < kCallKinds; ++index)
    calls[static_cast<CallKind>(index)] = 0;
  for (const TraceStep &step : trace.steps)
    if (const auto kind = call_kind_of(step.action))
      ++calls[*kind];
  return calls;
}

} // namespace trimcheck::props
