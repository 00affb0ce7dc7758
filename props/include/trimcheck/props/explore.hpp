// Exhaustive bounded exploration (docs/explore.md): breadth-first search over every state
// of one version that the bounds allow, checking every property on every transition.
//
// Where `check` samples runs at random, `explore` visits each reachable state once, so a
// property that holds here holds for *every* run within the bounds ("holds-within-bounds"),
// and a violation comes with the shortest trace (BFS order) in the same trace format as
// `check` (source "explore"), which `trimcheck replay` re-executes.
//
// The explored state is the product (kernel state, agents, bound counters, monitor states),
// stored as a fingerprint of its canonical encoding (src/explore/canonical.hpp): the
// kernel's identity as the model defines it (model/state_identity.hpp: records by their
// digests, processes, open files and nodes renamed canonically), and the agents taken up
// to permutation (they all follow the same protocols). Results do not depend on the
// number of threads: every level of the search is merged in a fixed order.
#pragma once

#include "trimcheck/props/property.hpp"
#include "trimcheck/props/scenario.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace trimcheck::props {

// A kind of user-space call of the arbitrary regime, named as in traces ("pass_fd"), except
// that a write whose buffer faults part way (P21) is a kind of its own, faulting_write: it
// multiplies a run's writes by their lengths. ExploreBounds::max_calls bounds how many of
// a kind a run makes. A continue is the scheduler running a call already made, not a call.
enum class CallKind : std::uint8_t {
  spawn,
  open,
  read,
  write,
  faulting_write,
  close,
  seek,
  pass_fd,
  fork,
  drop_cap,
  exit
};
inline constexpr std::size_t kCallKinds = 11;
std::string_view call_kind_name(CallKind kind);
std::optional<CallKind> call_kind_named(std::string_view name);  // empty: no such kind
std::optional<CallKind> call_kind_of(const TraceAction &action); // empty: not a call

// The defaults are the bounds of a plain `trimcheck explore`: chosen so that the largest
// versions (the newest of the Sassu and Chen series: 3.4 and 4.3 million states over the
// 32 configurations) take about a minute of one core and under 400 MB (docs/explore.md,
// Defaults).
struct ExploreBounds {
  int max_records = 2; // kernel measurements (new files, duplicates, violations) per run
  int max_agents = 2;  // protocol: agents; arbitrary: live processes besides p1 (boot starts it)
  int max_depth = 12;  // actions per run
  int max_kexecs = 1;  // kexec loads, and kexec executions, per run
  // 0: every file is "/f<n>". Otherwise a new file may also be measured at a path of this
  // many bytes (model::Measure::path_bytes): a record of up to 4 KB, so that a run's list
  // outgrows a kexec segment's margin (P23) in a few measurements instead of dozens.
  int long_path_bytes = 0;
  // Arbitrary regime: 0, no limit. Otherwise a process may open a file only while fewer
  // than this many files are open (open file descriptions: an fd that fork or fd passing
  // copied shares its description). Opening is what multiplies the arbitrary regime's
  // states (each open file brings its reads, writes, seeks and closes), and most of its
  // counterexamples need one or two open files (docs/explore.md, What is explored).
  int max_open_files = 0;
  // Arbitrary regime: empty, a process may open any file of the interface (the first
  // bank's lists, the counters, the control files). Otherwise only the files of these
  // names (last path components, e.g. "binary_runtime_measurements_sha1_staged"): a
  // question about one file need not pay for the other six.
  std::vector<std::string> openable;
  // Arbitrary regime: empty, no limit. Otherwise a run makes at most this many calls of
  // each kind listed (a kind not listed is not limited; 0 leaves the kind out). A small
  // scope of its own: "every run with at most two writes, two opens and one fork" takes
  // every process, fd, file, mode, command, fault position and interleaving, and is a
  // small part of the space that bounds on depth alone would have to cover
  // (docs/explore.md, Bounds on calls).
  std::map<CallKind, int> max_calls;
};

// Where a running exploration is, for a progress line (`trimcheck explore` prints one on
// stderr every two seconds). Counters are read while the threads work, so a report in the
// middle of a level counts the states and transitions that level has reached so far.
struct ExploreProgress {
  int depth = 0; // the level being expanded (its successors are at depth + 1)
  // Distinct states reached, the next level's so far included. Once the visited set has
  // been spilled, a level's count so far also holds states the file settles at its end.
  std::uint64_t states = 0;
  std::uint64_t transitions = 0;
  double seconds = 0;               // since the search started
  std::uint64_t resident_bytes = 0; // of the process (0 if /proc cannot be read)
  std::uint64_t states_on_disk = 0; // visited states moved to the spill file
};

