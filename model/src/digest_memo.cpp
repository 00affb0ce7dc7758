#include "trimcheck/model/digest_memo.hpp"

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

} // namespace

std::vector<Digest> TemplateDigestMemo::digests(const BankLayout &layout,
                                                const TemplateData &data) {
  std::string key = key_of(layout, data);
  {
    const std::lock_guard lock(mutex_);
    if (auto found = known_.find(key); found != known_.end())
      return found->second;
  }
  std::vector<Digest> computed = record_digests(layout, data);
  const std::lock_guard lock(mutex_);
  if (known_.size() >= kMaxEntries)
    known_.clear();
  known_.emplace(std::move(key), computed);
  return computed;
}

} // namespace trimcheck::model
