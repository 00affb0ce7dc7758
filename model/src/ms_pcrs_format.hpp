// The configfs files of the Microsoft RFC (spec 2.1): the binary records written to and
// read from /sys/kernel/config/ima/pcrs, and the text of pcrs_ascii. Internal to the
// Microsoft family.
#pragma once

#include "trimcheck/model/kernel.hpp"

#include <span>

namespace trimcheck::model::detail {

// One record of a write: the target value of a configured PCR in an algorithm the
// kernel names (hash_algo_name[]). `algo` is empty for kernel algorithms the model has
// no TPM bank type for (sha224, sha3-256, ...); such a target is never a TPM bank.
struct PcrTarget {
  std::optional<HashAlgo> algo;
  Digest digest;
};

struct ParsedTargets {
  std::int64_t error = 0;         // 0 or -errno
  std::vector<PcrTarget> targets; // by configured slot
};

// ima_config_pcrs_store's parser (2.1 step 2): concatenated `pcrNN:<hash name>:<raw
// digest>` records, every configured PCR exactly once.
ParsedTargets parse_pcr_targets(std::span<const std::uint8_t> input,
                                const std::vector<std::uint32_t> &configured);

// read(pcrs): per TPM bank, per configured PCR in index order, `pcr%02d:<name>:` + raw.
Bytes render_pcrs(const BankLayout &banks, const MsState &ms);
// read(pcrs_ascii): per TPM bank, per slot in configuration order, lowercase hex lines.
std::string render_pcrs_ascii(const BankLayout &banks, const MsState &ms);

} // namespace trimcheck::model::detail
