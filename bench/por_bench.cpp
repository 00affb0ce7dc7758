// What partial-order reduction could save explore (issue 19, item 4), measured before any
// reduction is built: a breadth-first search of one version, once in full and once with
// sleep sets under the exact independence relation, level by level.
//
// Two moves a and b of a World are independent there when each stays a move after the
// other and both orders lead to the same World (kernel, agents, budget and monitors, as the
// canonical encoding compares them) with no violation on any of the four transitions. That
// is the most any static or footprint-based relation could declare independent, so the
// figures are an upper bound on what sleep sets save. Computing it costs two more steps per
// pair, far more than it saves: this is a measurement, not a search to use.
//
// Sleep sets (Godefroid) keep every state and prune transitions: a state reached by a from
// a parent that also explored b, with a and b independent there, need not explore b (its
// result is the parent's b followed by a). In breadth-first order a state's sleep set is
// the intersection of the sets of every arrival in its level; later arrivals are longer
// paths and do not matter for shortest ones. The bench checks this claim on the way: the
// reduced search must reach the same number of states at every depth and each property's
// first violation at the same depth, else it says so and exits 1.
//
//   build/bench/trimcheck_por_bench [VERSION [protocol|arbitrary [DEPTH]]]
//
// protocol: the default configuration and bounds (2 agents, 2 measurements, 1 kexec).
// arbitrary: the scope in which explore finds sassu-v7's P20 race (one process besides p1,
// two open lists, a fork, two opens and two writes; tests/data/explore-finds.json).
#include "explore/canonical.hpp"
#include "explore/fingerprint.hpp"
#include "explore/world.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

namespace {

using namespace trimcheck;
using namespace trimcheck::props;
using namespace trimcheck::props::detail;

struct FingerprintHash {
  std::size_t operator()(const Fingerprint &fp) const { return fp.low; }
};

// Every pid and open file by its own number (an empty renaming would write them all as
// gone, and agents of different processes would look alike).
const model::Renaming &identity_renaming() {
  static const model::Renaming identity = [] {
    model::Renaming names;
    for (std::uint32_t id = 0; id < 256; ++id) {
      names.pid.push_back(id);
      names.open_file.push_back(id);
    }
    return names;
  }();
  return identity;
}

// An agent's state after choosing a move, as its encoding (pids and fds unrenamed).
std::string agent_after(const Move &move) {
  if (!move.agent_after)
    return {};
  model::StateEncoder encoder(identity_renaming());
  move.agent_after->encode(encoder);
  return encoder.take();
}

// The same move: the same action by the same agent, which is in the same state after it
// (an agent whose session is over restarts with any protocol of the version, so its
// first step, a spawn, is as many moves as there are protocols).
bool same_move(const Move &a, const Move &b) {
  return a.action == b.action && a.agent == b.agent && agent_after(a) == agent_after(b);
}

// The kind of an action as traces describe it ("p2 read"), without its arguments.
std::string kind_of(const TraceAction &action) {
  const std::string text = describe(action);
  return text.substr(0, text.find('('));
}

// A state of the level being expanded, with the moves it need not explore.
struct Frontier {
  World world;
  std::vector<Move> sleep;
};

// What one search found, for comparing the full and the reduced search.
struct Figures {
  std::vector<std::size_t> states_at_depth;
  std::vector<std::uint64_t> transitions_at_depth;
  std::map<std::string, int> first_violation; // property -> depth
  std::map<std::string, std::uint64_t> pruned_kinds;
};

class SleepSetSearch {
public:
  SleepSetSearch(const ExploreSpace &space, bool reduce)
      : space_(space), reduce_(reduce), canonical_(space.regime == Regime::arbitrary) {}

