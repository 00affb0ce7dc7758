// VisitedSet::claim_all: a batch claimed at once has the outcome of claiming it one by one,
// and threads claiming overlapping batches together leave each state to its least key.
#include "../../../props/src/explore/visited.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <thread>

namespace trimcheck::props::detail {
namespace {

// A pool of fingerprints spread over shards, so that a batch repeats some of them.
Fingerprint pooled(std::size_t i) {
  return {0x9E3779B97F4A7C15ull * (i + 1), 0xC2B2AE3D27D4EB4Full * (i + 7)};
}

RC_GTEST_PROP(VisitedSet, AClaimedBatchIsClaimedAsOneByOne, ()) {
  const auto settled =
      *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, 40));
  const auto batch_ids = *rc::gen::container<std::vector<std::pair<std::size_t, std::uint64_t>>>(
      rc::gen::pair(rc::gen::inRange<std::size_t>(0, 40), rc::gen::inRange<std::uint64_t>(0, 50)));
  VisitedSet at_once, one_by_one;
  std::uint32_t id = 0;
  for (std::size_t i : settled)
    if (!at_once.id_of(pooled(i))) {
      at_once.settle(pooled(i), id);
      one_by_one.settle(pooled(i), id++);
    }
  std::vector<VisitedSet::Claimant> batch;
  for (const auto &[i, key] : batch_ids)
    batch.push_back({pooled(i), key});
  at_once.claim_all(batch);
  for (std::size_t n = 0; n < batch.size(); ++n)
    RC_ASSERT(batch[n].claim == one_by_one.claim(batch[n].fp, batch[n].key));
  for (const auto &[i, key] : batch_ids)
    RC_ASSERT(at_once.holds(pooled(i), key) == one_by_one.holds(pooled(i), key));
}

// Two threads claim overlapping batches at once (run under ThreadSanitizer by tsan-smoke):
// every state ends held by the least key any batch claimed it with.
TEST(VisitedSet, ThreadsClaimingTogetherLeaveEachStateToItsLeastKey) {
  VisitedSet visited;
  std::map<std::size_t, std::uint64_t> least;
  std::vector<std::vector<VisitedSet::Claimant>> batches(2);
  for (std::size_t t = 0; t < batches.size(); ++t)
    for (std::size_t n = 0; n < 5000; ++n) {
      const std::size_t i = (n * 7 + t * 3) % 1500;
      const std::uint64_t key = (n * 131 + t * 17) % 100000;
      batches[t].push_back({pooled(i), key});
      auto [at, inserted] = least.try_emplace(i, key);
      if (!inserted)
        at->second = std::min(at->second, key);
    }
  std::vector<std::thread> threads;
  for (auto &batch : batches)
    threads.emplace_back([&visited, &batch] {
      for (std::size_t from = 0; from < batch.size(); from += 500) // chunk by chunk
        visited.claim_all(std::span(batch).subspan(from, 500));
    });
  for (std::thread &thread : threads)
    thread.join();
  for (const auto &[i, key] : least)
    EXPECT_TRUE(visited.holds(pooled(i), key)) << "fingerprint " << i;
}

} // namespace
} // namespace trimcheck::props::detail
