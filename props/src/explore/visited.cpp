#include "visited.hpp"

#include <algorithm>
#include <array>
#include <numeric>

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
  return claim_locked(shard, fp, key);
}

void VisitedSet::claim_all(std::span<Claimant> batch) {
  // The batch's positions by shard, in batch order within a shard (a counting sort). A
  // fingerprint's shard is that of its normal form, as in claim().
  auto shard_of_claimant = [](const Claimant &claimant) {
    return shard_index(normal(claimant.fp));
  };
  std::array<std::uint32_t, kShards + 1> starts{};
  for (const Claimant &claimant : batch)
    ++starts[shard_of_claimant(claimant) + 1];
  std::partial_sum(starts.begin(), starts.end(), starts.begin());
  std::vector<std::uint32_t> order(batch.size());
  std::array<std::uint32_t, kShards> next{};
  std::copy(starts.begin(), starts.end() - 1, next.begin());
  for (std::uint32_t i = 0; i < batch.size(); ++i)
    order[next[shard_of_claimant(batch[i])]++] = i;
  for (std::size_t index = 0; index < kShards; ++index) {
    if (starts[index] == starts[index + 1])
      continue;
    Shard &shard = shards_[index];
    std::lock_guard lock(shard.mutex);
    for (std::uint32_t at = starts[index]; at < starts[index + 1]; ++at) {
      Claimant &claimant = batch[order[at]];
      claimant.claim = claim_locked(shard, normal(claimant.fp), claimant.key);
    }
  }
}

VisitedSet::Claim VisitedSet::claim_locked(Shard &shard, const Fingerprint &fp, std::uint64_t key) {
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
  if (slot->low == 0 || (slot->value & kPending) != 0 || slot->value == kSpilled)
    return std::nullopt;
  return static_cast<std::uint32_t>(slot->value);
}

std::uint64_t VisitedSet::spill(const std::filesystem::path &directory) {
  if (!file_)
    file_ = std::make_unique<SpillFile>(directory);
  std::uint64_t moved = 0;
  file_->merge([&](std::size_t index) {
    Shard &shard = shards_[index];
    std::vector<Fingerprint> settled;
    for (const Slot &slot : shard.slots)
      if (slot.low != 0 && (slot.value & kPending) == 0 && slot.value != kSpilled)
        settled.push_back({slot.high, slot.low});
    shard.slots = std::vector<Slot>(64);
    shard.used = 0;
    std::sort(settled.begin(), settled.end(), spill_order);
    moved += settled.size();
    return settled;
  });
  release_free_memory();
  return moved;
}

std::vector<bool> VisitedSet::settle_spilled(std::vector<Fingerprint> fps) {
  std::vector<bool> found(fps.size(), false);
  if (!file_)
    return found;
  // Sorted in place, with the permutation kept as 4-byte positions: a level's candidates
  // are checked when memory is short, so no second copy of their fingerprints is made.
  for (Fingerprint &fp : fps)
    fp = normal(fp);
  std::vector<std::uint32_t> order(fps.size());
  std::iota(order.begin(), order.end(), std::uint32_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return spill_order(fps[a], fps[b]); });
  std::sort(fps.begin(), fps.end(), spill_order);
  const std::vector<bool> in_file = file_->contains(fps);
  for (std::size_t i = 0; i < order.size(); ++i)
    if (in_file[i]) {
      found[order[i]] = true;
      Shard &shard = shard_of(fps[i]);
      std::lock_guard lock(shard.mutex);
      Slot *slot = find(shard, fps[i]);
      if (!insert_if_new(shard, slot, fps[i], kSpilled))
        slot->value = kSpilled;
    }
  return found;
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
