// DigestMemo: record digests already computed, shared by a KernelState and every state
// copied from it, and whether the run memoises PCR extends (MemoScope).
//
// Why: explore and check measure the same few files again and again, on many branches
// with the same history. Computing a record's digests (one hash per bank slot, SHA-512
// included) was a fifth of explore's instructions, and the PCR extends (one per bank) a
// seventh. Both are functions of their inputs (the bank layout and the template data; the
// bank's algorithm, the PCR's value and the extended digest), so each is computed once and
// looked up after: the digests here, the extends in the run's DigestTable
// (digest_table.hpp), where the PCR values are. A measurement of a file makes the same
// record from the same inputs (the file, its version, the configuration's template and
// banks): the record itself is kept in the run's RecordTable under the same kind of key
// (record_table.hpp), so that a measurement made before makes no template data or digests
// again.
//
// Not part of the state: it changes no result, and states compare equal whatever their
// memos hold. Explore's threads share it, so it locks; each table is emptied when it
// reaches kMaxEntries, which bounds its memory without changing any result. One lock:
// sixteen shards with a lock each, and hashing keys before taking it, were both measured
// and changed two threads' time by no more than noise (docs/explore-performance.md).
#pragma once

#include "trimcheck/model/banks.hpp"
#include "trimcheck/model/detail/keyed_table.hpp"
#include "trimcheck/model/template.hpp"

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <boost/container/small_vector.hpp>

namespace trimcheck::model {

// A memo key being built: the bytes of every input a memoised value depends on. Held on
// the stack up to kInline bytes (every key but boot_aggregate's, which holds PCR values),
// so that looking a value up allocates nothing: a measurement's key used to be a string
// allocated for every transition that measured.
class MemoKey {
public:
  static constexpr std::size_t kInline = 128;
  MemoKey() = default;
  explicit MemoKey(char kind) { bytes_.push_back(kind); }
  MemoKey &push_back(char byte) {
    bytes_.push_back(byte);
    return *this;
  }
  MemoKey &append(std::string_view bytes) {
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    return *this;
  }
  MemoKey &append(std::span<const std::uint8_t> bytes) {
    return append({reinterpret_cast<const char *>(bytes.data()), bytes.size()});
  }
  // The object representation of a plain value (a number, an enum).
  template <typename Value> MemoKey &append_value(const Value &value) {
    static_assert(std::is_trivially_copyable_v<Value>);
    return append({reinterpret_cast<const char *>(&value), sizeof value});
  }
  // The layout's digest slots: their number, then each one's algorithm and whether the
  // kernel hashes it (what a record's digests depend on besides its template data).
  MemoKey &append_slots(const BankLayout &layout) {
    const DigestSlots slots = layout.slots();
    push_back(static_cast<char>(slots.size()));
    for (const DigestSlot &slot : slots)
      push_back(static_cast<char>(slot.algo)).push_back(static_cast<char>(slot.kernel_hash));
    return *this;
  }
  // The layout's slots and the template data, its fields length-prefixed: all that a
  // record's digests depend on.
  MemoKey &append_template(const BankLayout &layout, const TemplateData &data) {
    append_slots(layout).push_back(static_cast<char>(data.kind));
    for (const Bytes &field : data.fields)
      append_sized(field);
    return *this;
  }
  // The bytes' length (32 bits), then the bytes: a variable part that cannot run into the
  // next.
  MemoKey &append_sized(std::span<const std::uint8_t> bytes) {
    return append_value(static_cast<std::uint32_t>(bytes.size())).append(bytes);
  }
  std::string_view view() const { return {bytes_.data(), bytes_.size()}; }

private:
  boost::container::small_vector<char, kInline> bytes_;
};

// What a memo keeps. Explore's branches share histories, so the same PCR values are
// extended with the same digests again and again. A check run is one history: it extends
// each PCR value once, and measured on a baseline's check, not one of 4.5 M extends was
// found in the memo; keeping them only cost a lookup, an insertion and the memory.
enum class MemoScope { records_and_extends, records_only };

class DigestMemo {
public:
  static constexpr std::size_t kMaxEntries = 1 << 16;
  explicit DigestMemo(MemoScope scope = MemoScope::records_and_extends) : scope_(scope) {}
  // The digests of a (non-violation) record with this template data, one per layout slot.
  std::vector<Digest> digests(const BankLayout &layout, const TemplateData &data);
  MemoScope scope() const { return scope_; }

private:
  template <typename Value> using Table = detail::KeyedTable<Value>;

  // Calls `use` with the value kept under `key` in `table`, or with `compute()`, which is
  // then kept. It computes unlocked: two threads may both compute one value, which is the
  // same value.
  template <typename Value, typename Compute, typename Use>
  void look_up(Table<Value> &table, std::string_view key, Compute &&compute, Use &&use) {
    {
      const std::lock_guard lock(mutex_);
      if (auto found = table.find(key); found != table.end()) {
        use(found->second);
        return;
      }
    }
    Value computed = compute();
    use(computed);
    const std::lock_guard lock(mutex_);
    if (table.size() >= kMaxEntries)
      table.clear();
    table.emplace(std::string(key), std::move(computed));
  }

  MemoScope scope_;
  std::mutex mutex_;
  Table<std::vector<Digest>> records_;
};

// How a KernelState holds its memo: copies share it, equality ignores it.
class SharedDigestMemo {
public:
  static SharedDigestMemo fresh(MemoScope scope = MemoScope::records_and_extends) {
    SharedDigestMemo memo;
    memo.memo_ = std::make_shared<DigestMemo>(scope);
    return memo;
  }
  DigestMemo *get() const { return memo_.get(); }
  bool operator==(const SharedDigestMemo &) const { return true; }

private:
  std::shared_ptr<DigestMemo> memo_;
};

} // namespace trimcheck::model
