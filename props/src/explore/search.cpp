// Breadth-first search over Worlds, level by level (docs/explore.md).
#include "canonical.hpp"
#include "visited.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace trimcheck::props {

using namespace model;
using namespace detail;

namespace {

constexpr std::uint32_t kRoot = 0xFFFFFFFFu;

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

// What one thread produces while expanding its share of a level.
struct LevelWork {
  struct Candidate {
    std::uint64_t key;
    Fingerprint fp;
    std::unique_ptr<World> world;
  };
  struct PendingEdge {
    std::uint32_t from;
    Fingerprint fp;
    std::string label;
    std::vector<std::size_t> violated;
  };
  std::vector<Candidate> candidates;
  std::vector<PendingEdge> edges;
  std::vector<std::optional<Found>> found; // per property
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

std::string vertex_label(std::uint32_t id, const World &world) {
  const KernelState &k = world.kernel;
  return "s" + std::to_string(id) + " L" + std::to_string(k.list.size()) + " S" +
         std::to_string(k.staged.size()) + " Del" + std::to_string(k.ghost.del.size());
}

class Search {
public:
  explicit Search(const ExploreOptions &options, ExploreSpace space)
      : options_(options), space_(std::move(space)) {}

  ExploreResult run();

private:
  void expand_level(std::uint32_t first_id, std::vector<LevelWork> &work);
  void expand_share(std::uint32_t first_id, std::atomic<std::size_t> &next, LevelWork &out);
  std::vector<TraceAction> actions_to(std::uint32_t id, std::uint16_t last) const;
  Trace trace_for(std::size_t property, const Found &found) const;

