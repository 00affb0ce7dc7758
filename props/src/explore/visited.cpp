#include "visited.hpp"

namespace trimcheck::props::detail {

namespace {

Fingerprint normal(Fingerprint fp) {
  fp.low |= 1; // keeps 0 free as the empty marker (127 bits of fingerprint remain)
  return fp;
}

} // namespace

VisitedSet::VisitedSet() : shards_(std::make_unique<Shard[]>(kShards)) {}

VisitedSet::Slot *VisitedSet::find(Shard &shard, const Fingerprint &fp) {
  const std::size_t mask = shard.slots.size() - 1;
  for (std::size_t i = (fp.low >> 8) & mask;; i = (i + 1) & mask) {
    Slot &slot = shard.slots[i];
    if (slot.low == 0 || (slot.low == fp.low && slot.high == fp.high))
      return &slot;
  }
}

void VisitedSet::grow(Shard &shard) {
  std::vector<Slot> old(shard.slots.size() * 2);
  old.swap(shard.slots);
  for (const Slot &slot : old)
    if (slot.low != 0)
      *find(shard, {slot.high, slot.low}) = slot;
}

bool VisitedSet::insert_if_new(Shard &shard, Slot *slot, const Fingerprint &fp,
                               std::uint64_t value) {
  if (slot->low != 0)
    return false;
  *slot = {fp.high, fp.low, value};
  if (++shard.used * 10 > shard.slots.size() * 7)
    grow(shard);
  return true;
}

VisitedSet::Claim VisitedSet::claim(const Fingerprint &raw, std::uint64_t key) {
  const Fingerprint fp = normal(raw);
  Shard &shard = shard_of(fp);
  std::lock_guard lock(shard.mutex);
  Slot *slot = find(shard, fp);
  if (insert_if_new(shard, slot, fp, kPending | key))
    return Claim::first;
  if ((slot->value & kPending) == 0)
    return Claim::known;
  if ((slot->value & ~kPending) <= key)
    return Claim::lost;
  slot->value = kPending | key;
  return Claim::won;
}

bool VisitedSet::holds(const Fingerprint &raw, std::uint64_t key) {
  const Fingerprint fp = normal(raw);
  Shard &shard = shard_of(fp);
  std::lock_guard lock(shard.mutex);
  const Slot *slot = find(shard, fp);
  return slot->low != 0 && slot->value == (kPending | key);
}

void VisitedSet::settle(const Fingerprint &raw, std::uint32_t id) {
  const Fingerprint fp = normal(raw);
  Shard &shard = shard_of(fp);
  std::lock_guard lock(shard.mutex);
  Slot *slot = find(shard, fp);
  if (!insert_if_new(shard, slot, fp, id))
    slot->value = id;
}

std::optional<std::uint32_t> VisitedSet::id_of(const Fingerprint &raw) {
  const Fingerprint fp = normal(raw);
  Shard &shard = shard_of(fp);
  std::lock_guard lock(shard.mutex);
  const Slot *slot = find(shard, fp);
  if (slot->low == 0 || (slot->value & kPending) != 0)
    return std::nullopt;
  return static_cast<std::uint32_t>(slot->value);
}

std::size_t VisitedSet::size() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < kShards; ++i)
    total += shards_[i].used;
  return total;
}

std::size_t VisitedSet::bytes() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < kShards; ++i)
    total += shards_[i].slots.size() * sizeof(Slot);
  return total;
}

} // namespace trimcheck::props::detail
