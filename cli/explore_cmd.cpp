#include "commands.hpp"
#include "json_document.hpp"
#include "report_io.hpp"
#include "trace_file.hpp"

#include "trimcheck/props/explore.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <new>
#include <sstream>
#include <sys/resource.h>
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
  bool all_levels = false;
  std::string out = "trimcheck-out/explore";
  bool json = false;
  std::string dot;
  std::size_t dot_limit = 2000;
  std::string max_memory = "auto";
  std::string spill_dir = "auto";
  bool quiet = false;
  double progress_seconds = 2;        // --progress-every
  std::string shard;                  // "I/N", 1-based
  std::vector<std::string> merge;     // shard results to merge
  std::string cover;                  // a trace whose bounds to explore within
  std::vector<std::string> max_calls; // KIND=N, one per kind
};

struct Shard {
  int index = 0, count = 1; // 0-based
};

// The integer bounds of a search, one row each: its option, its key in the JSON's
// `bounds`, its member, whether the `within:` line names it when it is 0 (off), and its
// help. The options, a --cover search's overrides, the JSON and the `within:` line are all
// made from this table, so that a bound added here appears in each of them.
struct IntegerBound {
  const char *option;
  const char *json_key;
  int ExploreBounds::*member;
  bool shown_when_off;
  const char *help;
};
constexpr IntegerBound kIntegerBounds[] = {
    {"--max-records", "max_records", &ExploreBounds::max_records, true,
     "Kernel measurements per run (new file, duplicate or violation)"},
    {"--max-agents", "max_agents", &ExploreBounds::max_agents, true,
     "Agents (protocol regime) or live processes besides p1, the one boot starts (arbitrary)"},
    {"--max-depth", "max_depth", &ExploreBounds::max_depth, true, "Actions per run"},
    {"--max-kexecs", "max_kexecs", &ExploreBounds::max_kexecs, true,
     "kexec loads, and executions, per run"},
    {"--long-path", "long_path_bytes", &ExploreBounds::long_path_bytes, false,
     "Also measure new files at a path of this many bytes (5-4095; 0: never): records of up "
     "to 4 KB, so that a list outgrows a kexec segment's margin in a few steps (P23)"},
    {"--max-open-files", "max_open_files", &ExploreBounds::max_open_files, false,
     "Arbitrary regime: open a file only while fewer than this many are open (an fd copied "
     "by fork or passing shares one; 0: no limit)"},
};

// The kinds --max-calls takes, comma-separated, in CallKind order.
std::string call_kind_list() {
  std::string kinds;
  for (std::size_t index = 0; index < kCallKinds; ++index)
    kinds += (index == 0 ? "" : ", ") + std::string(call_kind_name(static_cast<CallKind>(index)));
  return kinds;
}

// --max-calls KIND=N,...: at most N calls of each KIND (a trace's action type, e.g. write).
// The range of N is explore's to check (props::explore), like every other bound's.
std::map<CallKind, int> parse_max_calls(const std::vector<std::string> &items) {
  std::map<CallKind, int> limits;
  if (items == std::vector<std::string>{"trace"})
    throw CLI::ValidationError("--max-calls", "'trace' (the calls a trace makes) needs --cover");
  for (const std::string &item : items) {
    const std::size_t equals = item.find('=');
    const auto kind = call_kind_named(std::string_view(item).substr(0, equals));
    int limit = -1;
    const char *first = item.data() + equals + 1, *last = item.data() + item.size();
    const bool number = equals != std::string::npos && first != last &&
                        std::from_chars(first, last, limit).ptr == last;
    if (!kind || !number)
      throw CLI::ValidationError("--max-calls", "expected KIND=N with N from 0 to 255 and KIND "
                                                "one of " +
                                                    call_kind_list() + "; got '" + item + "'");
    if (!limits.emplace(*kind, limit).second)
      throw CLI::ValidationError("--max-calls",
                                 "'" + std::string(call_kind_name(*kind)) + "' is limited twice");
  }
  return limits;
}

