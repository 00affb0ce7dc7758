// RecordTable and RecordList: one id per distinct record, whatever way and thread it came
// in; a list of ids behaves as a vector of records, and compares by content across tables.
#include "trimcheck/model/record_table.hpp"
#include "trimcheck/model/state_identity.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace trimcheck::model {
namespace {

Record measured(std::uint32_t file) {
  const Digest hash(32, static_cast<std::uint8_t>(file));
  return make_record(BankLayout{}, 10,
                     make_ima_ng(HashAlgo::sha256, hash, "/f" + std::to_string(file)));
}

TEST(RecordTable, OneIdPerDistinctRecordWhateverItsKey) {
  RecordTable table;
  const RecordId by_key = table.intern("k1", [] { return measured(1); });
  EXPECT_EQ(table.intern("k1", []() -> Record { throw std::logic_error("made twice"); }), by_key);
  EXPECT_EQ(table.intern("another key", [] { return measured(1); }), by_key);
  EXPECT_EQ(table.intern(measured(1)), by_key);
  const RecordId other = table.intern(measured(2));
  EXPECT_NE(other, by_key);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table[by_key], measured(1));
  EXPECT_EQ(table[other], measured(2));
  Record violation = measured(1);
  violation.violation = true;
  EXPECT_NE(table.intern(violation), by_key); // any byte of a record tells records apart
  EXPECT_EQ(table.identity(other), record_identity(measured(2)));
}

TEST(RecordTable, ThreadsInterningTheSameRecordsGetTheSameIds) {
  RecordTable table;
  constexpr std::uint32_t kRecords = 300; // 200 records, 100 of them asked twice by each
  std::vector<RecordId> first(kRecords), second(kRecords);
  auto intern_all = [&](std::vector<RecordId> &ids, bool backwards) {
    for (std::uint32_t i = 0; i < kRecords; ++i) {
      const std::uint32_t file = backwards ? kRecords - 1 - i : i;
      ids[file] =
          table.intern("file " + std::to_string(file % 200), [&] { return measured(file % 200); });
    }
  };
  std::thread one([&] { intern_all(first, false); });
  std::thread two([&] { intern_all(second, true); });
  one.join();
  two.join();
  EXPECT_EQ(first, second);
  EXPECT_EQ(table.size(), 200u);
  EXPECT_EQ(std::set<RecordId>(first.begin(), first.end()).size(), 200u);
  for (std::uint32_t file = 0; file < kRecords; ++file)
    EXPECT_EQ(table[first[file]], measured(file % 200));
}

TEST(RecordTable, EntriesStayWhereTheyAreAsTheTableGrows) {
  RecordTable table;
  const Record &kept = table[table.intern(measured(0))];
  for (std::uint32_t file = 1; file < 1000; ++file)
    table.intern(Record{file, {}, {}, false});
  EXPECT_EQ(kept, measured(0));
  EXPECT_EQ(table.size(), 1000u); // six chunks: 16, 32, ..., 512 entries
}

TEST(ChunkedStore, EveryIndexReadsBackWhatWasAppendedThere) {
  detail::ChunkedStore<std::uint32_t> store;
  constexpr std::uint32_t kCount = 5000; // chunks 0 to 8
  for (std::uint32_t i = 0; i < kCount; ++i)
    ASSERT_EQ(store.push_back(i * 7 + 1, "numbers"), i);
  const std::uint32_t *first = &store[0];
  for (std::uint32_t i = 0; i < kCount; ++i)
    ASSERT_EQ(store[i], i * 7 + 1) << i;
  EXPECT_EQ(&store[0], first);
  EXPECT_EQ(store.size(), kCount);
}

TEST(RecordList, ReadsAsAVectorOfRecords) {
  RecordList list(std::make_shared<RecordTable>());
  list.push_back(list.table().intern(measured(1)));
  list.push_back(list.table().intern(measured(2)));
  list.push_back(list.id(0));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[1], measured(2));
  EXPECT_EQ(list.at(2), measured(1));
  EXPECT_EQ(list.back(), measured(1));
  EXPECT_THROW(list.at(3), std::out_of_range);
  std::vector<Record> seen(list.begin(), list.end());
  EXPECT_EQ(seen, (std::vector<Record>{measured(1), measured(2), measured(1)}));
  RecordList copy = list;
  copy.push_back(copy.table().intern(measured(3)));
  EXPECT_EQ(list.size(), 3u); // copies are independent
  EXPECT_FALSE(copy == list);
}

TEST(RecordList, ComparesByContentAcrossTables) {
  RecordList list(std::make_shared<RecordTable>());
  list.push_back(list.table().intern(measured(2))); // another id order in the other table
  list.push_back(list.table().intern(measured(1)));
  RecordList other(std::make_shared<RecordTable>());
  other.push_back(other.table().intern(measured(1)));
  other.push_back(other.table().intern(measured(1)));
  EXPECT_FALSE(list == other);
  const RecordList moved = list.in(std::make_shared<RecordTable>());
  EXPECT_NE(&moved.table(), &list.table());
  EXPECT_EQ(moved, list);
  EXPECT_EQ(moved.id(0), 0u);
}

TEST(RecordList, WithoutATableHoldsNothingAndSaysSo) {
  const RecordList none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.begin(), none.end());
  EXPECT_THROW(none.table(), std::logic_error);
  EXPECT_EQ(none, RecordList{});
}

} // namespace
} // namespace trimcheck::model
