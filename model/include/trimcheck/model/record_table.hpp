// RecordTable: every record of one run, each kept once and named by a small id; and
// RecordList, a KernelState's records (by Serial) as ids into its run's table. A "run" is
// what shares one table: explore's search of one configuration, on every thread, or
// check's runs from one boot (they measure the same few files: props/src/scenario.cpp).
//
// Why: a record is a dozen heap blocks (template fields, one digest per bank), and explore
// and check copy the state once per transition. Held as ids, a state's records are plain
// data: a copy is a few words, an append is one id, and no reference count is touched per
// record (shared boxes cost one atomic increment per record on every append, and those
// counters' cache lines moved between explore's threads). A record's part of the state's
// identity (state_identity.hpp) is encoded once, when it enters the table, instead of once
// per state that holds it.
//
// Ids are given in the order records first enter the table, which explore's threads make
// in no fixed order: an id is a name within one run, never written to any output, and the
// identity encodes a record's content, not its id (a search of several configurations
// compares states of several tables). Two records with equal content get one id, so within
// one table equal ids mean equal records.
//
// Threads: explore's threads share one table per configuration. intern() locks to add a
// record; finding one by its key (detail/concurrent_index.hpp) and reading an entry do
// not: entries are never moved or changed once made, and a thread holds an id only after
// whatever made it (the lock, or the hand-over of the state holding it).
#pragma once

#include "trimcheck/model/detail/chunked_store.hpp"
#include "trimcheck/model/detail/concurrent_index.hpp"
#include "trimcheck/model/detail/keyed_table.hpp"
#include "trimcheck/model/record.hpp"

#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <boost/container/small_vector.hpp>

namespace trimcheck::model {

using RecordId = std::uint32_t;
using Serial = std::uint32_t; // one appended record of a run, stable across kexec

// A record's part of a state's canonical encoding (state_identity.cpp), kept with it.
std::string record_identity(const Record &record);

class RecordTable {
public:
  RecordTable() = default;
  RecordTable(const RecordTable &) = delete;
  RecordTable &operator=(const RecordTable &) = delete;

  // The id of the record kept under `key`, or of `make()`, then kept under it. The key
  // must name every input make() depends on (the callers': model/detail/kernel_ops.hpp).
  // make() runs unlocked; two threads may both make one record, which gets one id.
  template <typename Make> RecordId intern(std::string_view key, Make &&make) {
    if (auto found = by_key_.find(key)) // no lock: most lookups find the record
      return *found;
    Record made = make();
    const std::lock_guard lock(mutex_);
    return by_key_.find_or_add(
        key, [&] { return keep(std::move(made)); }, "record keys");
  }
  // The id of a record given whole (a test's, or a copy into another run's table).
  RecordId intern(Record record);

  const Record &operator[](RecordId id) const { return entries_[id].record; }
  // record_identity of the record.
  std::string_view identity(RecordId id) const { return entries_[id].identity; }
  std::size_t size() const { return entries_.size(); }

private:
  struct Entry {
    Record record;
    std::string identity;
  };
  using Index = detail::KeyedTable<RecordId>;

  // The id of `record` by its content, kept if new; with mutex_ held.
  RecordId keep(Record record);

  std::mutex mutex_;
  detail::ChunkedStore<Entry> entries_;
  detail::ConcurrentIndex<RecordId> by_key_; // the callers' keys; looked up without a lock
  Index by_content_;                         // content_key() of every record kept
};

// A KernelState's records by Serial (kernel.hpp, `contents`): ids into the table of the run
// it belongs to, which its copies share. Reads look like a vector of records'.
class RecordList {
public:
  // Most runs explore holds a dozen records or fewer: held inline, a copy allocates
  // nothing.
  using Ids = boost::container::small_vector<RecordId, 12>;

  class const_iterator {
  public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Record;
    using difference_type = std::ptrdiff_t;
    using pointer = const Record *;
    using reference = const Record &;

    const_iterator() = default;
    const_iterator(const RecordTable *table, Ids::const_iterator at) : table_(table), at_(at) {}
    reference operator*() const { return (*table_)[*at_]; }
    pointer operator->() const { return &**this; }
    const_iterator &operator++() {
      ++at_;
      return *this;
    }
    const_iterator operator++(int) { return {table_, at_++}; }
    bool operator==(const const_iterator &other) const { return at_ == other.at_; }

  private:
    const RecordTable *table_ = nullptr;
    Ids::const_iterator at_{};
  };

  RecordList() = default; // holds no record and has no table: a state not booted
  explicit RecordList(std::shared_ptr<RecordTable> table) : table_(std::move(table)) {}

  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }
  const Record &operator[](Serial serial) const { return (*table_)[ids_[serial]]; }
  const Record &at(Serial serial) const { return (*table_)[ids_.at(serial)]; }
  const Record &back() const { return (*table_)[ids_.back()]; }
  const_iterator begin() const { return {table_.get(), ids_.begin()}; }
  const_iterator end() const { return {table_.get(), ids_.end()}; }
  RecordId id(Serial serial) const { return ids_.at(serial); }
  const Ids &ids() const { return ids_; }

  // The run's table, where records are made (throws std::logic_error if there is none).
  RecordTable &table() const;
  void push_back(RecordId id) { ids_.push_back(id); }
  // The same records, kept in `table` (a run of its own from a booted state).
  RecordList in(std::shared_ptr<RecordTable> table) const;

  // Equal records in the same order (ids in one table; contents across two).
  bool operator==(const RecordList &other) const;

private:
  std::shared_ptr<RecordTable> table_;
  Ids ids_;
};

} // namespace trimcheck::model
