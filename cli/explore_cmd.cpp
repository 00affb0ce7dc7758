#include "commands.hpp"
#include "report_io.hpp"

#include "trimcheck/props/explore.hpp"

#include <charconv>
#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace trimcheck::cli {

using namespace props;

namespace {

struct ExploreCliOptions {
  std::string proposal;
  std::vector<std::string> properties;
  ExploreBounds bounds;
  std::string regime = "protocol";
  std::string config = "all";
  int threads = 1;
  std::string out = "trimcheck-out/explore";
  bool json = false;
  std::string dot;
  std::size_t dot_limit = 2000;
  std::string max_memory = "auto";
  bool quiet = false;
};

// The progress line on stderr, every two seconds of a run (none for a shorter run):
// where the search is and what it costs, so that a long run can be judged, or stopped,
// before it ends. stdout, and the results, are the same with or without it.
void print_progress(const ExploreProgress &progress) {
  constexpr double kMiB = 1 << 20;
  const double rate =
      progress.seconds > 0 ? static_cast<double>(progress.states) / progress.seconds : 0;
  char line[200];
  std::snprintf(line, sizeof line,
                "trimcheck explore: depth %d, %llu states, %llu transitions, %.0f states/s, "
                "%.0f MiB resident, %.0f s\n",
                progress.depth, static_cast<unsigned long long>(progress.states),
                static_cast<unsigned long long>(progress.transitions), rate,
                static_cast<double>(progress.resident_bytes) / kMiB, progress.seconds);
  std::cerr << line << std::flush;
}

// Exit code when the memory limit stopped the search before its bounds and nothing was
// violated in what it covered: not "holds within the bounds", since it did not cover them.
constexpr int kExitIncomplete = 3;

// --max-memory: "auto" (3/4 of the physical memory), "none", or a number of MiB.
std::uint64_t max_memory_bytes(const std::string &text) {
  constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
  if (text == "auto") {
    const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    return pages > 0 && page_size > 0
               ? static_cast<std::uint64_t>(pages) / 4 * 3 * static_cast<std::uint64_t>(page_size)
               : 0;
  }
  if (text == "none")
    return 0;
  std::uint64_t mib = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), mib);
  if (error != std::errc() || end != text.data() + text.size() || mib == 0 ||
      mib > (std::uint64_t{1} << 40))
    throw CLI::ValidationError(
        "--max-memory", "expected auto, none, or a number of MiB (at least 1), not '" + text + "'");
  return mib * kMiB;
}

ExploreOptions to_options(const ExploreCliOptions &cli) {
  ExploreOptions options;
  auto proposal = model::proposal_from_key(cli.proposal);
  if (!proposal)
    throw CLI::ValidationError("--proposal",
                               "unknown version '" + cli.proposal + "' (see `trimcheck list`)");
  options.proposal = *proposal;
  for (const std::string &id : cli.properties) {
    const Property *property = find_property(id);
    if (property == nullptr)
      throw CLI::ValidationError("--property",
                                 "unknown property '" + id + "' (see `trimcheck list`)");
    options.properties.push_back(property);
  }
  if (cli.regime == "protocol")
    options.regime = Regime::protocol;
  else if (cli.regime == "arbitrary")
    options.regime = Regime::arbitrary;
  else
    throw CLI::ValidationError("--regime",
                               "expected protocol or arbitrary, not '" + cli.regime + "'");
  if (cli.config != "all") {
    options.config = config_choice_from_names(cli.config);
    if (!options.config)
      throw CLI::ValidationError(
          "--config", "expected all, default, or a comma-separated list of flush_htable, "
                      "disable_htable, feature_off, legacy_template, small_kexec_margin; got '" +
                          cli.config + "'");
  }
  options.bounds = cli.bounds;
  options.threads = cli.threads;
  options.graph_limit = cli.dot.empty() ? 0 : cli.dot_limit;
  options.max_memory_bytes = max_memory_bytes(cli.max_memory);
  if (!cli.quiet)
    options.on_progress = print_progress;
  return options;
}

nlohmann::json bounds_json(const ExploreCliOptions &cli) {
  return {{"max_records", cli.bounds.max_records},
          {"max_agents", cli.bounds.max_agents},
          {"max_depth", cli.bounds.max_depth},
          {"max_kexecs", cli.bounds.max_kexecs},
          {"regime", cli.regime},
          {"config", cli.config}};
}

} // namespace

