// DigestTable and the PCR banks held as its ids: one id per distinct value whatever thread
// made it, extends memoised or not give OpenSSL's values, and banks compare by bytes
// across tables.
#include "trimcheck/model/banks.hpp"
#include "trimcheck/model/digest_memo.hpp"
#include "trimcheck/model/digest_table.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace trimcheck::model {
namespace {

Digest extended(HashAlgo algo, const Digest &old, const Digest &value) {
  return Hasher(algo).update(old).update(value).finish();
}

TEST(DigestTable, OneIdPerDistinctValue) {
  DigestTable table;
  const DigestId zeros = table.intern(Digest(32, 0));
  EXPECT_EQ(table.intern(Digest(32, 0)), zeros);
  EXPECT_NE(table.intern(Digest(20, 0)), zeros); // the length is part of the value
  const Digest bytes(64, 0x5A);
  const DigestId longest = table.intern(bytes);
  EXPECT_EQ(Digest(table[longest].begin(), table[longest].end()), bytes);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_THROW(table.intern(Digest(65, 0)), std::logic_error);
}

TEST(DigestTable, ExtendsAsOpenSslDoesMemoisedOrNot) {
  DigestTable table;
  for (bool memoise : {true, false, true}) {
    DigestId value = table.intern(Digest(32, 0));
    Digest expected(32, 0);
    for (std::uint8_t fill : {1, 2, 1, 3}) {
      value = table.extend(HashAlgo::sha256, value, Digest(32, fill), memoise);
      expected = extended(HashAlgo::sha256, expected, Digest(32, fill));
      EXPECT_EQ(Digest(table[value].begin(), table[value].end()), expected);
    }
  }
  // Zero and four values made with memoisation; the pass without keeps its four anew.
  EXPECT_EQ(table.size(), 9u);
}

// Explore's threads memoise extends: values one thread made, the other finds.
TEST(DigestTable, ThreadsExtendingTheSameChainsGetTheSameIds) {
  DigestTable table;
  const DigestId start = table.intern(Digest(20, 0));
  auto chain = [&](std::vector<DigestId> &ids) {
    DigestId value = start;
    for (int step = 0; step < 2000; ++step) {
      value = table.extend(HashAlgo::sha1, value, Digest(20, step % 3), true);
      ids.push_back(value);
    }
  };
  std::vector<DigestId> first, second;
  std::thread one([&] { chain(first); });
  std::thread two([&] { chain(second); });
  one.join();
  two.join();
  EXPECT_EQ(first, second);
  EXPECT_EQ(table.size(), 2001u);
}

TEST(PcrBanks, CopiesShareTheTableAndCompareByBytesAcrossTables) {
  const BankLayout layout = BankLayout::swtpm_default();
  PcrBanks banks(layout);
  const PcrBanks before = banks;
  const auto kept = before.value(1, 10); // stays valid while a copy of the banks lives
  const DigestMemo memo;
  banks.extend(1, 10, Digest(32, 7), &memo);
  EXPECT_FALSE(banks == before);
  EXPECT_EQ(Digest(kept.begin(), kept.end()), Digest(32, 0));
  EXPECT_EQ(banks.value_copy(1, 10), extended(HashAlgo::sha256, Digest(32, 0), Digest(32, 7)));
  const PcrBanks moved = banks.in(std::make_shared<DigestTable>());
  EXPECT_EQ(moved, banks);
  PcrBanks other(layout); // a table of its own, the same values made another way
  other.extend(1, 10, Digest(32, 7));
  EXPECT_EQ(other, banks);
  other.extend(0, 10, Digest(20, 7));
  EXPECT_FALSE(other == banks);
  EXPECT_THROW((void)banks.value(4, 0), std::out_of_range);
  EXPECT_THROW((void)banks.value(0, kNumPcrs), std::out_of_range);
  EXPECT_EQ(PcrBanks{}.num_banks(), 0u);
}

} // namespace
} // namespace trimcheck::model
