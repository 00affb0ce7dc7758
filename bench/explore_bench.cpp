// Exhaustive exploration figures (issues 5 and 19): states and transitions per second and
// bytes per state on one core for sassu-v7 and chen-v5 at a bound that runs 20-60 s, the
// scaling from one to two threads (the fastest of three runs each; the rate on one core is
// that of the fastest one-thread run, which does not count allocations), and for every
// violation `check` finds on these versions, the length of check's shrunk trace over
// explore's shortest one.
//
// Bytes per state three ways: the visited set and the links (what the search keeps for
// every state); that plus the peak of the frontier (the next level's candidates: the level
// being expanded is a range of ids whose Worlds are rebuilt); and the peak resident memory
// of the process over the states (everything: the program, the memos, the allocator). The
// rebuilt successors per state are what not keeping Worlds costs in time, and the
// allocations per transition what is left of item 1's "no allocation on the hot path".
//
//   build/bench/trimcheck_explore_bench [sassu-v7-depth [chen-v5-depth]]   (17, 21)
#include "trimcheck/props/check.hpp"
#include "trimcheck/props/explore.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

// Calls to operator new, for the allocations per transition (issue 19, item 1: no
// allocation per transition on the hot path). The replacements below count and forward to
// malloc, which is jemalloc here; a program-wide counter is what replacing the global
// allocation functions means, and only this bench does it. Only the runs that report
// allocations count them: with two threads, one counter incremented by both on every
// allocation moved its cache line between them a dozen times per transition, and made
// the two-thread runs of the speed-up slower than explore itself is.
std::atomic<std::uint64_t> allocation_calls{0};
std::atomic<bool> counting_allocations{false}; // set once in a child, before it explores

void *counted_allocation(std::size_t size, std::size_t alignment = 0) {
  if (counting_allocations.load(std::memory_order_relaxed))
    allocation_calls.fetch_add(1, std::memory_order_relaxed);
  const std::size_t bytes = size == 0 ? 1 : size;
  void *memory =
      alignment == 0
          ? std::malloc(bytes)
          : std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
  if (memory == nullptr)
    throw std::bad_alloc();
  return memory;
}

void *operator new(std::size_t size) {
  return counted_allocation(size);
}
void *operator new[](std::size_t size) {
  return counted_allocation(size);
}
void *operator new(std::size_t size, std::align_val_t alignment) {
  return counted_allocation(size, static_cast<std::size_t>(alignment));
}
void *operator new[](std::size_t size, std::align_val_t alignment) {
  return counted_allocation(size, static_cast<std::size_t>(alignment));
}
void operator delete(void *memory) noexcept {
  std::free(memory);
}
void operator delete[](void *memory) noexcept {
  std::free(memory);
}
void operator delete(void *memory, std::size_t) noexcept {
  std::free(memory);
}
void operator delete[](void *memory, std::size_t) noexcept {
  std::free(memory);
}
void operator delete(void *memory, std::align_val_t) noexcept {
  std::free(memory);
}
void operator delete[](void *memory, std::align_val_t) noexcept {
  std::free(memory);
}
void operator delete(void *memory, std::size_t, std::align_val_t) noexcept {
  std::free(memory);
}
void operator delete[](void *memory, std::size_t, std::align_val_t) noexcept {
  std::free(memory);
}

