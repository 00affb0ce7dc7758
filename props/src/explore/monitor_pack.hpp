// The monitors of one World, in one block of memory (docs/explore-performance.md).
//
// A World is copied for every transition explored. With one heap object per property
// (31 of them), that copy was most of the World's allocations and about a third of the
// heap each frontier state held; the monitors' own state is mostly a few bytes. A pack
// lays every monitor out in a single allocation (Monitor::copy_size / copy_into), so a
// copy is one allocation plus whatever containers the stateful monitors hold.
//
// Slot p belongs to property p of ExploreSpace::properties. An empty slot is a property
// that does not apply to the configuration, or whose monitor has been judged on this run
// (its later steps do not matter).
#pragma once

#include "trimcheck/props/property.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace trimcheck::props::detail {

class MonitorPack {
public:
  MonitorPack() = default;
  // Copies each monitor (nullptr: an empty slot) into the pack.
  explicit MonitorPack(const std::vector<std::unique_ptr<Monitor>> &monitors);
  MonitorPack(const MonitorPack &other);
  MonitorPack(MonitorPack &&other) noexcept : storage_(std::exchange(other.storage_, nullptr)) {}
  // A copy into a pack whose occupied slots are those of `other` assigns each monitor in
  // place (Monitor::assign_from: no allocation for the block, and the monitors' containers
  // keep their capacity); otherwise it builds a new block.
  MonitorPack &operator=(const MonitorPack &other);
  MonitorPack &operator=(MonitorPack &&other) noexcept {
    std::swap(storage_, other.storage_);
    return *this;
  }
  ~MonitorPack();

  std::size_t size() const { return storage_ ? header().count : 0; }
  Monitor *get(std::size_t slot) const { return slots()[slot]; }
  // Whether the monitor in `slot` has data to copy and encode (Monitor::keeps_state), as
  // it answered when the pack was first built: slot p always holds property p's monitor.
  bool keeps_state(std::size_t slot) const { return test(stateful(), slot); }
  void reset(std::size_t slot); // destroys the monitor; the slot stays empty

private:
  // The block: this header, then `count` monitor pointers (null: empty slot), then two
  // masks of `words` 64-bit words each, one bit per slot (occupied: the slot holds a
  // monitor; stateful: its monitor keeps state, or it was empty when the pack was built),
  // then the monitors, each at an offset that is a multiple of kAlign. An assignment
  // compares the packs' occupied slots a word at a time and visits only the monitors that
  // keep state (a loop over every slot cost 3 % of explore's instructions).
  struct Header {
    std::size_t count = 0;
    std::size_t bytes = 0; // of the whole block
    std::size_t words = 0; // of each mask
  };
  using Word = std::uint64_t;
  static constexpr std::size_t kAlign = alignof(std::max_align_t);
  static constexpr std::size_t kWordBits = 64;

  const Header &header() const { return *reinterpret_cast<const Header *>(storage_); }
  Monitor **slots() const { return reinterpret_cast<Monitor **>(storage_ + sizeof(Header)); }
  Word *occupied() const { return reinterpret_cast<Word *>(slots() + header().count); }
  Word *stateful() const { return occupied() + header().words; }
  static bool test(const Word *mask, std::size_t slot) {
    return (mask[slot / kWordBits] >> (slot % kWordBits) & 1U) != 0;
  }
  static std::size_t words_for(std::size_t count) { return (count + kWordBits - 1) / kWordBits; }
  static std::size_t first_offset(std::size_t count);
  static std::size_t round_up(std::size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }
  // Allocates a block and copies `source[i]` (may be null) into it; `stateful` is the
  // mask of the pack copied (null: ask each monitor, Monitor::keeps_state).
  void build(std::size_t count, std::size_t bytes, Monitor *const *source, const Word *stateful);
  void destroy() noexcept;
  // Assigns `other`'s monitors slot by slot if both packs occupy the same slots.
  bool assign_in_place(const MonitorPack &other);

  std::byte *storage_ = nullptr;
};

} // namespace trimcheck::props::detail
