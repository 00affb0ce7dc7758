// Breadth-first search over Worlds, level by level (docs/explore.md).
#include "canonical.hpp"
#include "visited.hpp"

#include "../arbitrary.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <set>
#include <thread>
#include <unistd.h>
#include <unordered_map>

namespace trimcheck::props {

using namespace model;
using namespace detail;

namespace {

constexpr std::uint32_t kRoot = 0xFFFFFFFFu;

// The arbitrary regime's bounds (files, calls): each name of `openable` must be a file
// that a process may open in one of the version's configurations.
void check_user_space_bounds(const ExploreOptions &options,
                             const std::vector<ConfigChoice> &configs) {
  const ExploreBounds &bounds = options.bounds;
  if (bounds.max_open_files < 0 || bounds.max_open_files > 64)
    throw std::invalid_argument("--max-open-files must be between 0 (no limit) and 64");
  if (options.regime != Regime::arbitrary &&
      (bounds.max_open_files != 0 || !bounds.openable.empty() || !bounds.max_calls.empty()))
    throw std::invalid_argument("--max-open-files, --openable and --max-calls bound arbitrary "
                                "user space (--regime arbitrary); the protocol regime's agents "
                                "make the calls their protocol makes");
  for (const auto &[kind, limit] : bounds.max_calls)
    if (limit < 0 || limit > 255)
      throw std::invalid_argument("--max-calls " + std::string(call_kind_name(kind)) + "=" +
                                  std::to_string(limit) + ": a limit is between 0 and 255");
  if (bounds.openable.empty())
    return;
  std::set<std::string, std::less<>> names;
  for (const ConfigChoice &choice : configs) {
    const model::KernelState booted =
        model::boot(options.proposal, make_config(options.proposal, choice));
    for (const std::string &path : detail::arbitrary_file_paths(booted))
      names.emplace(detail::file_name(path));
  }
  for (const std::string &name : bounds.openable)
    if (!names.contains(name)) {
      std::string known;
      for (const std::string &file : names)
        known += (known.empty() ? "" : ", ") + file;
      throw std::invalid_argument(
          "--openable: " + std::string(model::proposal_info(options.proposal).key) +
          " has no file '" + name + "' that a process may open; its files: " + known);
    }
}

// How a state was first reached: its parent and the index of the successor (for a root,
// the index of its configuration). Enough to rebuild any trace by re-expanding.
struct Link {
  std::uint32_t parent = kRoot;
  std::uint16_t successor = 0;
};

std::uint64_t key_of(std::size_t position, std::size_t successor) {
  return (static_cast<std::uint64_t>(position) << 16) | successor;
}

// A violation on a transition, found while expanding one level.
struct Found {
  std::uint64_t key = 0;
  std::uint32_t parent = 0;
  std::uint16_t successor = 0;
};

// What one thread produces while expanding its share of a level: on cache lines of its own,
// apart from the other threads' (it is written as the thread goes).
struct alignas(64) LevelWork {
  struct Candidate {
    std::uint64_t key;
    Fingerprint fp;
  };
  struct PendingEdge {
    std::uint32_t from;
    Fingerprint fp;
    std::string label;
    std::vector<std::size_t> violated;
  };
  std::vector<Candidate> candidates;
  std::vector<PendingEdge> edges;
  std::unordered_map<std::uint64_t, std::string> summaries; // graph only: by candidate key
  std::vector<std::optional<Found>> found;                  // per property
  std::uint64_t transitions = 0;
};

void keep_least(std::optional<Found> &into, const Found &found) {
  if (!into || found.key < into->key)
    into = found;
}

// The resident memory of this process (/proc/self/statm), 0 if it cannot be read.
std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident))
    return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

// A state's label in the graph, after its id: the sizes of its lists.
std::string vertex_summary(const World &world) {
  const KernelState &k = world.kernel;
  return " L" + std::to_string(k.list.size()) + " S" + std::to_string(k.staged.size()) + " Del" +
         std::to_string(k.ghost.del.size());
}