void add_explore(CLI::App &app, int &exit_code) {
  auto cli = std::make_shared<ExploreCliOptions>();
  auto *cmd = app.add_subcommand(
      "explore", "Visit every state of one version within bounds (breadth-first) and check "
                 "every property on every transition; a violation comes with the shortest "
                 "trace, which `trimcheck replay` re-executes.");
  cmd->add_option("--proposal", cli->proposal, "Version id (see `trimcheck list`)")->required();
  cmd->add_option("--property", cli->properties, "Property id (repeatable; default: all)");
  cmd->add_option("--max-records", cli->bounds.max_records,
                  "Kernel measurements per run (new file, duplicate or violation)")
      ->capture_default_str();
  cmd->add_option("--max-agents", cli->bounds.max_agents,
                  "Agents (protocol regime) or processes besides init (arbitrary)")
      ->capture_default_str();
  cmd->add_option("--max-depth", cli->bounds.max_depth, "Actions per run")->capture_default_str();
  cmd->add_option("--max-kexecs", cli->bounds.max_kexecs, "kexec loads, and executions, per run")
      ->capture_default_str();
  cmd->add_option("--regime", cli->regime, "User space: protocol or arbitrary")
      ->capture_default_str();
  cmd->add_option("--config", cli->config,
                  "all, default, or a comma-separated list of flush_htable, disable_htable, "
                  "feature_off, legacy_template, small_kexec_margin")
      ->capture_default_str();
  cmd->add_option("--threads", cli->threads, "Worker threads (results do not depend on it)")
      ->capture_default_str();
  cmd->add_option("--out", cli->out, "Directory for counterexample traces")->capture_default_str();
  cmd->add_flag("--json", cli->json, "Print the results as JSON on stdout");
  cmd->add_option("--dot", cli->dot, "Write the state graph (graphviz DOT) to this file");
  cmd->add_option("--dot-limit", cli->dot_limit, "Most states --dot draws")
      ->check(digits_only())
      ->capture_default_str();
  cmd->add_option("--max-memory", cli->max_memory,
                  "Stop early (exit 3) when resident memory exceeds this many MiB; auto: 3/4 "
                  "of the physical memory, none: no limit")
      ->capture_default_str();
  cmd->add_flag("--quiet", cli->quiet,
                "No progress line on stderr (otherwise one every 2 s: depth, states, states/s, "
                "resident memory)");
  cmd->footer("A property that holds here holds on every run within the bounds; a violation is\n"
              "reported with the shortest trace (written under --out, replayable).\n\n"
              "Examples:\n"
              "  trimcheck explore --proposal sassu-v7 --max-records 2 --max-depth 10\n"
              "  trimcheck explore --proposal chen-v5 --property P9 --config default --json\n"
              "  trimcheck explore --proposal baseline-6.12 --max-depth 4 --dot states.dot\n\n"
              "Exit codes: 0 every property holds within the bounds, 1 a violation was found,\n"
              "2 bad option or unwritable output, 3 the memory limit stopped the search before\n"
              "the bounds (the results cover the depth reached; nothing violated there).");
  cmd->callback([cli, &exit_code] {
    ExploreOptions options;
    ExploreResult result;
    try {
      options = to_options(*cli);
      result = explore(options);
    } catch (const CLI::ValidationError &error) {
      std::cerr << "trimcheck explore: " << error.what() << "\n";
      exit_code = kExitBadInput;
      return;
    } catch (const std::invalid_argument &error) {
      std::cerr << "trimcheck explore: " << error.what() << "\n";
      exit_code = kExitBadInput;
      return;
    }
    bool violated = false;
    nlohmann::json results = nlohmann::json::array();
    std::ostringstream text;
    for (const PropertyOutcome &outcome : result.results) {
      nlohmann::json entry{{"property", outcome.property}};
      if (outcome.trace) {
        violated = true;
        const std::string path = write_trace(cli->out, *outcome.trace);
        entry["verdict"] = "violated";
        entry["trace"] = path;
        entry["trace_length"] = outcome.trace->steps.size();
        text << "  " << outcome.property << ": violated in " << outcome.trace->steps.size()
             << " steps (" << path << "): " << outcome.trace->violation << "\n";
      } else {
        entry["verdict"] = "holds-within-bounds";
        entry["trace"] = nullptr;
        entry["trace_length"] = nullptr;
        text << "  " << outcome.property
             << (result.memory_limit_reached
                     ? ": holds to depth " + std::to_string(result.max_depth) + " (memory limit)\n"
                     : ": holds within bounds\n");
      }
      results.push_back(std::move(entry));
    }
    if (!cli->dot.empty()) {
      if (!result.graph) {
        std::cerr << "trimcheck explore: --dot: " << result.states
                  << " states, more than --dot-limit " << cli->dot_limit
                  << "; lower the bounds or raise the limit\n";
      } else {
        write_file(cli->dot, state_graph_dot(*result.graph));
      }
    }
    const double rate =
        result.seconds > 0 ? static_cast<double>(result.states) / result.seconds : 0;
    if (cli->json) {
      nlohmann::json out{{"proposal", cli->proposal},
                         {"bounds", bounds_json(*cli)},
                         {"states", result.states},
                         {"transitions", result.transitions},
                         {"max_depth", result.max_depth},
                         {"complete", result.complete},
                         {"memory_limit_reached", result.memory_limit_reached},
                         {"seconds", result.seconds},
                         {"states_per_second", rate},
                         {"bytes_per_state", result.bytes_per_state},
                         {"results", results}};
      std::cout << out.dump(2) << "\n";
    } else {
      std::cout << cli->proposal << ": " << result.states << " states, " << result.transitions
                << " transitions, depth " << result.max_depth
                << (result.complete               ? " (every reachable state)"
                    : result.memory_limit_reached ? " (memory limit reached)"
                                                  : " (depth bound reached)")
                << ", " << result.seconds << " s\n"
                << text.str();
    }
    if (result.memory_limit_reached)
      std::cerr << "trimcheck explore: stopped at the memory limit (--max-memory "
                << cli->max_memory << ") while expanding depth " << result.max_depth + 1
                << "; the results cover depth " << result.max_depth
                << " only. Lower the bounds, explore fewer properties (--property), or raise "
                   "--max-memory.\n";
    exit_code = violated ? kExitFinding : result.memory_limit_reached ? kExitIncomplete : kExitOk;
  });
}

} // namespace trimcheck::cli
