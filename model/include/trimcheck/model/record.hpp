// One measurement record: struct ima_template_entry plus its per-slot digests.
//
// Records are immutable values. A violation record stores all-zero digests (the list
// shows a zero template digest) while the TPM is extended with 0xFF.. (spec 4.3).
#pragma once

#include "trimcheck/model/banks.hpp"
#include "trimcheck/model/digest_memo.hpp"
#include "trimcheck/model/template.hpp"

#include <cstdint>
#include <span>

namespace trimcheck::model {

struct Record {
  std::uint32_t pcr = 10;
  TemplateData data;
  std::vector<Digest> digests; // one per BankLayout::slots() entry
  bool violation = false;
  bool operator==(const Record &) const = default;
};

// ima_calc_field_array_hash for every slot (SHA-1 first, padded SHA-1 where the kernel
// has no hash), or all-zero digests for a violation.
Record make_record(const BankLayout &layout, std::uint32_t pcr, TemplateData data,
                   bool violation = false, DigestMemo *memo = nullptr);

// The digests of a non-violation record, one per layout slot (what make_record computes).
std::vector<Digest> record_digests(const BankLayout &layout, const TemplateData &data);

// "Padded SHA-1": the SHA-1 template digest zero-padded to `bank`'s size, what IMA
// extends into a bank the kernel has no hash for (spec 4.3).
Digest padded_sha1(const Digest &sha1, HashAlgo bank);

// The value IMA extends into TPM bank `bank` for this record (a view into the record, or
// into a constant for a violation's 0xFF bytes).
std::span<const std::uint8_t> extend_value(const BankLayout &layout, std::size_t bank,
                                           const Record &record);

// get_binary_runtime_size(): pcr + SHA-1 digest + name length + name + data length + data.
std::size_t binary_runtime_size(const Record &record);

} // namespace trimcheck::model