// Calls `tick` every `interval` from a thread of its own, until destroyed; never if it is
// destroyed within the first interval. The search's threads only bump atomic counters, so
// a report costs them nothing and comes on time in the middle of a long level as well.
class Ticker {
public:
  Ticker(std::chrono::milliseconds interval, std::function<void()> tick)
      : thread_([this, interval, tick = std::move(tick)] {
          std::unique_lock lock(mutex_);
          while (!wake_.wait_for(lock, interval, [this] { return stop_; })) {
            lock.unlock();
            tick();
            lock.lock();
          }
        }) {}
  Ticker(const Ticker &) = delete;
  Ticker &operator=(const Ticker &) = delete;
  ~Ticker() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_; // last: it starts once the members it uses exist
};

// Rebuilds the Worlds of one BFS level from the parent links, for one thread.
//
// Why: a World is some 3 KB with its heap (kernel state, agents, one monitor per
// property), while the visited set keeps about 60 bytes per state and the links 8. When
// the frontier held the Worlds of a whole level, it was nine tenths of the memory and what
// ended every large search. Now the frontier is the range of ids of the level, and each
// state's World is computed again when the state is expanded: its parent's World, then the
// parent's move `successor` (moves come in a fixed order, so the same index gives the same
// World, with the same monitors and agents, as when the state was first reached).
//
// States are numbered level by level in key order (parent, then successor index), so a
// level in id order is a depth-first walk of the BFS tree, and the children of a parent
// are neighbours. The rebuilder keeps the Worlds on the path from a root to the last state
// it was asked for, one per level, with the moves of each (computed once per parent). A
// state whose parent is on the path costs one successor; a run of neighbours shares the
// whole path. Rebuilding a level costs one successor per state of the levels above that
// still has a descendant in it, against about three successors with their canonical
// encodings for expanding it (the bench prints the figures; docs/explore.md).
//
// Nothing is encoded or decoded: the World is recomputed by the model's own step, so a
// rebuilt World is the World the search first reached, not a reading of its encoding
// (the encoding has no decoder: it is hashed to a fingerprint and kept only as that).
class WorldRebuilder {
public:
  WorldRebuilder(const ExploreSpace &space, const std::vector<World> &roots,
                 const std::vector<Link> &links)
      : space_(&space), roots_(&roots), links_(&links) {}

  // The World of state `id`, which lies at BFS depth `depth`. Valid until the next call.
  const World &world_of(std::uint32_t id, std::size_t depth);
  std::uint64_t rebuilt() const { return rebuilt_; }

private:
  struct OnPath {
    std::uint32_t id = 0;
    World world;
    std::optional<std::vector<Move>> moves; // of `world`, once one of its children is rebuilt
  };
  const ExploreSpace *space_;
  const std::vector<World> *roots_;
  const std::vector<Link> *links_;
  // path_[k] for k < on_path_: a state at depth k, the parent of path_[k + 1]. Entries from
  // on_path_ on are spare: their Worlds' memory is reused by the next states on the path.
  std::vector<OnPath> path_;
  std::size_t on_path_ = 0;
  Successor scratch_;                // a rebuilt child is stepped into this, then swapped in
  std::vector<std::uint32_t> climb_; // scratch: the ids above `id` not on the path, deepest first
  std::uint64_t rebuilt_ = 0;        // successors computed to rebuild Worlds
};