// --max-calls as given: KIND=N,... in CallKind order ("" when no kind is limited).
std::string max_calls_text(const std::map<CallKind, int> &limits) {
  std::string text;
  for (const auto &[kind, limit] : limits)
    text +=
        (text.empty() ? "" : ",") + std::string(call_kind_name(kind)) + "=" + std::to_string(limit);
  return text;
}

// --shard I/N with 1 <= I <= N.
Shard parse_shard(const std::string &text) {
  int index = 0, count = 0;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> index >> slash >> count) || slash != '/' || count < 1 || index < 1 || index > count ||
      !in.eof())
    throw CLI::ValidationError("--shard",
                               "expected I/N with 1 <= I <= N, e.g. 2/4, not '" + text + "'");
  return {index - 1, count};
}

// The results of the shares of one exploration (`--json` output of `explore --shard I/N`
// for every I), merged into the result of the whole search. The shares partition the
// configurations and configurations share no state, so counts add up; the whole's
// shortest trace for a property is the shortest of the shares', the lowest share on a tie
// (the search orders its traces by configuration, then by path; docs/explore.md).
nlohmann::json merge_shards(const std::vector<nlohmann::json> &shards) {
  if (shards.empty())
    throw std::invalid_argument("--merge: no results to merge");
  auto without_shard = [](nlohmann::json bounds) {
    bounds.erase("shard");
    return bounds;
  };
  const nlohmann::json &first = shards.front();
  std::vector<const nlohmann::json *> by_share;
  for (const nlohmann::json &shard : shards) {
    if (!shard.contains("bounds") || !shard["bounds"].contains("shard"))
      throw std::invalid_argument("--merge: a result without bounds.shard (not from --shard)");
    if (shard.value("proposal", "") != first.value("proposal", "") ||
        without_shard(shard["bounds"]) != without_shard(first["bounds"]))
      throw std::invalid_argument("--merge: the results are of different versions or bounds");
    const Shard share = parse_shard(shard["bounds"]["shard"].get<std::string>());
    if (by_share.empty())
      by_share.assign(static_cast<std::size_t>(share.count), nullptr);
    if (static_cast<std::size_t>(share.count) != by_share.size() ||
        by_share[static_cast<std::size_t>(share.index)] != nullptr)
      throw std::invalid_argument("--merge: shares of different splits, or one share twice");
    by_share[static_cast<std::size_t>(share.index)] = &shard;
  }
  for (std::size_t i = 0; i < by_share.size(); ++i)
    if (by_share[i] == nullptr)
      throw std::invalid_argument("--merge: share " + std::to_string(i + 1) + "/" +
                                  std::to_string(by_share.size()) + " is missing");
  std::uint64_t states = 0, transitions = 0;
  int max_depth = 0;
  bool complete = true, memory_limit_reached = false, every_property_violated = false;
  double seconds = 0, bytes = 0;
  std::uint64_t spills = 0, states_on_disk = 0;
  std::map<std::string, nlohmann::json> results; // property -> the chosen entry
  for (const nlohmann::json *shard : by_share) { // in share order: ties go to the lowest
    const auto shard_states = (*shard)["states"].get<std::uint64_t>();
    states += shard_states;
    transitions += (*shard)["transitions"].get<std::uint64_t>();
    max_depth = std::max(max_depth, (*shard)["max_depth"].get<int>());
    complete = complete && (*shard)["complete"].get<bool>();
    memory_limit_reached = memory_limit_reached || (*shard)["memory_limit_reached"].get<bool>();
    every_property_violated =
        every_property_violated || (*shard)["every_property_violated"].get<bool>();
    seconds += (*shard)["seconds"].get<double>();
    spills += shard->value("spills", std::uint64_t{0});
    states_on_disk += shard->value("states_on_disk", std::uint64_t{0});
    bytes += (*shard)["bytes_per_state"].get<double>() * static_cast<double>(shard_states);
    for (const nlohmann::json &entry : (*shard)["results"]) {
      const std::string property = entry["property"];
      auto [at, inserted] = results.emplace(property, entry);
      if (inserted || entry["trace_length"].is_null())
        continue;
      if (at->second["trace_length"].is_null() ||
          entry["trace_length"].get<std::size_t>() < at->second["trace_length"].get<std::size_t>())
        at->second = entry;
    }
  }
  nlohmann::json ordered = nlohmann::json::array(); // in the order of the property catalogue
  for (const Property &property : all_properties())
    if (auto found = results.find(std::string(property.id)); found != results.end())
      ordered.push_back(found->second);
  return {{"proposal", first["proposal"]},
          {"bounds", without_shard(first["bounds"])},
          {"states", states},
          {"transitions", transitions},
          {"max_depth", max_depth},
          {"complete", complete},
          {"memory_limit_reached", memory_limit_reached},
          {"every_property_violated", every_property_violated},
          {"seconds", seconds},
          {"states_per_second", seconds > 0 ? static_cast<double>(states) / seconds : 0},
          {"bytes_per_state", states > 0 ? bytes / static_cast<double>(states) : 0},
          {"spills", spills},
          {"states_on_disk", states_on_disk},
          {"results", ordered}};
}

