// DigestMemo: digests already computed, shared by a KernelState and every state copied
// from it: record digests, PCR extends, and whole measured records.
//
// Why: explore and check measure the same few files again and again, on many branches
// with the same history. Computing a record's digests (one hash per bank slot, SHA-512
// included) was a fifth of explore's instructions, and the PCR extends (one per bank) a
// seventh. Both are functions of their inputs (the bank layout and the template data; the
// bank's algorithm, the PCR's value and the extended digest), so each is computed once and
// looked up after. A measurement of a file makes the same record from the same inputs
// (the file, its version, the configuration's template and banks): the record itself is
// kept, boxed, and every state that appends it shares the box (no template data, digests
// or box made again: a measurement was a fifth of explore's allocations).
//
// Not part of the state: it changes no result, and states compare equal whatever their
// memos hold. Explore's threads share it, so it locks; each table is emptied when it
// reaches kMaxEntries, which bounds its memory without changing any result. One lock:
// sixteen shards with a lock each, and hashing keys before taking it, were both measured
// and changed two threads' time by no more than noise (docs/explore-performance.md).
#pragma once

#include "trimcheck/model/banks.hpp"
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
  std::string_view view() const { return {bytes_.data(), bytes_.size()}; }

private:
  boost::container::small_vector<char, kInline> bytes_;
};

struct Record; // record.hpp
// A record as a KernelState holds it: immutable, shared by the states that hold it
// (AppendOnlyVector) and by the memo that made it (DigestMemo::record).
using RecordBox = std::shared_ptr<const Record>;

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
  // Extends `pcr` (a value of a bank of algorithm `algo`) with `value`, in place, looked
  // up whatever the scope (PcrBanks::extend asks only a memo that keeps extends).
  void extend(HashAlgo algo, std::span<std::uint8_t> pcr, std::span<const std::uint8_t> value);
  // The record make_record(layout, pcr, data, violation, this) makes, kept under its inputs.
  RecordBox record(const BankLayout &layout, std::uint32_t pcr, TemplateData data, bool violation);
  // The record kept under `key`, or `make()` kept under it. The key must name every input
  // that make() depends on (the caller's: record_key in model/detail/kernel_ops.hpp).
  template <typename Make> RecordBox record(std::string_view key, Make &&make) {
    RecordBox out;
    look_up(
        boxes_, key, [&] { return std::make_shared<const Record>(make()); },
        [&](const RecordBox &found) { out = found; });
    return out;
  }

private:
  // Keys are looked up as string_views and copied only when inserted.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const {
      return std::hash<std::string_view>{}(key);
    }
  };
  template <typename Value>
  using Table = std::unordered_map<std::string, Value, KeyHash, std::equal_to<>>;

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
  Table<Digest> extends_;
  Table<RecordBox> boxes_;
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