namespace {

using namespace trimcheck;
using namespace trimcheck::props;

// Issue 19's targets (item 3), printed next to what is measured: states per second on one
// core, and the speed-up of two threads over one.
constexpr double kTargetStatesPerSecond = 1e6;
constexpr double kTargetSpeedUp = 1.7;

// What one exploration measured, and the peak memory of the process that ran it.
struct Measured {
  std::uint64_t states = 0, transitions = 0;
  double seconds = 0, bytes_per_state = 0;
  std::uint64_t peak_frontier_bytes = 0, rebuilt_successors = 0;
  int spills = 0;
  std::uint64_t allocations = 0; // calls to operator new during the exploration
  long peak_rss_kb = 0;
};

// Explores in a child process, so that its peak resident memory is its own. `on_disk`:
// the visited set moves to a spill file after every level (docs/explore.md, When memory
// runs out), as it would on a machine whose memory the search outgrows. `count`: count the
// allocations (Measured::allocations; else 0).
Measured measured(model::ProposalId proposal, int depth, int threads, bool count,
                  bool on_disk = false) {
  int channel[2];
  if (pipe(channel) != 0) {
    std::perror("pipe");
    std::exit(2);
  }
  const pid_t child = fork();
  if (child < 0) {
    std::perror("fork");
    std::exit(2);
  }
  if (child == 0) {
    close(channel[0]);
    ExploreOptions options;
    options.proposal = proposal;
    options.config = ConfigChoice{};
    options.bounds = {2, 2, depth, 1};
    options.threads = threads;
    options.all_levels = true; // the whole space within the bounds, whatever is violated
    char spill_directory[] = "/tmp/trimcheck-bench-spill.XXXXXX";
    if (on_disk) {
      if (mkdtemp(spill_directory) == nullptr)
        _exit(2);
      options.spill_directory = spill_directory;
      options.max_states_in_memory = 1;
    }
    counting_allocations = count;
    const std::uint64_t allocations_before = allocation_calls.load();
    const ExploreResult result = explore(options);
    const std::uint64_t allocations = allocation_calls.load() - allocations_before;
    if (on_disk)
      rmdir(spill_directory); // the spill file was unlinked when it was created
    const Measured out{result.states,
                       result.transitions,
                       result.seconds,
                       result.bytes_per_state,
                       result.peak_frontier_bytes,
                       result.rebuilt_successors,
                       result.spills,
                       allocations,
                       0};
    const bool sent = write(channel[1], &out, sizeof out) == sizeof out;
    _exit(sent ? 0 : 2);
  }
  close(channel[1]);
  Measured out;
  const bool received = read(channel[0], &out, sizeof out) == sizeof out;
  close(channel[0]);
  int status = 0;
  rusage usage{};
  if (wait4(child, &status, 0, &usage) != child || !received || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "explore bench: the exploration in the child process failed\n");
    std::exit(2);
  }
  out.peak_rss_kb = usage.ru_maxrss;
  return out;
}

void throughput(model::ProposalId proposal, int depth) {
  const auto key = model::proposal_info(proposal).key;
  // The run that counts allocations. Its counter adds an atomic add per allocation, so the
  // rate is taken from the runs that do not count (in session 34 it was as fast, though).
  const Measured one = measured(proposal, depth, 1, true);
  const auto states = static_cast<double>(one.states);
  // The fastest of kSpeedUpRuns runs on one thread and on two, taken in turn, none
  // counting allocations: one run of each varied by 5 to 10 % on this machine, more than
  // the gap to the target. The one-thread figure is also the rate on one core.
  constexpr int kSpeedUpRuns = 3;
  double fastest_one = 0, fastest_two = 0;
  bool same_states = true;
  for (int run = 0; run < kSpeedUpRuns; ++run) {
    const Measured single = measured(proposal, depth, 1, false);
    const Measured two = measured(proposal, depth, 2, false);
    fastest_one = run == 0 ? single.seconds : std::min(fastest_one, single.seconds);
    fastest_two = run == 0 ? two.seconds : std::min(fastest_two, two.seconds);
    same_states = same_states && two.states == one.states && two.transitions == one.transitions &&
                  single.states == one.states && single.transitions == one.transitions;
  }
  const double rate = states / fastest_one;
  std::printf("%-9.*s depth %2d: %9llu states %10llu transitions %6.1f s  %9.0f states/s "
              "%9.0f transitions/s (the fastest of %d runs; target %.0f states/s: %.4f of "
              "it)\n",
              static_cast<int>(key.size()), key.data(), depth,
              static_cast<unsigned long long>(one.states),
              static_cast<unsigned long long>(one.transitions), fastest_one, rate,
              static_cast<double>(one.transitions) / fastest_one, kSpeedUpRuns,
              kTargetStatesPerSecond, rate / kTargetStatesPerSecond);
  std::printf("%-9.*s bytes/state: %5.1f visited set and links, %5.1f with the frontier, "
              "%5.0f peak RSS; %.2f successors rebuilt per state; %.1f allocations per "
              "transition (counted in a run of %.1f s)\n",
              static_cast<int>(key.size()), key.data(), one.bytes_per_state,
              one.bytes_per_state + static_cast<double>(one.peak_frontier_bytes) / states,
              1024.0 * static_cast<double>(one.peak_rss_kb) / states,
              static_cast<double>(one.rebuilt_successors) / states,
              static_cast<double>(one.allocations) / static_cast<double>(one.transitions),
              one.seconds);
  // The same run as Spin's verifier (pan) summarises one, for a side-by-side reading with
  // Spin figures (issue 19 measured 0.4-0.6 M states/s per core and tens of bytes per
  // state with Spin on a small abstract list model on this kind of machine).
  std::printf("%-9.*s as pan prints it: %llu states, stored; %llu transitions (= stored+matched);"
              " %.3f total actual memory usage (Mbyte); elapsed time %.2f seconds; rate %.0f "
              "states/second\n",
              static_cast<int>(key.size()), key.data(), static_cast<unsigned long long>(one.states),
              static_cast<unsigned long long>(one.transitions),
              static_cast<double>(one.peak_rss_kb) / 1024.0, fastest_one, rate);
  // Item 2: what a search costs when its visited set lives on disk (a spill after every
  // level: the most that --max-memory can ask for).
  const Measured spilled = measured(proposal, depth, 1, false, true);
  std::printf(
      "%-9.*s visited set on disk (%d spills): %6.1f s (%.2fx), %5.0f peak RSS/state, "
      "16 bytes/state on disk (same states: %s)\n",
      static_cast<int>(key.size()), key.data(), spilled.spills, spilled.seconds,
      spilled.seconds / fastest_one, 1024.0 * static_cast<double>(spilled.peak_rss_kb) / states,
      spilled.states == one.states && spilled.transitions == one.transitions ? "yes" : "NO");
  std::printf("%-9.*s 2 threads: %6.1f s (one: %.1f s; the fastest of %d runs each), speed-up "
              "%.2f (target %.1f; same states: %s)\n",
              static_cast<int>(key.size()), key.data(), fastest_two, fastest_one, kSpeedUpRuns,
              fastest_one / fastest_two, kTargetSpeedUp, same_states ? "yes" : "NO");
}

