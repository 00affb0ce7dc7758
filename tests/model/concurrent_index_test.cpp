// ConcurrentIndex: finds what was inserted, as a map would, across its arrays' growth; and
// readers without a lock, beside a writer under one, find only what was inserted, with its
// value (run under ThreadSanitizer by tsan-smoke).
#include "trimcheck/model/detail/concurrent_index.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <mutex>
#include <thread>
#include <unordered_map>

namespace trimcheck::model::detail {
namespace {

RC_GTEST_PROP(ConcurrentIndex, FindsWhatWasInsertedAsAMapDoes, ()) {
  // Short keys over few letters, so that keys repeat and some share a hash's tag.
  const auto keys = *rc::gen::container<std::vector<std::string>>(
      rc::gen::container<std::string>(rc::gen::elementOf(std::string("ab\0c", 4))));
  ConcurrentIndex<std::uint32_t> index;
  std::unordered_map<std::string, std::uint32_t> reference;
  for (std::uint32_t n = 0; n < keys.size(); ++n) {
    const std::string &key = keys[n];
    const auto found = index.find(key);
    RC_ASSERT(found.has_value() == reference.contains(key));
    if (found)
      RC_ASSERT(*found == reference.at(key));
    else {
      RC_ASSERT(index.find_or_add(
                    key, [&] { return n; }, "keys") == n);
      reference.emplace(key, n);
    }
  }
  RC_ASSERT(index.size() == reference.size());
  for (const auto &[key, value] : reference)
    RC_ASSERT(index.find(key) == std::optional<std::uint32_t>(value));
}

TEST(ConcurrentIndex, KeepsEveryKeyAsItsArraysGrow) {
  ConcurrentIndex<std::uint32_t> index;
  EXPECT_FALSE(index.find("").has_value());
  for (std::uint32_t n = 0; n < 20000; ++n)
    index.find_or_add(
        "key " + std::to_string(n), [&] { return n; }, "keys");
  for (std::uint32_t n = 0; n < 20000; ++n)
    ASSERT_EQ(index.find("key " + std::to_string(n)), std::optional<std::uint32_t>(n)) << n;
  EXPECT_FALSE(index.find("key 20000").has_value());
}

// One writer adds keys under a lock while two readers look them up without it: a reader
// finds a key only with its value, and a miss is always answered under the lock.
TEST(ConcurrentIndex, ReadersWithoutALockBesideAWriterFindOnlyWhatWasInserted) {
  constexpr std::uint32_t kKeys = 5000;
  ConcurrentIndex<std::uint32_t> index;
  std::mutex lock;
  std::atomic<std::uint32_t> wrong{0};
  auto read = [&] {
    for (std::uint32_t round = 0; round < 3; ++round)
      for (std::uint32_t n = 0; n < kKeys; ++n) {
        const std::string key = "key " + std::to_string(n);
        auto found = index.find(key);
        if (!found) {
          const std::lock_guard held(lock);
          found = index.find(key);
        }
        if (found && *found != n * 3)
          ++wrong;
      }
  };
  std::thread first(read), second(read);
  for (std::uint32_t n = 0; n < kKeys; ++n) {
    const std::lock_guard held(lock);
    index.find_or_add(
        "key " + std::to_string(n), [&] { return n * 3; }, "keys");
  }
  first.join();
  second.join();
  EXPECT_EQ(wrong, 0u);
  for (std::uint32_t n = 0; n < kKeys; ++n)
    ASSERT_EQ(index.find("key " + std::to_string(n)), std::optional<std::uint32_t>(n * 3));
}

} // namespace
} // namespace trimcheck::model::detail
