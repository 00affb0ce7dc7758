// Configuration choices by name, for `explore --config` and the manifest.
#include "trimcheck/props/explore.hpp"

#include "../step.hpp"
#include "world.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace trimcheck::props {

namespace {

struct Flag {
  std::string_view name;
  bool ConfigChoice::*member;
};

constexpr std::array<Flag, 5> kFlags{{
    {"flush_htable", &ConfigChoice::flush_htable},
    {"disable_htable", &ConfigChoice::disable_htable},
    {"feature_off", &ConfigChoice::feature_off},
    {"legacy_template", &ConfigChoice::legacy_template},
    {"small_kexec_margin", &ConfigChoice::small_kexec_margin},
}};

// The arbitrary regime's ExploreBounds::max_open_files that lets every open of `trace`
// happen: one more than the files open before its busiest open. 0 (no limit) for the
// protocol regime and for a trace the model does not accept (no limit still contains it).
int open_files_needed(const Trace &trace) {
  if (trace.regime != Regime::arbitrary)
    return 0;
  model::KernelState kernel = model::boot(trace.proposal, trace.config);
  std::size_t needed = 0;
  try {
    for (std::size_t index = 0; index < trace.steps.size(); ++index) {
      const TraceAction &action = trace.steps[index].action;
      const auto *model_action = std::get_if<model::Action>(&action);
      if (model_action != nullptr && std::holds_alternative<model::Open>(*model_action))
        needed = std::max(needed, detail::open_file_count(kernel) + 1);
      detail::perform_step(kernel, action, index);
    }
  } catch (const std::invalid_argument &) {
    return 0;
  }
  return static_cast<int>(needed);
}

} // namespace

std::vector<ConfigChoice> all_config_choices() {
  std::vector<ConfigChoice> choices;
  for (unsigned bits = 0; bits < (1u << kFlags.size()); ++bits) {
    ConfigChoice choice;
    for (std::size_t i = 0; i < kFlags.size(); ++i)
      choice.*kFlags[i].member = (bits >> i) & 1;
    choices.push_back(choice);
  }
  return choices;
}

std::optional<ConfigChoice> config_choice_from_names(std::string_view names) {
  ConfigChoice choice;
  if (names == "default")
    return choice;
  while (!names.empty()) {
    const auto comma = names.find(',');
    const std::string_view name = names.substr(0, comma);
    bool known = false;
    for (const Flag &flag : kFlags)
      if (flag.name == name) {
        choice.*flag.member = true;
        known = true;
      }
    if (!known)
      return std::nullopt;
    names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
  }
  return choice;
}

std::string config_choice_names(const ConfigChoice &choice) {
  std::string names;
  for (const Flag &flag : kFlags)
    if (choice.*flag.member)
      names += (names.empty() ? "" : ",") + std::string(flag.name);
  return names.empty() ? "default" : names;
}

ExploreOptions options_covering(const Trace &trace) {
  ExploreOptions options;
  options.proposal = trace.proposal;
  options.regime = trace.regime;
  if (const Property *property = find_property(trace.property))
    options.properties = {property};
  for (const ConfigChoice &choice : all_config_choices())
    if (make_config(trace.proposal, choice) == trace.config)
      options.config = choice;
  int measures = 0, loads = 0, executes = 0, processes = 0;
  for (const TraceStep &step : trace.steps) {
    const auto *action = std::get_if<model::Action>(&step.action);
    if (action == nullptr)
      continue;
    if (const auto *open = std::get_if<model::Open>(action);
        open != nullptr && trace.regime == Regime::arbitrary) {
      const std::string name(detail::file_name(open->path));
      auto &openable = options.bounds.openable;
      if (std::find(openable.begin(), openable.end(), name) == openable.end())
        openable.push_back(name);
    }
    if (const auto *measure = std::get_if<model::Measure>(action))
      options.bounds.long_path_bytes =
          std::max(options.bounds.long_path_bytes, static_cast<int>(measure->path_bytes));
    measures += std::holds_alternative<model::Measure>(*action) ||
                std::holds_alternative<model::MeasureViolation>(*action);
    loads += std::holds_alternative<model::KexecLoad>(*action);
    executes += std::holds_alternative<model::KexecExecute>(*action);
    processes += std::holds_alternative<model::Spawn>(*action) ||
                 std::holds_alternative<model::Fork>(*action);
  }
  options.bounds.max_records = measures;
  options.bounds.max_kexecs = std::max(loads, executes);
  options.bounds.max_depth = static_cast<int>(trace.steps.size());
  // The scenario driver runs two agents. In the arbitrary regime the bound counts live
  // processes besides the one that boot starts (p1): the trace's spawns and forks.
  options.bounds.max_agents = trace.regime == Regime::protocol ? 2 : processes;
  options.bounds.max_open_files = open_files_needed(trace);
  return options;
}

} // namespace trimcheck::props