  Figures run(int depth) {
    Figures figures;
    std::unordered_map<Fingerprint, std::size_t, FingerprintHash> seen; // -> depth
    std::vector<Frontier> level;
    for (World &world : initial_worlds(space_))
      if (seen.emplace(fingerprint_of(world), 0).second)
        level.push_back({std::move(world), {}});
    for (int d = 0; d < depth && !level.empty(); ++d) {
      figures.states_at_depth.push_back(level.size());
      std::uint64_t transitions = 0;
      std::vector<Frontier> next;
      std::unordered_map<Fingerprint, std::size_t, FingerprintHash> in_next;
      for (const Frontier &state : level) {
        moves_ = moves_of(space_, state.world);
        successors_.assign(moves_.size(), std::nullopt);
        std::vector<bool> asleep(moves_.size(), false);
        for (std::size_t i = 0; i < moves_.size(); ++i)
          for (const Move &slept : state.sleep)
            asleep[i] = asleep[i] || same_move(slept, moves_[i]);
        for (std::size_t i = 0; i < moves_.size(); ++i) {
          if (reduce_ && asleep[i]) {
            ++figures.pruned_kinds[kind_of(moves_[i].action)];
            continue;
          }
          ++transitions;
          const Successor &after = successor(state.world, i);
          for (const auto &violation : after.violations)
            figures.first_violation.emplace(std::string(space_.properties[violation.first]->id),
                                            d + 1);
          std::vector<Move> sleep;
          for (std::size_t j = 0; reduce_ && j < moves_.size(); ++j)
            if (j != i && (j < i || asleep[j]) && independent(state.world, i, j))
              sleep.push_back(moves_[j]);
          const Fingerprint fp = fingerprint_of(after.world);
          if (seen.emplace(fp, d + 1).second) {
            in_next.emplace(fp, next.size());
            next.push_back({after.world, std::move(sleep)});
          } else if (auto arrived = in_next.find(fp); arrived != in_next.end()) {
            std::erase_if(next[arrived->second].sleep, [&](const Move &slept) {
              return std::none_of(sleep.begin(), sleep.end(),
                                  [&](const Move &move) { return same_move(slept, move); });
            });
          }
        }
      }
      figures.transitions_at_depth.push_back(transitions);
      level = std::move(next);
    }
    return figures;
  }

private:
  Fingerprint fingerprint_of(const World &world) {
    return fingerprint(canonical_.encode_view(world));
  }
  const Successor &successor(const World &world, std::size_t i) {
    if (!successors_[i])
      successors_[i] = successor_by(world, moves_[i]);
    return *successors_[i];
  }
  std::optional<Move> move_after(const World &world, const Move &wanted) const {
    for (Move &move : moves_of(space_, world))
      if (same_move(move, wanted))
        return std::move(move);
    return std::nullopt;
  }
  // Moves i and j of `world` are independent there (see the top of the file).
  bool independent(const World &world, std::size_t i, std::size_t j) {
    const Successor &after_i = successor(world, i);
    const Successor &after_j = successor(world, j);
    if (!after_i.violations.empty() || !after_j.violations.empty())
      return false;
    const std::optional<Move> j_then = move_after(after_i.world, moves_[j]);
    const std::optional<Move> i_then = move_after(after_j.world, moves_[i]);
    if (!j_then || !i_then)
      return false;
    const Successor ij = successor_by(after_i.world, *j_then);
    const Successor ji = successor_by(after_j.world, *i_then);
    return ij.violations.empty() && ji.violations.empty() &&
           fingerprint_of(ij.world) == fingerprint_of(ji.world);
  }

