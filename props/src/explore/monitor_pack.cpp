#include "monitor_pack.hpp"

#include <algorithm>
#include <bit>
#include <new>
#include <stdexcept>

namespace trimcheck::props::detail {

std::size_t MonitorPack::first_offset(std::size_t count) {
  return round_up(sizeof(Header) + count * sizeof(Monitor *) + 2 * words_for(count) * sizeof(Word));
}

MonitorPack::MonitorPack(const std::vector<std::unique_ptr<Monitor>> &monitors) {
  std::vector<Monitor *> source;
  std::size_t bytes = first_offset(monitors.size());
  for (const auto &monitor : monitors) {
    source.push_back(monitor.get());
    if (monitor)
      bytes += round_up(monitor->copy_size());
  }
  build(source.size(), bytes, source.data(), nullptr);
}

MonitorPack::MonitorPack(const MonitorPack &other) {
  if (other.storage_)
    build(other.header().count, other.header().bytes, other.slots(), other.stateful());
}

MonitorPack &MonitorPack::operator=(const MonitorPack &other) {
  if (this != &other && !assign_in_place(other)) {
    MonitorPack copy(other);
    std::swap(storage_, copy.storage_);
  }
  return *this;
}

bool MonitorPack::assign_in_place(const MonitorPack &other) {
  if (storage_ == nullptr || other.storage_ == nullptr || size() != other.size())
    return false;
  const std::size_t words = header().words;
  const Word *mine_occupied = occupied();
  if (!std::equal(mine_occupied, mine_occupied + words, other.occupied()))
    return false; // the caller builds a new block
  Monitor *const *mine = slots();
  Monitor *const *theirs = other.slots();
  const Word *mine_stateful = stateful();
  const Word *theirs_stateful = other.stateful();
  // A monitor of another type in a slot ends it, and the caller builds a new block over
  // the half-assigned one. Two monitors without state have nothing to assign.
  for (std::size_t word = 0; word < words; ++word)
    for (Word bits = mine_occupied[word] & (mine_stateful[word] | theirs_stateful[word]); bits != 0;
         bits &= bits - 1) {
      const std::size_t p = word * kWordBits + static_cast<std::size_t>(std::countr_zero(bits));
      if (!mine[p]->assign_from(*theirs[p]))
        return false;
    }
  return true;
}

void MonitorPack::build(std::size_t count, std::size_t bytes, Monitor *const *source,
                        const Word *stateful) {
  storage_ = static_cast<std::byte *>(::operator new(bytes, std::align_val_t(kAlign)));
  new (storage_) Header{count, bytes, words_for(count)};
  Monitor **slot = slots();
  Word *occupied_mask = occupied();
  Word *stateful_mask = this->stateful();
  std::fill(occupied_mask, occupied_mask + 2 * words_for(count), Word{0}); // both masks
  std::size_t offset = first_offset(count);
  for (std::size_t p = 0; p < count; ++p) {
    slot[p] = nullptr;
    const bool keeps =
        stateful ? test(stateful, p) : source[p] == nullptr || source[p]->keeps_state();
    if (keeps)
      stateful_mask[p / kWordBits] |= Word{1} << (p % kWordBits);
  }
  try {
    for (std::size_t p = 0; p < count; ++p) {
      if (source[p] == nullptr)
        continue;
      const std::size_t size = source[p]->copy_size();
      if (size == 0 || offset + size > bytes)
        throw std::logic_error("explore: a monitor without a copy, or larger than its slot");
      slot[p] = source[p]->copy_into(storage_ + offset);
      occupied_mask[p / kWordBits] |= Word{1} << (p % kWordBits);
      offset += round_up(size);
    }
  } catch (...) {
    destroy();
    throw;
  }
}

void MonitorPack::reset(std::size_t slot) {
  if (Monitor *&monitor = slots()[slot]) {
    monitor->~Monitor();
    monitor = nullptr;
    occupied()[slot / kWordBits] &= ~(Word{1} << (slot % kWordBits));
  }
}

MonitorPack::~MonitorPack() {
  destroy();
}

void MonitorPack::destroy() noexcept {
  if (storage_ == nullptr)
    return;
  for (std::size_t p = 0; p < header().count; ++p)
    reset(p);
  ::operator delete(storage_, std::align_val_t(kAlign));
  storage_ = nullptr;
}

} // namespace trimcheck::props::detail