// The progress line on stderr, every --progress-every seconds of a run (none for a shorter run):
// where the search is and what it costs, so that a long run can be judged, or stopped,
// before it ends. stdout, and the results, are the same with or without it.
void print_progress(const ExploreProgress &progress) {
  constexpr double kMiB = 1 << 20;
  const double rate =
      progress.seconds > 0 ? static_cast<double>(progress.states) / progress.seconds : 0;
  char line[240];
  std::snprintf(line, sizeof line,
                "trimcheck explore: depth %d, %llu states, %llu transitions, %.0f states/s, "
                "%.0f MiB resident, %.0f s",
                progress.depth, static_cast<unsigned long long>(progress.states),
                static_cast<unsigned long long>(progress.transitions), rate,
                static_cast<double>(progress.resident_bytes) / kMiB, progress.seconds);
  std::cerr << line;
  if (progress.states_on_disk > 0)
    std::cerr << ", " << progress.states_on_disk << " states on disk";
  std::cerr << "\n" << std::flush;
}

// --max-memory: "auto" (3/4 of the physical memory, or half of RLIMIT_AS), "none", or a
// number of MiB.
std::uint64_t max_memory_bytes(const std::string &text) {
  constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
  if (text == "auto") {
    // 3/4 of the physical memory, and half of an address-space limit (ulimit -v) if the
    // process has one: the allocator reserves address space beyond what is resident.
    const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);
    std::uint64_t limit = pages > 0 && page_size > 0 ? static_cast<std::uint64_t>(pages) / 4 * 3 *
                                                           static_cast<std::uint64_t>(page_size)
                                                     : 0;
    rlimit address_space{};
    if (getrlimit(RLIMIT_AS, &address_space) == 0 && address_space.rlim_cur != RLIM_INFINITY) {
      const std::uint64_t half = static_cast<std::uint64_t>(address_space.rlim_cur) / 2;
      limit = limit == 0 ? half : std::min(limit, half);
    }
    return limit;
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

// --spill-dir: "auto" ($TMPDIR, else /tmp), "none" (stop at the memory limit), or a
// directory (explore checks that it can create a file there). A temporary directory that
// this process may not write to is no reason to refuse a search that may never spill:
// `auto` then says so and stops at the limit instead.
std::filesystem::path spill_directory(const std::string &text) {
  if (text == "none")
    return {};
  if (text != "auto")
    return text;
  const char *tmpdir = std::getenv("TMPDIR");
  const std::filesystem::path directory = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  if (access(directory.c_str(), W_OK) == 0)
    return directory;
  std::cerr << "trimcheck explore: " << directory.string()
            << " is not writable: the search stops at --max-memory (choose a --spill-dir to "
               "go on past it)\n";
  return {};
}

// The version, properties, regime, configurations and bounds given as options.
ExploreOptions search_options(const ExploreCliOptions &cli) {
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
  options.bounds.max_calls = parse_max_calls(cli.max_calls);
  if (!cli.shard.empty()) {
    const Shard shard = parse_shard(cli.shard);
    options.shard_index = shard.index;
    options.shard_count = shard.count;
  }
  return options;
}

// --cover TRACE: the version, property, regime and configuration of the trace, and bounds
// that contain it (props::options_covering); bounds given on the command line replace the
// trace's (e.g. a lower --max-depth asks for a shorter counterexample).
ExploreOptions covering_options(const ExploreCliOptions &cli, const CLI::App &cmd) {
  for (const char *option : {"--proposal", "--property", "--regime", "--config", "--shard"})
    if (cmd.count(option) > 0)
      throw CLI::ValidationError(option, "not with --cover: the trace fixes it");
  props::Trace trace;
  try {
    trace = read_trace_file(cli.cover, "explore");
  } catch (const std::runtime_error &error) { // unreadable, not JSON, malformed trace
    throw CLI::ValidationError("--cover", cli.cover + ": " + error.what());
  }
  ExploreOptions options = options_covering(trace);
  if (options.properties.empty())
    throw CLI::ValidationError("--cover", cli.cover + ": unknown property '" + trace.property +
                                              "' (see `trimcheck list`)");
  if (!options.config)
    throw CLI::ValidationError("--cover", cli.cover +
                                              ": the trace's kernel configuration is none of the "
                                              "configurations explore knows (--config)");
  for (const IntegerBound &bound : kIntegerBounds)
    if (cmd.count(bound.option) > 0)
      options.bounds.*bound.member = cli.bounds.*bound.member;
  if (cmd.count("--openable") > 0)
    options.bounds.openable = cli.bounds.openable;
  if (cli.max_calls == std::vector<std::string>{"trace"})
    options.bounds.max_calls = calls_made(trace);
  else if (cmd.count("--max-calls") > 0)
    options.bounds.max_calls = parse_max_calls(cli.max_calls);
  return options;
}

ExploreOptions to_options(const ExploreCliOptions &cli, const CLI::App &cmd) {
  ExploreOptions options;
  if (!cli.cover.empty()) {
    options = covering_options(cli, cmd);
  } else {
    if (cli.proposal.empty())
      throw CLI::ValidationError("--proposal", "required (or --cover TRACE, or --merge FILE...)");
    options = search_options(cli);
  }
  options.threads = cli.threads;
  options.all_levels = cli.all_levels;
  options.graph_limit = cli.dot.empty() ? 0 : cli.dot_limit;
  options.max_memory_bytes = max_memory_bytes(cli.max_memory);
  options.spill_directory = spill_directory(cli.spill_dir);
  if (!cli.quiet)
    options.on_progress = print_progress;
  options.progress_interval = std::chrono::milliseconds(
      static_cast<std::int64_t>(std::llround(cli.progress_seconds * 1000)));
  return options;
}

nlohmann::json bounds_json(const ExploreOptions &options, const ExploreCliOptions &cli) {
  nlohmann::json bounds{{"openable", options.bounds.openable},
                        {"regime", regime_name(options.regime)},
                        {"config", options.config ? config_choice_names(*options.config) : "all"}};
  for (const IntegerBound &bound : kIntegerBounds)
    bounds[bound.json_key] = options.bounds.*bound.member;
  nlohmann::json max_calls = nlohmann::json::object();
  for (const auto &[kind, limit] : options.bounds.max_calls)
    max_calls[std::string(call_kind_name(kind))] = limit;
  bounds["max_calls"] = std::move(max_calls);
  if (!cli.shard.empty())
    bounds["shard"] = cli.shard;
  if (!cli.cover.empty())
    bounds["cover"] = cli.cover;
  return bounds;
}

// The search's bounds as the options that ask for them, for the text output: "holds within
// bounds" names its bounds, and the line re-runs the same search with --proposal and
// --property (a --cover search included). Bounds that are off are left out.
std::string bounds_as_options(const ExploreOptions &options) {
  const ExploreBounds &bounds = options.bounds;
  std::string out = "--regime " + std::string(regime_name(options.regime)) + " --config " +
                    (options.config ? config_choice_names(*options.config) : "all");
  for (const IntegerBound &bound : kIntegerBounds)
    if (bound.shown_when_off || bounds.*bound.member != 0)
      out += " " + std::string(bound.option) + " " + std::to_string(bounds.*bound.member);
  for (std::size_t i = 0; i < bounds.openable.size(); ++i)
    out += (i == 0 ? " --openable " : ",") + bounds.openable[i];
  if (!bounds.max_calls.empty())
    out += " --max-calls " + max_calls_text(bounds.max_calls);
  return out;
}

// `explore --merge FILE...`: the merged result on stdout, the exit code of the whole.
int run_merge(const std::vector<std::string> &files) {
  std::vector<nlohmann::json> shards;
  for (const std::string &file : files) {
    std::ifstream in(file);
    if (!in)
      throw std::invalid_argument("--merge: cannot read " + file);
    nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
    if (json.is_discarded() || !json.is_object())
      throw std::invalid_argument("--merge: " + file + " is not the JSON of `explore --json`");
    shards.push_back(std::move(json));
  }
  nlohmann::json merged;
  try {
    merged = merge_shards(shards);
  } catch (const nlohmann::json::exception &error) {
    throw std::invalid_argument(std::string("--merge: a result lacks a field: ") + error.what());
  }
  std::cout << json_document("explore", merged).dump(2) << "\n";
  bool violated = false;
  for (const nlohmann::json &entry : merged["results"])
    violated = violated || entry["verdict"] == "violated";
  return violated                                     ? kExitFinding
         : merged["memory_limit_reached"].get<bool>() ? kExitInconclusive
                                                      : kExitOk;
}

} // namespace