struct ExploreOptions {
  model::ProposalId proposal = model::newest_proposal();
  std::vector<const Property *> properties; // empty: every property
  Regime regime = Regime::protocol;
  ExploreBounds bounds;
  std::optional<ConfigChoice> config; // empty: every configuration `check` chooses from
  // Explore share `shard_index` of `shard_count` (0-based): a contiguous block of the
  // configurations, in their fixed order. Configurations never share a state (the state
  // names its configuration), so the shares partition the search: their counts add up to
  // the whole's, and the whole's shortest trace for a property is the shortest of the
  // shares' traces, the lowest share on a tie (docs/explore.md, Sharding).
  int shard_index = 0;
  int shard_count = 1;
  int threads = 1;
  // A level after which every property explored (that applies to a configuration) has
  // its shortest counterexample ends the search: deeper levels can change no verdict and
  // no trace. `all_levels` explores on to the bounds, for the counts of the whole space.
  bool all_levels = false;
  // Arbitrary user space: states that differ only in which process is which are one state
  // (docs/explore.md, The explored state). Off only to measure the reduction, or to test
  // that it changes no verdict and no trace length.
  bool process_symmetry = true;
  // Keep the state graph for --dot, up to this many states (beyond it the graph is dropped).
  std::size_t graph_limit = 0;
  // The process's resident memory beyond which the visited set moves to disk
  // (spill_directory) or, without one, the search stops before the bounds (0: no limit).
  // A search keeps about 100 bytes per state (the frontier is ids, its Worlds are rebuilt
  // when expanded), so a search that outgrows memory has tens of millions of states; it
  // goes on, or stops cleanly and says how deep it got, instead of being killed by the OOM
  // killer.
  std::uint64_t max_memory_bytes = 0;
  // Where the visited set goes when memory runs out (empty: nowhere, the search stops at
  // the memory limit). When the resident memory passes max_memory_bytes, the level being
  // expanded is dropped, the fingerprints of every settled state move to a file in this
  // directory, and the level is expanded again with an empty table; the search stops only
  // when a level does not fit even then. Results are the same as without a limit
  // (docs/explore.md, When memory runs out).
  std::filesystem::path spill_directory;
  // Also spill, after a level, when the table holds more than this many states (0: only
  // the memory limit spills). A count, not a size, so that a test can spill at a chosen
  // point on any machine.
  std::uint64_t max_states_in_memory = 0;
  // Called every `progress_interval` while the search runs, from a thread of its own (so
  // also in the middle of a long level), and never for a search shorter than one interval.
  // Empty: no reports. It sees counters only: what it does cannot change the results.
  std::function<void(const ExploreProgress &)> on_progress;
  std::chrono::milliseconds progress_interval{2000};
};

struct PropertyOutcome {
  std::string property;
  std::optional<Trace> trace; // the shortest counterexample; empty: holds within bounds
};

// The explored state graph (for small bounds): vertices are states in BFS order.
struct StateGraph {
  struct Vertex {
    std::uint32_t depth = 0;
    std::string label;
    std::vector<std::string> violated; // properties violated on a transition into it
  };
  struct Edge {
    std::uint32_t from = 0, to = 0;
    std::string label;
  };
  std::vector<Vertex> vertices;
  std::vector<Edge> edges;
};

struct ExploreResult {
  std::uint64_t states = 0;
  std::uint64_t transitions = 0;
  int max_depth = 0;     // deepest BFS level that holds a state
  bool complete = false; // no state at the depth bound had a successor left unexplored
  // The memory limit stopped the search while it expanded level max_depth + 1: that level
  // is dropped, and the results (states, transitions, verdicts) cover depth max_depth only.
  bool memory_limit_reached = false;
  // Every property explored was violated by max_depth, so the search ended there (see
  // ExploreOptions::all_levels): `states` and `transitions` count what it visited.
  bool every_property_violated = false;
  double seconds = 0;
  double bytes_per_state = 0; // visited set and trace links, per state
  // The most memory the frontier took: the next level's candidates (key and fingerprint
  // each), while a level was expanded. The level being expanded is a range of ids: its
  // Worlds are rebuilt from the links (docs/explore.md), a path of them per thread.
  std::uint64_t peak_frontier_bytes = 0;
  // Successors computed again to rebuild the states being expanded, over every level (the
  // price of not keeping a level's Worlds; `transitions` counts the ones explored).
  std::uint64_t rebuilt_successors = 0;
  int spills = 0;                       // times the visited set was moved to disk
  std::uint64_t states_on_disk = 0;     // visited states in the spill file at the end
  std::vector<PropertyOutcome> results; // the properties that apply to some configuration
  std::optional<StateGraph> graph;      // when graph_limit >= states
};

// The spill file could not be written (a full disk, a directory gone): the search cannot
// go on within its memory limit. The message names the directory and the system's error.
struct SpillError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws std::invalid_argument for unusable options (e.g. a bound out of range, a property
// whose monitor cannot be copied), SpillError (above), and std::logic_error if a found trace does
// not reproduce when replayed from boot (the canonical encoding merged unequal states).
ExploreResult explore(const ExploreOptions &options);

// The graph in graphviz DOT (Boost.Graph write_graphviz), violating states in red.
std::string state_graph_dot(const StateGraph &graph);

// Options whose bounds contain a trace of `check` (its measurements, kexecs, length, two
// agents, its configuration and regime, its longest measured path), for its property:
// explore must find a violation there, with a trace no longer than this one.
ExploreOptions options_covering(const Trace &trace);

// Every kind of call with the number of them `trace` makes (0 for a kind it does not
// make): ExploreBounds::max_calls for `explore --cover TRACE --max-calls trace`, the
// narrowest scope that still holds the trace.
std::map<CallKind, int> calls_made(const Trace &trace);

// The configuration choices `check` draws from (32), in a fixed order.
std::vector<ConfigChoice> all_config_choices();
// "default" or a comma-separated list of flush_htable, disable_htable, feature_off,
// legacy_template, small_kexec_margin; nullopt if a name is unknown.
std::optional<ConfigChoice> config_choice_from_names(std::string_view names);
// The inverse: "default", or the names of the flags that are set, comma-separated.
std::string config_choice_names(const ConfigChoice &choice);

} // namespace trimcheck::props
