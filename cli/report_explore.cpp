#include "report_steps.hpp"

#include <iostream>

namespace trimcheck::cli {

namespace {

// The selected versions in first-seen order, each with its selected properties.
std::vector<std::pair<model::ProposalId, std::vector<const props::Property *>>>
by_version(const std::vector<Pair> &pairs) {
  std::vector<std::pair<model::ProposalId, std::vector<const props::Property *>>> versions;
  for (const Pair &pair : pairs) {
    auto it = std::find_if(versions.begin(), versions.end(),
                           [&](const auto &entry) { return entry.first == pair.proposal; });
    if (it == versions.end())
      it = versions.insert(versions.end(), {pair.proposal, {}});
    it->second.push_back(pair.property);
  }
  return versions;
}

std::string bounds_text(const props::ExploreBounds &bounds) {
  return std::to_string(bounds.max_records) + " measurements, " +
         std::to_string(bounds.max_agents) + " agents, " + std::to_string(bounds.max_depth) +
         " actions, " + std::to_string(bounds.max_kexecs) + " kexec";
}

} // namespace

void run_explore_step(Report &report, const std::vector<Pair> &pairs,
                      const props::ExploreBounds &bounds, int threads) {
  EngineSection section{"explore",
                        "Exhaustive exploration",
                        "Every state of each version reachable within " + bounds_text(bounds) +
                            " (default configuration, protocol regime), breadth-first "
                            "(docs/explore.md). A counterexample is the shortest one.",
                        "",
                        {}};
  std::uint64_t states = 0;
  std::size_t violated = 0, missed = 0;
  try {
    for (const auto &[proposal, properties] : by_version(pairs)) {
      props::ExploreOptions options;
      options.proposal = proposal;
      options.properties = properties;
      options.bounds = bounds;
      options.config = props::ConfigChoice{};
      options.threads = threads;
      const props::ExploreResult result = props::explore(options);
      const std::string key(model::proposal_info(proposal).key);
      if (!report.quiet)
        std::cerr << "[explore] " << key << ": " << result.states << " states, "
                  << result.transitions << " transitions\n";
      states += result.states;
      const std::string note = std::to_string(result.states) + " states, depth " +
                               std::to_string(result.max_depth) +
                               (result.complete ? " (every state)" : " (depth bound reached)");
      for (const props::PropertyOutcome &outcome : result.results) {
        EngineOutput row{proposal,
                         outcome.property,
                         outcome.trace ? "violated (" +
                                             std::to_string(outcome.trace->steps.size()) + " steps)"
                                       : "holds within bounds",
                         outcome.trace.has_value(),
                         outcome.trace ? outcome.trace->violation : note,
                         outcome.trace,
                         std::nullopt,
                         check_verdict_of(report, proposal, outcome.property)};
        write_engine_trace(report, section.name, row);
        violated += row.violated ? 1 : 0;
        missed += row.missed_by_check() ? 1 : 0;
        section.rows.push_back(std::move(row));
      }
    }
    report.steps.push_back({"explore", ReportStep::Status::ok,
                            std::to_string(section.rows.size()) + " pairs within " +
                                bounds_text(bounds) + ", " + std::to_string(states) +
                                " states: " + std::to_string(violated) + " violated (" +
                                std::to_string(missed) + " missed by check)"});
  } catch (const std::exception &error) {
    report.steps.push_back({"explore", ReportStep::Status::failed, error.what()});
  }
  report.engines.push_back(std::move(section));
}

} // namespace trimcheck::cli
