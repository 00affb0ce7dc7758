// KeyedTable<Value>: a hash table keyed by byte strings (a MemoKey's bytes, a record's
// content, a digest), looked up as string_views and copied only when inserted.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace trimcheck::model::detail {

struct StringKeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

template <typename Value>
using KeyedTable = std::unordered_map<std::string, Value, StringKeyHash, std::equal_to<>>;

} // namespace trimcheck::model::detail