  const ExploreSpace &space_;
  bool reduce_;
  Canonicalizer canonical_;
  std::vector<Move> moves_; // of the state being expanded
  std::vector<std::optional<Successor>> successors_;
};

ExploreSpace space_for(model::ProposalId proposal, Regime regime) {
  ExploreSpace space{proposal, regime, ExploreBounds{}, {ConfigChoice{}}, {}};
  for (const Property &property : all_properties())
    space.properties.push_back(&property);
  if (regime == Regime::arbitrary) {
    ExploreBounds &bounds = space.bounds;
    bounds.max_agents = 1;
    bounds.max_kexecs = 0;
    bounds.max_open_files = 2;
    bounds.openable = {"binary_runtime_measurements_sha1", "ascii_runtime_measurements_sha1"};
    for (std::size_t kind = 0; kind < kCallKinds; ++kind)
      bounds.max_calls[static_cast<CallKind>(kind)] = 0;
    bounds.max_calls[CallKind::open] = 2;
    bounds.max_calls[CallKind::write] = 2;
    bounds.max_calls[CallKind::fork] = 1;
    bounds.max_calls[CallKind::close] = 4;
  }
  return space;
}

std::uint64_t sum(const std::vector<std::uint64_t> &values) {
  std::uint64_t total = 0;
  for (std::uint64_t value : values)
    total += value;
  return total;
}

} // namespace

int main(int argc, char **argv) {
  const std::string version = argc > 1 ? argv[1] : "sassu-v7";
  const std::optional<model::ProposalId> proposal = model::proposal_from_key(version);
  const std::string regime_name = argc > 2 ? argv[2] : "protocol";
  const int depth = argc > 3 ? std::atoi(argv[3]) : 8;
  const char *wrong = !proposal ? "no such version"
                      : regime_name != "protocol" && regime_name != "arbitrary"
                          ? "the regime is protocol or arbitrary"
                      : depth < 1 || depth > 20 ? "the depth is 1 to 20"
                                                : nullptr;
  if (wrong != nullptr) {
    std::fprintf(stderr,
                 "trimcheck_por_bench: %s (%s %s %d)\n"
                 "usage: trimcheck_por_bench [VERSION [protocol|arbitrary [DEPTH 1-20]]]\n",
                 wrong, version.c_str(), regime_name.c_str(), depth);
    return 2;
  }
  const ExploreSpace space =
      space_for(*proposal, regime_name == "arbitrary" ? Regime::arbitrary : Regime::protocol);
  const Figures full = SleepSetSearch(space, false).run(depth);
  const Figures reduced = SleepSetSearch(space, true).run(depth);
  std::printf("%s, %s regime, depth %d: sleep sets under exact independence\n", version.c_str(),
              regime_name.c_str(), depth);
  std::printf("%5s %10s %14s %14s %8s\n", "depth", "states", "transitions", "with sleep", "pruned");
  for (std::size_t d = 0; d < full.states_at_depth.size(); ++d) {
    const double pruned = 1.0 - static_cast<double>(reduced.transitions_at_depth[d]) /
                                    static_cast<double>(full.transitions_at_depth[d]);
    std::printf("%5zu %10zu %14llu %14llu %7.1f%%\n", d, full.states_at_depth[d],
                static_cast<unsigned long long>(full.transitions_at_depth[d]),
                static_cast<unsigned long long>(reduced.transitions_at_depth[d]), 100 * pruned);
  }
  const std::uint64_t all = sum(full.transitions_at_depth);
  const std::uint64_t kept = sum(reduced.transitions_at_depth);
  std::size_t states = 0;
  for (std::size_t at_depth : full.states_at_depth)
    states += at_depth;
  std::printf("total: %zu states expanded, %llu transitions, %llu with sleep sets (%.1f%% "
              "pruned)\n",
              states, static_cast<unsigned long long>(all), static_cast<unsigned long long>(kept),
              100.0 * (1.0 - static_cast<double>(kept) / static_cast<double>(all)));
  std::printf("pruned, by the kind of move:\n");
  for (const auto &[kind, count] : reduced.pruned_kinds)
    std::printf("  %-32s %10llu\n", kind.c_str(), static_cast<unsigned long long>(count));
  const bool same_states = full.states_at_depth == reduced.states_at_depth;
  const bool same_violations = full.first_violation == reduced.first_violation;
  std::printf("same states at every depth: %s; same first violation of every property: %s "
              "(%zu properties violated)\n",
              same_states ? "yes" : "NO", same_violations ? "yes" : "NO",
              full.first_violation.size());
  return same_states && same_violations ? 0 : 1;
}