// check's shrunk trace length / explore's shortest, per property with a violation.
void ratios(model::ProposalId proposal) {
  const auto key = model::proposal_info(proposal).key;
  const CheckBudget budget{1, 300, 40};
  for (const Regime regime : {Regime::protocol, Regime::arbitrary})
    for (const Property &property : all_properties()) {
      if (!property.applies(proposal, model::KernelConfig{}))
        continue;
      auto found = search(proposal, property, regime, budget, false);
      if (!found)
        continue;
      ExploreOptions options = options_covering(*found);
      // Arbitrary user space branches far more (any process, file, mode and command):
      // depth 4 is about 130,000 states there, depth 5 takes minutes.
      const int cap = regime == Regime::arbitrary ? 4 : 11;
      const bool capped = options.bounds.max_depth > cap;
      options.bounds.max_depth = std::min(options.bounds.max_depth, cap);
      const ExploreResult explored = explore(options);
      const auto &trace = explored.results.at(0).trace;
      if (!trace) {
        std::printf("%-9.*s %-9s %-4.*s check %2zu steps, explore: none within depth %d%s\n",
                    static_cast<int>(key.size()), key.data(),
                    std::string(regime_name(regime)).c_str(), static_cast<int>(property.id.size()),
                    property.id.data(), found->steps.size(), options.bounds.max_depth,
                    capped ? " (capped)" : " -- MISSED");
        continue;
      }
      std::printf("%-9.*s %-9s %-4.*s check %2zu steps, explore %2zu: ratio %.2f\n",
                  static_cast<int>(key.size()), key.data(),
                  std::string(regime_name(regime)).c_str(), static_cast<int>(property.id.size()),
                  property.id.data(), found->steps.size(), trace->steps.size(),
                  static_cast<double>(found->steps.size()) /
                      static_cast<double>(trace->steps.size()));
    }
}

} // namespace

int main(int argc, char **argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // each figure as soon as it is measured
  // Depths at which each version runs 20-60 s on one core of the 2-core CI machine.
  const int sassu_depth = argc > 1 ? std::atoi(argv[1]) : 17;
  const int chen_depth = argc > 2 ? std::atoi(argv[2]) : 21;
  if (sassu_depth < 1 || chen_depth < 1) {
    std::fprintf(stderr, "usage: trimcheck_explore_bench [sassu-v7-depth [chen-v5-depth]]\n");
    return 2;
  }
  std::printf("explore throughput (default configuration, 2 agents, 2 measurements, 1 kexec, "
              "every property)\n");
  throughput(model::ProposalId::sassu_v7, sassu_depth);
  throughput(model::ProposalId::chen_v5, chen_depth);
  std::printf("\nshrunk (check) / shortest (explore) trace length\n");
  ratios(model::ProposalId::sassu_v7);
  ratios(model::ProposalId::chen_v5);
  return 0;
}
