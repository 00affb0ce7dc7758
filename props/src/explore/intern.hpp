// The InternTable of one exploration: byte strings to dense ids, shared by all threads.
// Sharded by hash so that threads rarely wait on the same lock.
#pragma once

#include "trimcheck/props/state_encoder.hpp"

#include "fingerprint.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <string>
#include <unordered_map>

namespace trimcheck::props::detail {

class ShardedInternTable : public InternTable {
public:
  std::uint32_t id(std::span<const std::uint8_t> bytes) override;
  std::size_t size() const { return next_.load(); }

private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return hash_bytes(text, 7); }
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids;
  };
  static constexpr std::size_t kShards = 64;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint32_t> next_{0};
};

} // namespace trimcheck::props::detail