const World &WorldRebuilder::world_of(std::uint32_t id, std::size_t depth) {
  climb_.clear();
  std::size_t level = depth + 1;
  for (std::uint32_t at = id;;) {
    --level;
    if (level < on_path_ && path_[level].id == at) {
      ++level; // path_[0..level) stays: it leads to `at`
      break;
    }
    climb_.push_back(at);
    if (level == 0)
      break;
    at = (*links_)[at].parent;
  }
  on_path_ = level;
  if (path_.size() < depth + 1)
    path_.resize(depth + 1);
  for (auto at = climb_.rbegin(); at != climb_.rend(); ++at) {
    const Link &link = (*links_)[*at];
    OnPath &next = path_[on_path_];
    next.id = *at;
    next.moves.reset();
    if (on_path_ == 0) {
      next.world = (*roots_)[link.successor];
    } else {
      OnPath &parent = path_[on_path_ - 1];
      if (!parent.moves)
        parent.moves = moves_of(*space_, parent.world);
      if (link.successor >= parent.moves->size())
        throw std::logic_error("explore: a stored link no longer leads anywhere");
      step_into(parent.world, (*parent.moves)[link.successor], scratch_);
      std::swap(next.world, scratch_.world); // the spare World's memory goes to the scratch
      ++rebuilt_;
    }
    ++on_path_;
  }
  return path_[on_path_ - 1].world;
}

class Search {
public:
  explicit Search(const ExploreOptions &options, ExploreSpace space)
      : options_(options), space_(std::move(space)) {}

  ExploreResult run();

private:
  // The level being expanded: ids [first_id, first_id + size), all at BFS depth `depth`.
  struct Level {
    std::uint32_t first_id = 0;
    std::size_t size = 0;
    std::size_t depth = 0;
  };
  void expand_level(const Level &level, std::vector<LevelWork> &work);
  void expand_share(const Level &level, std::size_t chunk, std::atomic<std::size_t> &next,
                    WorldRebuilder &rebuilder, LevelWork &out);
  bool spill(ExploreResult &result);
  void drop_spilled(std::vector<LevelWork::Candidate> &winners);
  std::vector<TraceAction> actions_to(std::uint32_t id, std::uint16_t last) const;
  Trace trace_for(std::size_t property, const Found &found) const;

  const ExploreOptions &options_;
  ExploreSpace space_;
  std::vector<World> roots_; // per configuration (a root's link names its configuration)
  VisitedSet visited_;
  std::vector<Link> links_;
  std::vector<WorldRebuilder> rebuilders_; // one per thread, kept from level to level
  std::vector<std::optional<Found>> found_;
  std::optional<StateGraph> graph_;
  std::atomic<bool> over_memory_{false};
  // What ExploreOptions::on_progress reports, kept up to date by the working threads.
  struct {
    std::atomic<int> depth{0};
    std::atomic<std::uint64_t> states{0}, transitions{0}, states_on_disk{0};
  } progress_;
};

// Moves the visited set to the spill file (VisitedSet::spill). False when there is no
// spill directory, the state graph is kept (it needs every state's id), or nothing was
// left to move: the memory limit then ends the search.
bool Search::spill(ExploreResult &result) {
  if (options_.spill_directory.empty() || graph_)
    return false;
  if (visited_.spill(options_.spill_directory) == 0)
    return false;
  ++result.spills;
  progress_.states = links_.size();
  progress_.transitions = result.transitions;
  progress_.states_on_disk = visited_.spilled_states();
  return true;
}

// The winners of a level that the spill file already holds were settled in an earlier
// level: what claim() would have answered `known` before the spill.
void Search::drop_spilled(std::vector<LevelWork::Candidate> &winners) {
  std::vector<Fingerprint> fps;
  fps.reserve(winners.size());
  for (const LevelWork::Candidate &winner : winners)
    fps.push_back(winner.fp);
  const std::vector<bool> on_disk = visited_.settle_spilled(std::move(fps));
  std::size_t kept = 0;
  for (std::size_t i = 0; i < winners.size(); ++i)
    if (!on_disk[i])
      winners[kept++] = winners[i];
  winners.resize(kept);
}

