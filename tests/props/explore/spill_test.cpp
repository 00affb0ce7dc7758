// explore with its visited set on disk (docs/explore.md, When memory runs out): the spill
// file answers membership exactly, and a search that spills has the results of one that
// does not, whenever it spills and with any number of threads.
#include "trimcheck/props/explore.hpp"
#include "trimcheck/props/trace.hpp"

#include "../../../props/src/explore/spill_file.hpp"
#include "../../../props/src/explore/visited.hpp"
#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <set>
#include <unistd.h>

namespace trimcheck::props {
namespace {

using detail::Fingerprint;

// The spill file is unlinked at once: nothing stays in its directory, even while it is open.
bool holds_nothing(const trimcheck::test::TempDir &directory) {
  return std::filesystem::is_empty(directory.path());
}

std::vector<Fingerprint> random_fingerprints(std::mt19937_64 &random, std::size_t count) {
  std::vector<Fingerprint> fps(count);
  for (Fingerprint &fp : fps)
    fp = {random(), random() | 1};
  return fps;
}

bool less_in_set(const Fingerprint &a, const Fingerprint &b) {
  return std::tie(a.high, a.low) < std::tie(b.high, b.low);
}

TEST(SpillFile, MergesSectionsAndAnswersMembershipExactly) {
  trimcheck::test::TempDir directory("trimcheck-spill-test");
  detail::SpillFile file(directory.path());
  std::mt19937_64 random(7);
  std::set<Fingerprint, decltype(&less_in_set)> written(less_in_set);
  for (const std::size_t batch : {1000u, 70000u, 5u}) { // 70000: more than one block
    std::vector<Fingerprint> fresh = random_fingerprints(random, batch);
    std::sort(fresh.begin(), fresh.end(), detail::spill_order);
    file.merge([&](std::size_t shard) {
      std::vector<Fingerprint> section;
      for (const Fingerprint &fp : fresh)
        if (detail::shard_index(fp) == shard)
          section.push_back(fp);
      return section;
    });
    written.insert(fresh.begin(), fresh.end());
    EXPECT_EQ(file.size(), written.size());
    EXPECT_TRUE(holds_nothing(directory));
    // Probes: half written, half not.
    std::vector<Fingerprint> probes = random_fingerprints(random, 3000);
    std::sample(written.begin(), written.end(), std::back_inserter(probes), 3000, random);
    std::sort(probes.begin(), probes.end(), detail::spill_order);
    const std::vector<bool> found = file.contains(probes);
    for (std::size_t i = 0; i < probes.size(); ++i)
      ASSERT_EQ(found[i], written.contains(probes[i])) << i;
  }
}

TEST(SpillFile, ADirectoryThatCannotHoldItIsNamed) {
  detail::VisitedSet visited;
  visited.settle({1, 3}, 0);
  try {
    visited.spill("/nonexistent/trimcheck-spill");
    FAIL() << "spilled into a directory that does not exist";
  } catch (const SpillError &error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/trimcheck-spill"), std::string::npos)
        << error.what();
  }
}

// Forgetting what the file holds is what a broken spill would do: states settled before it
// would come back as new.
TEST(VisitedSet, StatesSettledBeforeASpillAreKnownAfterIt) {
  trimcheck::test::TempDir directory("trimcheck-spill-test");
  detail::VisitedSet visited;
  std::mt19937_64 random(11);
  const std::vector<Fingerprint> before = random_fingerprints(random, 5000);
  for (std::size_t i = 0; i < before.size(); ++i)
    visited.settle(before[i], static_cast<std::uint32_t>(i));
  EXPECT_EQ(visited.spill(directory.path()), before.size());
  EXPECT_EQ(visited.size(), 0u);
  EXPECT_EQ(visited.spilled_states(), before.size());
  std::vector<Fingerprint> probes = random_fingerprints(random, 100);
  probes.insert(probes.end(), before.begin(), before.begin() + 100);
  const std::vector<bool> found = visited.settle_spilled(probes);
  for (std::size_t i = 0; i < probes.size(); ++i)
    EXPECT_EQ(found[i], i >= 100) << i;
  // Those it found are known from memory again; the others were never settled.
  EXPECT_EQ(visited.claim(before[0], 5), detail::VisitedSet::Claim::known);
  EXPECT_EQ(visited.claim(probes[0], 5), detail::VisitedSet::Claim::first);
  EXPECT_EQ(visited.spill(directory.path()), 0u); // the found ones are on disk already
}

ExploreOptions chen_default(int depth) {
  ExploreOptions options;
  options.proposal = model::ProposalId::chen_v5;
  options.config = ConfigChoice{};
  options.bounds.max_depth = depth;
  options.all_levels = true;
  return options;
}

void expect_same_results(const ExploreResult &spilled, const ExploreResult &whole) {
  EXPECT_EQ(spilled.states, whole.states);
  EXPECT_EQ(spilled.transitions, whole.transitions);
  EXPECT_EQ(spilled.max_depth, whole.max_depth);
  EXPECT_EQ(spilled.complete, whole.complete);
  EXPECT_FALSE(spilled.memory_limit_reached);
  ASSERT_EQ(spilled.results.size(), whole.results.size());
  for (std::size_t i = 0; i < whole.results.size(); ++i) {
    ASSERT_EQ(spilled.results[i].trace.has_value(), whole.results[i].trace.has_value())
        << whole.results[i].property;
    if (whole.results[i].trace) {
      EXPECT_EQ(to_json(*spilled.results[i].trace), to_json(*whole.results[i].trace));
    }
  }
}

TEST(ExploreSpill, SpillingAfterLevelsChangesNoResult) {
  const ExploreResult whole = explore(chen_default(11));
  EXPECT_EQ(whole.spills, 0);
  for (const std::uint64_t in_memory : {1u, 20000u}) // after every level; twice or so
    for (const int threads : {1, 2}) {
      trimcheck::test::TempDir directory("trimcheck-spill-test");
      ExploreOptions options = chen_default(11);
      options.threads = threads;
      options.spill_directory = directory.path();
      options.max_states_in_memory = in_memory;
      const ExploreResult spilled = explore(options);
      expect_same_results(spilled, whole);
      EXPECT_GE(spilled.spills, in_memory == 1 ? 10 : 1);
      EXPECT_GT(spilled.states_on_disk, 0u);
      EXPECT_TRUE(holds_nothing(directory));
    }
}

// The memory limit spills in the middle of a level: the level is expanded again.
TEST(ExploreSpill, TheMemoryLimitSpillsAndExpandsTheLevelAgain) {
  trimcheck::test::TempDir directory("trimcheck-spill-test");
  ExploreOptions options = chen_default(17);
  options.spill_directory = directory.path();
  std::uint64_t first_spill = 0;
  options.progress_interval = std::chrono::milliseconds(1);
  options.on_progress = [&](const ExploreProgress &progress) {
    if (first_spill == 0 && progress.states_on_disk > 0)
      first_spill = progress.states_on_disk;
  };
  // Spill once the search has grown by 28 MiB past what the process holds now, so that a
  // level is interrupted: below the whole search's growth (about 45 MiB: 566,696 states),
  // above what the last level needs once the rest is on disk (about 20 MiB).
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  ASSERT_TRUE(statm >> pages >> resident);
  options.max_memory_bytes =
      resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)) + (std::uint64_t{28} << 20);
  const ExploreResult spilled = explore(options);
  EXPECT_GE(spilled.spills, 1);
  EXPECT_GT(first_spill, 0u);
  expect_same_results(spilled, explore(chen_default(17))); // after: its memory stays held
}

// Without a directory the memory limit stops the search, as before spilling existed; with
// two threads, the one that finds the limit stops the other in the middle of the level.
TEST(ExploreSpill, NoDirectoryMeansTheLimitStopsTheSearch) {
  ExploreOptions options = chen_default(14);
  options.max_memory_bytes = 1;
  for (const int threads : {1, 2}) {
    options.threads = threads;
    const ExploreResult stopped = explore(options);
    EXPECT_TRUE(stopped.memory_limit_reached) << threads << " threads";
    EXPECT_EQ(stopped.spills, 0);
  }
  options.max_states_in_memory = 10; // needs a directory
  EXPECT_THROW(explore(options), std::invalid_argument);
}

} // namespace
} // namespace trimcheck::props
