#include "trimcheck/model/record_table.hpp"

#include "trimcheck/model/digest_memo.hpp"

#include <stdexcept>

namespace trimcheck::model {
namespace {

// Every byte of a record, each variable part length-prefixed: equal keys, equal records.
std::string content_key(const Record &record) {
  MemoKey key;
  key.append_value(record.pcr).push_back(static_cast<char>(record.violation));
  key.push_back(static_cast<char>(record.data.kind));
  key.append_sized({reinterpret_cast<const std::uint8_t *>(record.data.format.data()),
                    record.data.format.size()});
  key.append_value(static_cast<std::uint32_t>(record.data.fields.size()));
  for (const Bytes &field : record.data.fields)
    key.append_sized(field);
  key.append_value(static_cast<std::uint32_t>(record.digests.size()));
  for (const Digest &digest : record.digests)
    key.append_sized(digest);
  return std::string(key.view());
}

} // namespace

RecordId RecordTable::intern(Record record) {
  const std::lock_guard lock(mutex_);
  return keep(std::move(record));
}

RecordId RecordTable::keep(Record record) {
  std::string key = content_key(record);
  if (auto found = by_content_.find(key); found != by_content_.end())
    return found->second;
  std::string identity = record_identity(record);
  const RecordId id = entries_.push_back({std::move(record), std::move(identity)}, "records");
  by_content_.emplace(std::move(key), id);
  return id;
}

RecordTable &RecordList::table() const {
  if (!table_)
    throw std::logic_error("a KernelState that was not booted has no record table");
  return *table_;
}

RecordList RecordList::in(std::shared_ptr<RecordTable> table) const {
  RecordList copy(std::move(table));
  for (const Record &record : *this)
    copy.push_back(copy.table().intern(record));
  return copy;
}

bool RecordList::operator==(const RecordList &other) const {
  if (table_ == other.table_)
    return ids_ == other.ids_;
  if (size() != other.size())
    return false;
  for (std::size_t i = 0; i < size(); ++i)
    if ((*this)[i] != other[i])
      return false;
  return true;
}

} // namespace trimcheck::model
