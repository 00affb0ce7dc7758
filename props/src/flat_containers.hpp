// FlatMap: an ordered map kept as one sorted vector.
//
// Why: a monitor is copied with every World that explore visits, and most monitors keep a
// map from a process or an open file to a little state. std::map allocates a node per
// entry, so a copy cost one allocation per entry; a sorted vector costs one per container. The maps
// hold a handful of entries (one per process or open file of a run), so a linear insert is cheaper
// than a node allocation. Iteration is in key order, as std::map's, so a monitor's encoding does
// not change.
//
// Only what the monitors use is here: the subset of std::map's interface with the same
// meaning. Iterators and references are invalidated by any insertion or
// erasure (unlike std::map's).
#pragma once

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

namespace trimcheck::props::detail {

template <typename Key, typename Value> class FlatMap {
public:
  using value_type = std::pair<Key, Value>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear() { entries_.clear(); }

  iterator find(const Key &key) {
    const auto at = lower_bound(key);
    return at != entries_.end() && at->first == key ? at : entries_.end();
  }
  const_iterator find(const Key &key) const {
    const auto at = std::lower_bound(entries_.begin(), entries_.end(), key, key_less);
    return at != entries_.end() && at->first == key ? at : entries_.end();
  }
  std::size_t count(const Key &key) const { return find(key) != end() ? 1 : 0; }

  // Inserts a value-initialised entry if `key` has none.
  Value &operator[](const Key &key) { return try_emplace(key).first->second; }
  // Inserts {key, Value(args...)} if `key` has no entry; true if it inserted.
  template <typename... Args>
  std::pair<iterator, bool> try_emplace(const Key &key, Args &&...args) {
    auto at = lower_bound(key);
    if (at != entries_.end() && at->first == key)
      return {at, false};
    at = entries_.emplace(at, std::piecewise_construct, std::forward_as_tuple(key),
                          std::forward_as_tuple(std::forward<Args>(args)...));
    return {at, true};
  }

  iterator erase(iterator at) { return entries_.erase(at); }
  std::size_t erase(const Key &key) {
    const auto at = find(key);
    if (at == entries_.end())
      return 0;
    entries_.erase(at);
    return 1;
  }

  bool operator==(const FlatMap &) const = default;

private:
  static bool key_less(const value_type &entry, const Key &key) { return entry.first < key; }
  iterator lower_bound(const Key &key) {
    return std::lower_bound(entries_.begin(), entries_.end(), key, key_less);
  }

  std::vector<value_type> entries_; // sorted by key, keys distinct
};

} // namespace trimcheck::props::detail