void Search::expand_share(const Level &level, std::size_t chunk, std::atomic<std::size_t> &next,
                          WorldRebuilder &rebuilder, LevelWork &out) {
  Canonicalizer canonical(options_.process_symmetry);
  Successor scratch; // every successor is stepped into this one (its memory is reused)
  std::uint64_t until_memory_check = 0;
  // A chunk's successors, claimed in the visited set together at the chunk's end.
  std::vector<VisitedSet::Claimant> claimants;
  std::vector<std::string> summaries; // graph only: of each claimant
  for (;;) {
    const std::size_t begin = next.fetch_add(chunk);
    if (begin >= level.size || over_memory_)
      return;
    claimants.clear();
    summaries.clear();
    for (std::size_t position = begin; position < std::min(begin + chunk, level.size); ++position) {
      std::size_t index = 0;
      const auto parent = static_cast<std::uint32_t>(level.first_id + position);
      if (options_.max_memory_bytes > 0 && until_memory_check-- == 0) {
        until_memory_check = 64; // states; reading /proc costs a few microseconds
        if (resident_bytes() > options_.max_memory_bytes) {
          over_memory_ = true; // the level is dropped: its claims do not matter
          return;
        }
      }
      const World &world = rebuilder.world_of(parent, level.depth);
      for_each_successor(space_, world, scratch, [&](const Successor &successor) {
        const std::uint64_t key = key_of(position, index);
        for (const auto &[property, message] : successor.violations)
          keep_least(out.found[property], {key, parent, static_cast<std::uint16_t>(index)});
        const Fingerprint fp = fingerprint(canonical.encode_view(successor.world));
        if (graph_) {
          std::vector<std::size_t> violated;
          for (const auto &violation : successor.violations)
            violated.push_back(violation.first);
          out.edges.push_back({parent, fp, describe(successor.action), std::move(violated)});
          summaries.push_back(vertex_summary(successor.world));
        }
        claimants.push_back({fp, key});
        ++index;
      });
      if (index > 0xFFFF)
        throw std::logic_error("explore: more than 65535 successors of one state");
    }
    visited_.claim_all(claimants);
    std::uint64_t new_states = 0;
    for (std::size_t i = 0; i < claimants.size(); ++i) {
      const VisitedSet::Claim claim = claimants[i].claim;
      new_states += claim == VisitedSet::Claim::first;
      if (claim == VisitedSet::Claim::first || claim == VisitedSet::Claim::won) {
        out.candidates.push_back({claimants[i].key, claimants[i].fp});
        if (graph_)
          out.summaries[claimants[i].key] = std::move(summaries[i]);
      }
    }
    out.transitions += claimants.size();
    progress_.states.fetch_add(new_states, std::memory_order_relaxed);
    progress_.transitions.fetch_add(claimants.size(), std::memory_order_relaxed);
  }
}

