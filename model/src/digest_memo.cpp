#include "trimcheck/model/digest_memo.hpp"

#include "trimcheck/model/hash.hpp"
#include "trimcheck/model/record.hpp"

namespace trimcheck::model {
namespace {

// The layout's slots and the template data, each length-prefixed: equal keys, equal inputs.
std::string key_of(const BankLayout &layout, const TemplateData &data) {
  std::string key;
  const auto slots = layout.slots();
  key.push_back(static_cast<char>(slots.size()));
  for (const DigestSlot &slot : slots) {
    key.push_back(static_cast<char>(slot.algo));
    key.push_back(static_cast<char>(slot.kernel_hash));
  }
  key.push_back(static_cast<char>(data.kind));
  for (const Bytes &field : data.fields) {
    const auto size = static_cast<std::uint32_t>(field.size());
    key.append(reinterpret_cast<const char *>(&size), sizeof size);
    key.append(field.begin(), field.end());
  }
  return key;
}

// Looks `key` up in `table`, or computes it (unlocked: two threads may both compute one
// value, which is the same value).
template <typename Value, typename Compute>
Value look_up(std::mutex &mutex, std::unordered_map<std::string, Value> &table, std::string key,
              Compute &&compute) {
  {
    const std::lock_guard lock(mutex);
    if (auto found = table.find(key); found != table.end())
      return found->second;
  }
  Value computed = compute();
  const std::lock_guard lock(mutex);
  if (table.size() >= DigestMemo::kMaxEntries)
    table.clear();
  table.emplace(std::move(key), computed);
  return computed;
}

} // namespace

std::vector<Digest> DigestMemo::digests(const BankLayout &layout, const TemplateData &data) {
  return look_up(mutex_, records_, key_of(layout, data),
                 [&] { return record_digests(layout, data); });
}

Digest DigestMemo::extended(HashAlgo algo, std::span<const std::uint8_t> pcr,
                            std::span<const std::uint8_t> value) {
  std::string key(1, static_cast<char>(algo));
  key.append(pcr.begin(), pcr.end());
  key.append(value.begin(), value.end());
  return look_up(mutex_, extends_, std::move(key),
                 [&] { return Hasher(algo).update(pcr).update(value).finish(); });
}

} // namespace trimcheck::model
