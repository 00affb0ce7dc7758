// DigestTable: the PCR values of one run, each kept once and named by a small id.
//
// Why: the PCR banks (banks.hpp) are copied with the state on every transition, and an
// extend used to copy every bank's 24 values (one buffer shared between copies until a
// change). Held as ids, a bank is 24 words, an extend changes one, and the extend itself
// is looked up by (algorithm, old value's id, extended bytes) when the run memoises
// extends (digest_memo.hpp, MemoScope), or computed with OpenSSL.
//
// As with RecordTable (record_table.hpp): ids are names within one run, given in the order
// values first appear, never written to any output; the identity and every comparison use
// the bytes. Equal ids mean equal values; equal values get one id when interned or
// extended with memoisation, and may get two when extended without (check's runs, one
// history each, whose values are new: indexing them by bytes made check 70 % slower).
// intern() and extend() lock to add; reading a value, and extend() finding a memoised
// extend, do not (detail/concurrent_index.hpp).
#pragma once

#include "trimcheck/model/detail/chunked_store.hpp"
#include "trimcheck/model/detail/concurrent_index.hpp"
#include "trimcheck/model/detail/keyed_table.hpp"
#include "trimcheck/model/hash.hpp"

#include <array>
#include <cstdint>
#include <mutex>
#include <span>

namespace trimcheck::model {

using DigestId = std::uint32_t;

class DigestTable {
public:
  DigestTable() = default;
  DigestTable(const DigestTable &) = delete;
  DigestTable &operator=(const DigestTable &) = delete;

  // The id of these bytes (at most kMaxDigestSize of them).
  DigestId intern(std::span<const std::uint8_t> bytes);
  // The id of value `old` extended with `value` by `algo`: H(old || value). Looked up under
  // its inputs when `memoise`; computed and kept under a new id otherwise.
  DigestId extend(HashAlgo algo, DigestId old, std::span<const std::uint8_t> value, bool memoise);

  std::span<const std::uint8_t> operator[](DigestId id) const {
    const Value &value = values_[id];
    return {value.bytes.data(), value.size};
  }
  std::size_t size() const { return values_.size(); }

private:
  struct Value {
    std::array<std::uint8_t, kMaxDigestSize> bytes{};
    std::uint8_t size = 0;
  };
  // The id of `bytes`, kept if new; with mutex_ held.
  DigestId keep(std::span<const std::uint8_t> bytes);
  // A new id for `bytes` (at most kMaxDigestSize), unindexed; with mutex_ held.
  DigestId push(std::span<const std::uint8_t> bytes);

  std::mutex mutex_;
  detail::ChunkedStore<Value> values_;
  detail::KeyedTable<DigestId> by_bytes_;
  // (algorithm, old id, value) -> id; looked up without a lock.
  detail::ConcurrentIndex<DigestId> extends_;
};

} // namespace trimcheck::model
