// ConcurrentIndex<Value>: a hash index from byte-string keys to values that is looked up
// without a lock and added to under the caller's lock.
//
// Why: explore's threads share each configuration's RecordTable and DigestTable, and most
// of their lookups are hits (a record made before, an extend computed before). Behind the
// tables' one mutex, every hit took that lock: a lock-prefixed write on a line the other
// thread had just written, several times per transition. Here a hit reads only.
//
// How: an open-addressed array of 64-bit slots, each 0 (empty) or the key's hash tag (high
// 32 bits) and its entry's index + 1 (low 32 bits). Entries (key, value) live in a
// ChunkedStore and never move; a slot is written (release) after its entry, so a reader
// that sees the slot (acquire) sees the entry. Growing builds a new array of twice the
// size and publishes it; the old arrays stay (until the index goes) for readers still in
// them. A reader in an old array can miss a key added since: find() then says nothing,
// and the caller looks again under its lock, where the newest array is complete.
#pragma once

#include "trimcheck/model/detail/chunked_store.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::model::detail {

template <typename Value> class ConcurrentIndex {
public:
  ConcurrentIndex() = default;
  ConcurrentIndex(const ConcurrentIndex &) = delete;
  ConcurrentIndex &operator=(const ConcurrentIndex &) = delete;

  // The value under `key`, or nothing (not added, or added after this reader's array was
  // replaced: look again under the lock). Needs no lock.
  std::optional<Value> find(std::string_view key) const {
    const Slots *slots = current_.load(std::memory_order_acquire);
    if (slots == nullptr)
      return std::nullopt;
    const std::uint64_t hash = hash_of(key);
    for (std::size_t at = hash & slots->mask;; at = (at + 1) & slots->mask) {
      const std::uint64_t slot = slots->at[at].load(std::memory_order_acquire);
      if (slot == 0)
        return std::nullopt;
      if (slot >> 32 == hash >> 32) {
        const Entry &entry = entries_[static_cast<std::uint32_t>(slot) - 1];
        if (entry.key == key)
          return entry.value;
      }
    }
  }

  // The value under `key`, or `make()`'s, added under `key`. With the caller's lock held
  // (so the newest array is complete and no other thread adds); `what` names the entries if
  // there are too many.
  template <typename Make> Value find_or_add(std::string_view key, Make &&make, const char *what) {
    if (auto found = find(key)) // another thread may have added it since an unlocked miss
      return *found;
    const Value value = make();
    const std::uint32_t index = entries_.push_back({std::string(key), value}, what);
    const Slots *slots = current_.load(std::memory_order_relaxed);
    if (slots == nullptr || (entries_.size() * 2 > slots->mask + 1))
      grow(); // the new array holds every entry, this one too
    else
      place(*slots, hash_of(key), index);
    return value;
  }

  std::size_t size() const { return entries_.size(); }

private:
  struct Entry {
    std::string key;
    Value value{};
  };
  struct Slots {
    explicit Slots(std::size_t count)
        : mask(count - 1), at(std::make_unique<std::atomic<std::uint64_t>[]>(count)) {}
    std::size_t mask;
    std::unique_ptr<std::atomic<std::uint64_t>[]> at; // zeroed: every slot empty
  };
  static constexpr std::size_t kFirstSlots = 16;

  static std::uint64_t hash_of(std::string_view key) { return std::hash<std::string_view>{}(key); }
  static void place(const Slots &slots, std::uint64_t hash, std::uint32_t index) {
    std::size_t at = hash & slots.mask;
    while (slots.at[at].load(std::memory_order_relaxed) != 0)
      at = (at + 1) & slots.mask;
    slots.at[at].store((hash >> 32 << 32) | (std::uint64_t{index} + 1), std::memory_order_release);
  }
  // A new array of at least four slots per entry, holding every entry, then published.
  void grow() {
    std::size_t count = kFirstSlots;
    while (count < entries_.size() * 4)
      count *= 2;
    auto slots = std::make_unique<Slots>(count);
    for (std::uint32_t index = 0; index < entries_.size(); ++index)
      place(*slots, hash_of(entries_[index].key), index);
    current_.store(slots.get(), std::memory_order_release);
    arrays_.push_back(std::move(slots));
  }

  ChunkedStore<Entry> entries_;
  std::atomic<const Slots *> current_{nullptr};
  std::vector<std::unique_ptr<Slots>> arrays_; // every array made, readers may be in any
};

} // namespace trimcheck::model::detail