void Search::expand_level(const Level &level, std::vector<LevelWork> &work) {
  std::atomic<std::size_t> next{0};
  for (LevelWork &w : work)
    w.found.assign(space_.properties.size(), std::nullopt);
  // Each thread takes runs of neighbouring states, which share their path in the BFS tree
  // (WorldRebuilder); runs are long enough that rebuilding their first state's path from
  // a root is rare, and short enough that the threads finish together.
  const std::size_t chunk = std::clamp<std::size_t>(level.size / (16 * work.size()), 8, 1024);
  if (work.size() == 1) {
    expand_share(level, chunk, next, rebuilders_[0], work[0]);
    return;
  }
  std::vector<std::thread> threads;
  std::exception_ptr error;
  std::mutex error_mutex;
  for (std::size_t t = 0; t < work.size(); ++t)
    threads.emplace_back([&, t] {
      try {
        expand_share(level, chunk, next, rebuilders_[t], work[t]);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        error = std::current_exception();
        next = level.size;
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  if (error)
    std::rethrow_exception(error);
}

ExploreResult Search::run() {
  const auto started = std::chrono::steady_clock::now();
  std::optional<Ticker> reporter;
  if (options_.on_progress)
    reporter.emplace(options_.progress_interval, [this, started] {
      options_.on_progress(
          {progress_.depth.load(std::memory_order_relaxed),
           progress_.states.load(std::memory_order_relaxed),
           progress_.transitions.load(std::memory_order_relaxed),
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
           resident_bytes(), progress_.states_on_disk.load(std::memory_order_relaxed)});
    });
  if (options_.graph_limit > 0)
    graph_.emplace();
  found_.assign(space_.properties.size(), std::nullopt);
  std::vector<bool> applies(space_.properties.size(), false);
  for (std::size_t p = 0; p < space_.properties.size(); ++p)
    for (const ConfigChoice &choice : space_.configs)
      applies[p] = applies[p] || space_.properties[p]->applies(
                                     space_.proposal, make_config(space_.proposal, choice));
  auto every_property_violated = [&] {
    for (std::size_t p = 0; p < found_.size(); ++p)
      if (applies[p] && !found_[p])
        return false;
    return std::find(applies.begin(), applies.end(), true) != applies.end();
  };
  ExploreResult result;
  roots_ = initial_worlds(space_);
  {
    Canonicalizer canonical(options_.process_symmetry);
    for (std::size_t c = 0; c < roots_.size(); ++c) {
      const Fingerprint fp = fingerprint(canonical.encode_view(roots_[c]));
      if (visited_.id_of(fp))
        continue; // two configurations that boot to the same state
      const auto id = static_cast<std::uint32_t>(links_.size());
      visited_.settle(fp, id);
      links_.push_back({kRoot, static_cast<std::uint16_t>(c)});
      if (graph_)
        graph_->vertices.push_back({0, "s" + std::to_string(id) + vertex_summary(roots_[c]), {}});
    }
  }
  progress_.states = links_.size();
  const auto threads = static_cast<std::size_t>(std::max(1, options_.threads));
  rebuilders_.assign(threads, WorldRebuilder(space_, roots_, links_));
  Level level{0, links_.size(), 0};
  while (level.size > 0 && level.depth < static_cast<std::size_t>(space_.bounds.max_depth)) {
    progress_.depth = static_cast<int>(level.depth);
    std::vector<LevelWork> work(threads);
    expand_level(level, work);
    if (over_memory_) { // the level is incomplete: drop it
      over_memory_ = false;
      if (spill(result))
        continue; // and expand it again, with the visited set on disk
      result.memory_limit_reached = true;
      break;
    }
    // Merge in key order, so that nothing depends on the number of threads.
    std::vector<std::optional<Found>> level_found(found_.size());
    std::vector<LevelWork::Candidate> winners;
    std::uint64_t candidate_bytes = 0;
    for (const LevelWork &w : work)
      candidate_bytes += w.candidates.capacity() * sizeof(LevelWork::Candidate);
    for (LevelWork &w : work) {
      result.transitions += w.transitions;
      for (std::size_t p = 0; p < found_.size(); ++p)
        if (w.found[p])
          keep_least(level_found[p], *w.found[p]);
      for (LevelWork::Candidate &candidate : w.candidates)
        if (visited_.holds(candidate.fp, candidate.key))
          winners.push_back(candidate);
      w.candidates = {};
    }
    // An upper bound: the candidates are freed while the winners are gathered.
    result.peak_frontier_bytes =
        std::max(result.peak_frontier_bytes,
                 candidate_bytes + winners.capacity() * sizeof(LevelWork::Candidate));
    for (std::size_t p = 0; p < found_.size(); ++p)
      if (!found_[p])
        found_[p] = level_found[p];
    if (visited_.spilled())
      drop_spilled(winners);
    std::sort(winners.begin(), winners.end(),
              [](const auto &a, const auto &b) { return a.key < b.key; });
    const Level next{static_cast<std::uint32_t>(links_.size()), winners.size(), level.depth + 1};
    for (const LevelWork::Candidate &winner : winners) {
      const auto id = static_cast<std::uint32_t>(links_.size());
      visited_.settle(winner.fp, id);
      links_.push_back({static_cast<std::uint32_t>(level.first_id + (winner.key >> 16)),
                        static_cast<std::uint16_t>(winner.key & 0xFFFF)});
      if (graph_) {
        std::string summary;
        for (const LevelWork &w : work)
          if (auto found = w.summaries.find(winner.key); found != w.summaries.end())
            summary = found->second;
        graph_->vertices.push_back(
            {static_cast<std::uint32_t>(next.depth), "s" + std::to_string(id) + summary, {}});
      }
    }
    if (graph_) {
      for (LevelWork &w : work)
        for (LevelWork::PendingEdge &edge : w.edges) {
          const std::uint32_t to = *visited_.id_of(edge.fp);
          for (std::size_t p : edge.violated)
            graph_->vertices[to].violated.emplace_back(space_.properties[p]->id);
          graph_->edges.push_back({edge.from, to, std::move(edge.label)});
        }
      if (links_.size() > options_.graph_limit)
        graph_.reset();
    }
    progress_.states = links_.size();
    if (options_.max_states_in_memory > 0 && visited_.size() > options_.max_states_in_memory)
      spill(result);
    level = next;
    if (level.size > 0)
      result.max_depth = static_cast<int>(level.depth);
    if (!options_.all_levels && every_property_violated()) {
      result.every_property_violated = true;
      break;
    }
  }
  if (graph_) {
    std::sort(graph_->edges.begin(), graph_->edges.end(), [](const auto &a, const auto &b) {
      return std::tie(a.from, a.to, a.label) < std::tie(b.from, b.to, b.label);
    });
    for (auto &vertex : graph_->vertices) {
      std::sort(vertex.violated.begin(), vertex.violated.end());
      vertex.violated.erase(std::unique(vertex.violated.begin(), vertex.violated.end()),
                            vertex.violated.end());
    }
  }
  result.complete = level.size == 0;
  for (const WorldRebuilder &rebuilder : rebuilders_)
    result.rebuilt_successors += rebuilder.rebuilt();
  result.states = links_.size();
  result.states_on_disk = visited_.spilled_states();
  result.bytes_per_state =
      result.states == 0
          ? 0
          : static_cast<double>(visited_.bytes() + links_.capacity() * sizeof(Link)) /
                static_cast<double>(result.states);
  for (std::size_t p = 0; p < space_.properties.size(); ++p) {
    const Property &property = *space_.properties[p];
    if (!applies[p])
      continue;
    PropertyOutcome outcome{std::string(property.id), std::nullopt};
    if (found_[p])
      outcome.trace = trace_for(p, *found_[p]);
    result.results.push_back(std::move(outcome));
  }
  result.graph = std::move(graph_);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

// The actions from the root to state `id`, then its successor `last`, by re-expanding the
// states on the path (successors come in a fixed order).
std::vector<TraceAction> Search::actions_to(std::uint32_t id, std::uint16_t last) const {
  std::vector<std::uint16_t> path{last};
  while (links_[id].parent != kRoot) {
    path.push_back(links_[id].successor);
    id = links_[id].parent;
  }
  std::reverse(path.begin(), path.end());
  World world = roots_.at(links_[id].successor);
  std::vector<TraceAction> actions;
  for (std::uint16_t wanted : path) {
    std::vector<Move> moves = moves_of(space_, world);
    if (wanted >= moves.size())
      throw std::logic_error("explore: a stored path no longer leads anywhere");
    actions.push_back(moves[wanted].action);
    world = successor_by(world, std::move(moves[wanted])).world;
  }
  return actions;
}

Trace Search::trace_for(std::size_t property, const Found &found) const {
  std::uint32_t root = found.parent;
  while (links_[root].parent != kRoot)
    root = links_[root].parent;
  const KernelConfig config = make_config(space_.proposal, space_.configs[links_[root].successor]);
  const std::vector<TraceAction> actions = actions_to(found.parent, found.successor);
  const Property &checked = *space_.properties[property];
  // Judged again from boot with a fresh monitor: the trace must stand on its own.
  RunResult run = run_actions(space_.proposal, config, checked, actions);
  if (run.violation.empty() || run.steps.size() != actions.size())
    throw std::logic_error("explore: the shortest trace for " + std::string(checked.id) +
                           " does not reproduce from boot (" + std::to_string(actions.size()) +
                           " steps); the canonical encoding merged states it should not have");
  Trace trace;
  trace.proposal = space_.proposal;
  trace.config = config;
  trace.property = std::string(checked.id);
  trace.regime = space_.regime;
  trace.seed = 0;
  trace.source = "explore";
  trace.steps = std::move(run.steps);
  trace.violation = std::move(run.violation);
  return trace;
}

} // namespace

ExploreResult explore(const ExploreOptions &options) {
  const ExploreBounds &bounds = options.bounds;
  if (bounds.max_records < 0 || bounds.max_records > 60)
    throw std::invalid_argument("--max-records must be between 0 and 60");
  if (bounds.max_agents < 0 || bounds.max_agents > 4)
    throw std::invalid_argument("--max-agents must be between 0 and 4");
  if (bounds.max_depth < 0 || bounds.max_depth > 1000)
    throw std::invalid_argument("--max-depth must be between 0 and 1000");
  if (bounds.max_kexecs < 0 || bounds.max_kexecs > 20)
    throw std::invalid_argument("--max-kexecs must be between 0 and 20");
  if (bounds.long_path_bytes < 0)
    throw std::invalid_argument("--long-path must not be negative");
  if (bounds.long_path_bytes != 0) {
    try { // the rule for a path's length is the model's (measured_path)
      model::measured_path(0, static_cast<std::uint32_t>(bounds.long_path_bytes));
    } catch (const std::invalid_argument &error) {
      throw std::invalid_argument(std::string("--long-path: ") + error.what());
    }
  }
  if (options.max_states_in_memory > 0 && options.spill_directory.empty())
    throw std::invalid_argument("a limit on the states held in memory needs a spill directory");
  if (!options.spill_directory.empty())
    check_spill_directory(options.spill_directory);
  if (options.threads < 1 || options.threads > 256)
    throw std::invalid_argument("--threads must be between 1 and 256");
  ExploreSpace space{options.proposal, options.regime, bounds, {}, options.properties};
  if (space.properties.empty())
    for (const Property &property : all_properties())
      space.properties.push_back(&property);
  for (const Property *property : space.properties)
    if (property->make_monitor()->copy_size() == 0)
      throw std::invalid_argument("property " + std::string(property->id) +
                                  " cannot be explored: its monitor cannot be copied");
  const std::vector<ConfigChoice> configs =
      options.config ? std::vector<ConfigChoice>{*options.config} : all_config_choices();
  check_user_space_bounds(options, configs);
  if (options.shard_count < 1 || static_cast<std::size_t>(options.shard_count) > configs.size())
    throw std::invalid_argument("--shard: between 1 and " + std::to_string(configs.size()) +
                                " shares (one configuration each at most)");
  if (options.shard_index < 0 || options.shard_index >= options.shard_count)
    throw std::invalid_argument("--shard: the share must be between 1 and the number of shares");
  const auto share_begin = [&](int share) {
    return configs.begin() +
           static_cast<std::ptrdiff_t>(configs.size() * static_cast<std::size_t>(share) /
                                       static_cast<std::size_t>(options.shard_count));
  };
  space.configs.assign(share_begin(options.shard_index), share_begin(options.shard_index + 1));
  return Search(options, std::move(space)).run();
}

} // namespace trimcheck::props
