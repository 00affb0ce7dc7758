#include "trimcheck/model/digest_memo.hpp"

#include "trimcheck/model/hash.hpp"
#include "trimcheck/model/record.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace trimcheck::model {
namespace {

// Appends the layout's slots and the template data, its fields length-prefixed, to `key`:
// equal keys, equal inputs.
MemoKey &append_template_key(MemoKey &key, const BankLayout &layout, const TemplateData &data) {
  key.append_slots(layout).push_back(static_cast<char>(data.kind));
  for (const Bytes &field : data.fields)
    key.append_value(static_cast<std::uint32_t>(field.size())).append(field);
  return key;
}

} // namespace

std::vector<Digest> DigestMemo::digests(const BankLayout &layout, const TemplateData &data) {
  std::vector<Digest> out;
  MemoKey key;
  look_up(
      records_, append_template_key(key, layout, data).view(),
      [&] { return record_digests(layout, data); },
      [&](const std::vector<Digest> &found) { out = found; });
  return out;
}

RecordBox DigestMemo::record(const BankLayout &layout, std::uint32_t pcr, TemplateData data,
                             bool violation) {
  // 'R' (measured_record's keys start with 'M'), the template data's key, the PCR and the
  // violation flag.
  MemoKey key('R');
  append_template_key(key, layout, data).append_value(pcr).push_back(static_cast<char>(violation));
  return record(key.view(),
                [&] { return make_record(layout, pcr, std::move(data), violation, this); });
}

void DigestMemo::extend(HashAlgo algo, std::span<std::uint8_t> pcr,
                        std::span<const std::uint8_t> value) {
  // The algorithm, then the PCR and the value, both of the algorithm's digest size.
  std::array<char, 1 + 2 * kMaxDigestSize> key;
  if (pcr.size() > kMaxDigestSize || value.size() > kMaxDigestSize)
    throw std::logic_error("DigestMemo::extend: a digest longer than any algorithm's");
  key[0] = static_cast<char>(algo);
  std::memcpy(key.data() + 1, pcr.data(), pcr.size());
  std::memcpy(key.data() + 1 + pcr.size(), value.data(), value.size());
  look_up(
      extends_, std::string_view(key.data(), 1 + pcr.size() + value.size()),
      [&] { return Hasher(algo).update(pcr).update(value).finish(); },
      [&](const Digest &next) { std::copy(next.begin(), next.end(), pcr.begin()); });
}

} // namespace trimcheck::model