void add_explore(CLI::App &app, int &exit_code) {
  auto cli = std::make_shared<ExploreCliOptions>();
  auto *cmd = app.add_subcommand(
      "explore", "Visit every state of one version within bounds (breadth-first) and check "
                 "every property on every transition; a violation comes with the shortest "
                 "trace, which `trimcheck replay` re-executes.");
  cmd->add_option("--proposal", cli->proposal,
                  "Version id (see `trimcheck list`); required unless --merge");
  cmd->add_option("--property", cli->properties, "Property id (repeatable; default: all)");
  for (const IntegerBound &bound : kIntegerBounds)
    cmd->add_option(bound.option, cli->bounds.*bound.member, bound.help)->capture_default_str();
  cmd->add_option("--openable", cli->bounds.openable,
                  "Arbitrary regime: the only files a process may open, by name, comma-"
                  "separated (e.g. binary_runtime_measurements_sha1_staged; default: all)")
      ->delimiter(',');
  cmd->add_option("--max-calls", cli->max_calls,
                  "Arbitrary regime: at most N calls of each KIND a run makes, KIND=N comma-"
                  "separated (KIND: " +
                      call_kind_list() +
                      "; faulting_write is a write whose buffer faults part way; a kind not "
                      "listed is not limited, 0 leaves it out), e.g. write=2,faulting_write=0; "
                      "with --cover, 'trace': each kind at the trace's own count")
      ->delimiter(',');
  cmd->add_option("--regime", cli->regime, "User space: protocol or arbitrary")
      ->capture_default_str();
  cmd->add_option("--config", cli->config,
                  "all, default, or a comma-separated list of flush_htable, disable_htable, "
                  "feature_off, legacy_template, small_kexec_margin")
      ->capture_default_str();
  cmd->add_option("--threads", cli->threads, "Worker threads (results do not depend on it)")
      ->capture_default_str();
  cmd->add_flag("--all-levels", cli->all_levels,
                "Explore to the bounds even once every property is violated (by default the "
                "search ends at the level where the last one is: deeper levels change no "
                "verdict and no trace, only the counts)");
  cmd->add_option("--out", cli->out, "Directory for counterexample traces")
      ->capture_default_str()
      ->check(writable_directory());
  add_json_flag(*cmd, cli->json, "the results");
  cmd->add_option("--dot", cli->dot, "Write the state graph (graphviz DOT) to this file")
      ->check(writable_file());
  cmd->add_option("--dot-limit", cli->dot_limit, "Most states --dot draws")
      ->check(digits_only())
      ->capture_default_str();
  cmd->add_option("--max-memory", cli->max_memory,
                  "Resident memory in MiB beyond which the visited states move to disk "
                  "(--spill-dir), or the search stops (exit 3) if a level does not fit even "
                  "then; auto: 3/4 of the physical memory or half of ulimit -v if lower, "
                  "none: no limit")
      ->capture_default_str();
  cmd->add_option("--spill-dir", cli->spill_dir,
                  "Directory for the visited states when memory runs out (16 bytes a state, "
                  "in a file deleted when explore exits); auto: $TMPDIR or /tmp, none: stop "
                  "at --max-memory instead")
      ->capture_default_str();
  cmd->add_option("--shard", cli->shard,
                  "Explore share I of N (a block of the configurations), e.g. 2/4; "
                  "--merge joins the shares' --json results");
  cmd->add_option("--merge", cli->merge,
                  "Merge the --json results of every share of a --shard split (files) into "
                  "the result of the whole, printed as JSON; no exploration")
      ->expected(1, -1);
  add_quiet_flag(*cmd, cli->quiet,
                 "a line every --progress-every seconds: depth, states, states/s, resident "
                 "memory");
  cmd->add_option("--progress-every", cli->progress_seconds,
                  "Seconds between progress lines on stderr (0.1-3600; a run shorter than "
                  "this prints none)")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  cmd->footer(with_example_ids(
      "A property that holds here holds on every run within the bounds; a violation is\n"
      "reported with the shortest trace (written under --out, replayable). The search\n"
      "ends at the level where every property explored is violated (--all-levels: at\n"
      "the bounds).\n\n"
      "Examples:\n"
      "  trimcheck explore --proposal {newest} --max-records 2 --max-depth 10\n"
      "  trimcheck explore --proposal {newest-chen} --property P9 --config default --json\n"
      "  trimcheck explore --proposal {baseline} --max-depth 4 --dot states.dot\n"
      "  trimcheck explore --cover trimcheck-out/{newest-chen}-P5.json --max-depth 8\n"
      "  trimcheck explore --cover trimcheck-out/{newest}-P20.json --max-calls trace\n"
      "  trimcheck explore --proposal {newest} --property P23 --config default\n"
      "                    --max-agents 1 --long-path 3500 --max-depth 10\n"
      "  trimcheck explore --proposal {newest-chen} --property P20 --config default\n"
      "                    --regime arbitrary --openable ima_trim_log --max-agents 1\n"
      "                    --max-open-files 1 --max-records 1 --max-depth 8\n\n"
      "The default bounds take about a minute and 400 MB on one core for the largest\n"
      "versions ({newest}, {newest-chen}); a progress line goes to stderr every 2 s.\n"
      "Past --max-memory the visited states move to --spill-dir and the search goes on.\n\n"
      "Exit codes: 0 every property holds within the bounds, 1 a violation was found,\n"
      "2 bad option or unwritable output, 3 the memory limit stopped the search before\n"
      "the bounds, a level not fitting even with the visited states on disk (the results\n"
      "cover the depth reached; nothing violated there)."));
  cmd->add_option("--cover", cli->cover,
                  "Explore within the bounds of this trace (of check, explore or prove): its "
                  "version, property, regime and configuration, its measurements, kexecs and "
                  "processes, its length as depth; --max-* options given replace its bounds");
  cmd->callback([cli, cmd, &exit_code] {
    if (!cli->merge.empty()) {
      try {
        exit_code = run_merge(cli->merge);
      } catch (const std::invalid_argument &error) {
        std::cerr << "trimcheck explore: " << error.what() << "\n";
        exit_code = kExitBadInput;
      }
      return;
    }
    ExploreOptions options;
    ExploreResult result;
    try {
      options = to_options(*cli, *cmd);
      result = explore(options);
    } catch (const CLI::ValidationError &error) {
      std::cerr << "trimcheck explore: " << error.what() << "\n";
      exit_code = kExitBadInput;
      return;
    } catch (const std::invalid_argument &error) {
      // A bound taken from a --cover trace is not one the user typed: say where it came from.
      std::cerr << "trimcheck explore: "
                << (cli->cover.empty()
                        ? ""
                        : "within the bounds of " + cli->cover + " (lower them with --max-*): ")
                << error.what() << "\n";
      exit_code = kExitBadInput;
      return;
    } catch (const SpillError &error) {
      std::cerr << "trimcheck explore: stopped at the memory limit: " << error.what() << "\n";
      exit_code = kExitInconclusive;
      return;
    } catch (const std::bad_alloc &) {
      // An allocation failed before the resident-memory check stopped the search (an
      // address-space limit far below it, or --max-memory none): inconclusive, not a bug.
      std::cerr << "trimcheck explore: out of memory (an allocation failed) before the search "
                   "reached its bounds; lower the bounds, explore fewer properties "
                   "(--property), or set a lower --max-memory to stop cleanly with results\n";
      exit_code = kExitInconclusive;
      return;
    }
    const std::string proposal_key(model::proposal_info(options.proposal).key);
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
        entry["found_in"] = found_in_json(&*outcome.trace);
        text << "  " << outcome.property << ": violated in " << outcome.trace->steps.size()
             << " steps (" << path << "): " << outcome.trace->violation << "\n";
      } else {
        entry["verdict"] = "holds-within-bounds";
        entry["trace"] = nullptr;
        entry["trace_length"] = nullptr;
        entry["found_in"] = nullptr;
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
      nlohmann::json out{{"proposal", proposal_key},
                         {"bounds", bounds_json(options, *cli)},
                         {"states", result.states},
                         {"transitions", result.transitions},
                         {"max_depth", result.max_depth},
                         {"complete", result.complete},
                         {"memory_limit_reached", result.memory_limit_reached},
                         {"every_property_violated", result.every_property_violated},
                         {"seconds", result.seconds},
                         {"states_per_second", rate},
                         {"bytes_per_state", result.bytes_per_state},
                         {"spills", result.spills},
                         {"states_on_disk", result.states_on_disk},
                         {"results", results}};
      std::cout << json_document("explore", std::move(out)).dump(2) << "\n";
    } else {
      std::cout << proposal_key << ": " << result.states << " states, " << result.transitions
                << " transitions, depth " << result.max_depth
                << (result.complete                  ? " (every reachable state)"
                    : result.memory_limit_reached    ? " (memory limit reached)"
                    : result.every_property_violated ? " (every property violated)"
                                                     : " (depth bound reached)")
                << ", " << result.seconds << " s"
                << (result.spills > 0
                        ? "; the visited states moved to disk " + std::to_string(result.spills) +
                              " time(s) (" + std::to_string(result.states_on_disk) + " on disk)"
                        : "")
                << "\n"
                << "within: " << bounds_as_options(options) << "\n"
                << text.str();
    }
    if (result.memory_limit_reached)
      std::cerr << "trimcheck explore: stopped at the memory limit (--max-memory "
                << cli->max_memory << ") while expanding depth " << result.max_depth + 1
                << "; the results cover depth " << result.max_depth << " only"
                << (options.spill_directory.empty() ? ""
                    : result.graph
                        ? " (--dot keeps every state it draws in memory: none moved to disk)"
                        : ", a level that does not fit even with the visited states on disk")
                << ". Lower the bounds, explore fewer properties (--property), or raise "
                   "--max-memory.\n";
    // A memory limit that stopped the search before its bounds, with nothing violated in what
    // it covered, is not "holds within the bounds": inconclusive.
    exit_code = violated ? kExitFinding : result.memory_limit_reached ? kExitInconclusive : kExitOk;
  });
}

} // namespace trimcheck::cli
