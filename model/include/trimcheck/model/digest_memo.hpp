// TemplateDigestMemo: record digests already computed, shared by a KernelState and every
// state copied from it.
//
// Why: explore and check measure the same few files again and again, on many branches,
// and computing a record's digests (one hash per bank slot, SHA-512 included) was a fifth
// of explore's instructions. A record's digests are a function of the bank layout and its
// template data, so each (layout, template data) is hashed once and looked up after.
//
// Not part of the state: it changes no result, and states compare equal whatever their
// memos hold. Explore's threads share it, so it locks; it is emptied when it reaches
// kMaxEntries, which bounds its memory without changing any result.
#pragma once

#include "trimcheck/model/banks.hpp"
#include "trimcheck/model/template.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace trimcheck::model {

class TemplateDigestMemo {
public:
  static constexpr std::size_t kMaxEntries = 1 << 16;
  // The digests of a (non-violation) record with this template data, one per layout slot.
  std::vector<Digest> digests(const BankLayout &layout, const TemplateData &data);

private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::vector<Digest>> known_;
};

// How a KernelState holds its memo: copies share it, equality ignores it.
class SharedDigestMemo {
public:
  static SharedDigestMemo fresh() {
    SharedDigestMemo memo;
    memo.memo_ = std::make_shared<TemplateDigestMemo>();
    return memo;
  }
  TemplateDigestMemo *get() const { return memo_.get(); }
  bool operator==(const SharedDigestMemo &) const { return true; }

private:
  std::shared_ptr<TemplateDigestMemo> memo_;
};

} // namespace trimcheck::model
