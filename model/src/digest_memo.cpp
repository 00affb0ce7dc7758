#include "trimcheck/model/digest_memo.hpp"

#include "trimcheck/model/hash.hpp"
#include "trimcheck/model/record.hpp"

namespace trimcheck::model {

std::vector<Digest> DigestMemo::digests(const BankLayout &layout, const TemplateData &data) {
  std::vector<Digest> out;
  MemoKey key;
  look_up(
      records_, key.append_template(layout, data).view(),
      [&] { return record_digests(layout, data); },
      [&](const std::vector<Digest> &found) { out = found; });
  return out;
}

} // namespace trimcheck::model