  const ExploreOptions &options_;
  ExploreSpace space_;
  VisitedSet visited_;
  std::vector<Link> links_;
  // The level being expanded. Worlds are held by pointer: they are large (some 3 KB with
  // their heap), levels are moved between vectors several times, and each is freed as soon
  // as it is expanded, so that memory in use is one level, not two plus vector slack.
  std::vector<std::unique_ptr<World>> frontier_;
  std::vector<std::optional<Found>> found_;
  std::optional<StateGraph> graph_;
  std::atomic<bool> over_memory_{false};
};

void Search::expand_share(std::uint32_t first_id, std::atomic<std::size_t> &next, LevelWork &out) {
  Canonicalizer canonical;
  constexpr std::size_t kChunk = 8;
  std::uint64_t until_memory_check = 0;
  for (;;) {
    const std::size_t begin = next.fetch_add(kChunk);
    if (begin >= frontier_.size() || over_memory_)
      return;
    for (std::size_t position = begin; position < std::min(begin + kChunk, frontier_.size());
         ++position) {
      std::size_t index = 0;
      const auto parent = static_cast<std::uint32_t>(first_id + position);
      if (options_.max_memory_bytes > 0 && until_memory_check-- == 0) {
        until_memory_check = 64; // states; reading /proc costs a few microseconds
        if (resident_bytes() > options_.max_memory_bytes) {
          over_memory_ = true;
          return;
        }
      }
      for_each_successor(space_, *frontier_[position], [&](Successor &&successor) {
        const std::uint64_t key = key_of(position, index);
        ++out.transitions;
        for (const auto &[property, message] : successor.violations)
          keep_least(out.found[property], {key, parent, static_cast<std::uint16_t>(index)});
        const Fingerprint fp = fingerprint(canonical.encode_view(successor.world));
        if (graph_) {
          std::vector<std::size_t> violated;
          for (const auto &violation : successor.violations)
            violated.push_back(violation.first);
          out.edges.push_back({parent, fp, describe(successor.action), std::move(violated)});
        }
        if (visited_.claim(fp, key) == VisitedSet::Claim::won)
          out.candidates.push_back({key, fp, std::make_unique<World>(std::move(successor.world))});
        ++index;
      });
      frontier_[position].reset();
      if (index > 0xFFFF)
        throw std::logic_error("explore: more than 65535 successors of one state");
    }
  }
}

void Search::expand_level(std::uint32_t first_id, std::vector<LevelWork> &work) {
  std::atomic<std::size_t> next{0};
  for (LevelWork &w : work)
    w.found.assign(space_.properties.size(), std::nullopt);
  if (work.size() == 1) {
    expand_share(first_id, next, work[0]);
    return;
  }
  std::vector<std::thread> threads;
  std::exception_ptr error;
  std::mutex error_mutex;
  for (LevelWork &w : work)
    threads.emplace_back([&, out = &w] {
      try {
        expand_share(first_id, next, *out);
      } catch (...) {
        std::lock_guard lock(error_mutex);
        error = std::current_exception();
        next = frontier_.size();
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  if (error)
    std::rethrow_exception(error);
}

ExploreResult Search::run() {
  const auto started = std::chrono::steady_clock::now();
  if (options_.graph_limit > 0)
    graph_.emplace();
  found_.assign(space_.properties.size(), std::nullopt);
  ExploreResult result;
  {
    Canonicalizer canonical;
    std::vector<World> roots = initial_worlds(space_);
    for (std::size_t c = 0; c < roots.size(); ++c) {
      const Fingerprint fp = fingerprint(canonical.encode_view(roots[c]));
      if (visited_.id_of(fp))
        continue; // two configurations that boot to the same state
      const auto id = static_cast<std::uint32_t>(links_.size());
      visited_.settle(fp, id);
      links_.push_back({kRoot, static_cast<std::uint16_t>(c)});
      if (graph_)
        graph_->vertices.push_back({0, vertex_label(id, roots[c]), {}});
      frontier_.push_back(std::make_unique<World>(std::move(roots[c])));
    }
  }
  const int threads = std::max(1, options_.threads);
  int depth = 0;
  while (!frontier_.empty() && depth < space_.bounds.max_depth) {
    const auto first_id = static_cast<std::uint32_t>(links_.size() - frontier_.size());
    std::vector<LevelWork> work(static_cast<std::size_t>(threads));
    expand_level(first_id, work);
    if (over_memory_) { // the level is incomplete: drop it
      result.memory_limit_reached = true;
      break;
    }
    // Merge in key order, so that nothing depends on the number of threads.
    std::vector<std::optional<Found>> level_found(found_.size());
    std::vector<LevelWork::Candidate> winners;
    for (LevelWork &w : work) {
      result.transitions += w.transitions;
      for (std::size_t p = 0; p < found_.size(); ++p)
        if (w.found[p])
          keep_least(level_found[p], *w.found[p]);
      for (LevelWork::Candidate &candidate : w.candidates)
        if (visited_.holds(candidate.fp, candidate.key))
          winners.push_back(std::move(candidate));
      w.candidates.clear();
    }
    for (std::size_t p = 0; p < found_.size(); ++p)
      if (!found_[p])
        found_[p] = level_found[p];
    std::sort(winners.begin(), winners.end(),
              [](const auto &a, const auto &b) { return a.key < b.key; });
    std::vector<std::unique_ptr<World>> next;
    next.reserve(winners.size());
    ++depth;
    for (LevelWork::Candidate &winner : winners) {
      const auto id = static_cast<std::uint32_t>(links_.size());
      visited_.settle(winner.fp, id);
      links_.push_back({static_cast<std::uint32_t>(first_id + (winner.key >> 16)),
                        static_cast<std::uint16_t>(winner.key & 0xFFFF)});
      if (graph_)
        graph_->vertices.push_back(
            {static_cast<std::uint32_t>(depth), vertex_label(id, *winner.world), {}});
      next.push_back(std::move(winner.world));
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
    frontier_ = std::move(next);
    if (!frontier_.empty())
      result.max_depth = depth;
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
  result.complete = frontier_.empty();
  frontier_.clear();
  result.states = links_.size();
  result.bytes_per_state =
      result.states == 0
          ? 0
          : static_cast<double>(visited_.bytes() + links_.capacity() * sizeof(Link)) /
                static_cast<double>(result.states);
  for (std::size_t p = 0; p < space_.properties.size(); ++p) {
    const Property &property = *space_.properties[p];
    bool applies = false;
    for (const ConfigChoice &choice : space_.configs)
      applies |= property.applies(space_.proposal, make_config(space_.proposal, choice));
    if (!applies)
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
  std::vector<World> roots = initial_worlds(space_);
  World world = std::move(roots.at(links_[id].successor));
  std::vector<TraceAction> actions;
  for (std::uint16_t wanted : path) {
    std::size_t index = 0;
    std::optional<Successor> chosen;
    for_each_successor(space_, world, [&](Successor &&successor) {
      if (index++ == wanted)
        chosen.emplace(std::move(successor));
    });
    if (!chosen)
      throw std::logic_error("explore: a stored path no longer leads anywhere");
    actions.push_back(chosen->action);
    world = std::move(chosen->world);
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
  space.configs =
      options.config ? std::vector<ConfigChoice>{*options.config} : all_config_choices();
  return Search(options, std::move(space)).run();
}

} // namespace trimcheck::props
