#include "intern.hpp"

namespace trimcheck::props::detail {

std::uint32_t ShardedInternTable::id(std::span<const std::uint8_t> bytes) {
  const std::string_view key(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  Shard &shard = shards_[hash_bytes(key, 11) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.ids.find(key);
  if (it != shard.ids.end())
    return it->second;
  const std::uint32_t id = next_++;
  shard.ids.emplace(std::string(key), id);
  return id;
}

} // namespace trimcheck::props::detail
