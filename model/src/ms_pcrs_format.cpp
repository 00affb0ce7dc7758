#include "ms_pcrs_format.hpp"

#include "trimcheck/model/detail/kernel_ops.hpp"
#include "trimcheck/model/detail/kstrtox.hpp"

#include <algorithm>
#include <cstdio>

namespace trimcheck::model::detail {
namespace {

// crypto/hash_info.c: hash_algo_name[] and hash_digest_size[] in enum hash_algo order.
struct KernelHashAlgo {
  std::string_view name;
  std::size_t digest_size;
  std::optional<HashAlgo> model;
};
const KernelHashAlgo kKernelHashAlgos[] = {
    {"md4", 16, std::nullopt},         {"md5", 16, std::nullopt},
    {"sha1", 20, HashAlgo::sha1},      {"rmd160", 20, std::nullopt},
    {"sha256", 32, HashAlgo::sha256},  {"sha384", 48, HashAlgo::sha384},
    {"sha512", 64, HashAlgo::sha512},  {"sha224", 28, std::nullopt},
    {"rmd128", 16, std::nullopt},      {"rmd256", 32, std::nullopt},
    {"rmd320", 40, std::nullopt},      {"wp256", 32, std::nullopt},
    {"wp384", 48, std::nullopt},       {"wp512", 64, std::nullopt},
    {"tgr128", 16, std::nullopt},      {"tgr160", 20, std::nullopt},
    {"tgr192", 24, std::nullopt},      {"sm3", 32, HashAlgo::sm3},
    {"streebog256", 32, std::nullopt}, {"streebog512", 64, std::nullopt},
    {"sha3-256", 32, std::nullopt},    {"sha3-384", 48, std::nullopt},
    {"sha3-512", 64, std::nullopt},
};
constexpr std::size_t kFirstAcceptedAlgo = 2; // HASH_ALGO_SHA1: md4 and md5 are refused

constexpr std::size_t kMinRecordBytes = 20; // MIN_PCR_RECORD_LENGTH, checked at each record
constexpr std::size_t kMaxNameBytes = 15;   // MAX_HASH_ALGO_NAME_LENGTH - 1
constexpr std::size_t kPcrPrefixBytes = 6;  // "pcrNN:"

std::string pcr_label(std::uint32_t pcr, HashAlgo algo) {
  char label[16];
  std::snprintf(label, sizeof label, "pcr%02u:", pcr);
  return label + std::string(hash_name(algo)) + ":";
}

} // namespace

ParsedTargets parse_pcr_targets(std::span<const std::uint8_t> input,
                                const std::vector<std::uint32_t> &configured) {
  constexpr ParsedTargets kInvalid{-kEINVAL, {}};
  std::vector<std::optional<PcrTarget>> by_slot(configured.size());
  std::size_t offset = 0;
  while (offset < input.size()) {
    if (offset + kMinRecordBytes > input.size())
      return kInvalid; // also a trailing newline
    auto at = [&](std::size_t i) { return input[offset + i]; };
    if (at(0) != 'p' || at(1) != 'c' || at(2) != 'r' || at(5) != ':' || !is_digit(at(3)) ||
        !is_digit(at(4)))
      return kInvalid;
    const std::uint32_t pcr = static_cast<std::uint32_t>((at(3) - '0') * 10 + (at(4) - '0'));
    if (pcr >= kNumPcrs)
      return kInvalid;
    offset += kPcrPrefixBytes;
    std::size_t name_len = 0;
    while (offset + name_len < input.size() && input[offset + name_len] != ':')
      ++name_len;
    if (name_len == 0 || name_len > kMaxNameBytes)
      return kInvalid;
    const std::string_view name(reinterpret_cast<const char *>(input.data() + offset), name_len);
    auto algo = std::find_if(std::begin(kKernelHashAlgos), std::end(kKernelHashAlgos),
                             [&](const KernelHashAlgo &a) { return a.name == name; });
    if (algo == std::end(kKernelHashAlgos) ||
        static_cast<std::size_t>(algo - std::begin(kKernelHashAlgos)) < kFirstAcceptedAlgo)
      return kInvalid;
    offset += name_len + 1;
    if (offset + algo->digest_size > input.size())
      return kInvalid;
    auto slot = std::find(configured.begin(), configured.end(), pcr);
    if (slot == configured.end() || by_slot[slot - configured.begin()])
      return kInvalid; // not configured, or given twice
    const auto digest = input.subspan(offset, algo->digest_size);
    by_slot[slot - configured.begin()] =
        PcrTarget{algo->model, Digest(digest.begin(), digest.end())};
    offset += algo->digest_size;
  }
  ParsedTargets parsed;
  for (std::optional<PcrTarget> &target : by_slot) {
    if (!target)
      return kInvalid; // every configured PCR must be given
    parsed.targets.push_back(std::move(*target));
  }
  return parsed;
}

Bytes render_pcrs(const BankLayout &banks, const MsState &ms) {
  Bytes out;
  for (std::size_t bank = 0; bank < ms.start.size(); ++bank)
    for (std::uint32_t pcr = 0; pcr < kNumPcrs; ++pcr) {
      auto slot = std::find(ms.configured_pcrs.begin(), ms.configured_pcrs.end(), pcr);
      if (slot == ms.configured_pcrs.end())
        continue;
      const std::string label = pcr_label(pcr, banks.tpm_banks[bank].algo);
      const Digest &value = ms.start[bank][slot - ms.configured_pcrs.begin()];
      out.insert(out.end(), label.begin(), label.end());
      out.insert(out.end(), value.begin(), value.end());
    }
  return out;
}

std::string render_pcrs_ascii(const BankLayout &banks, const MsState &ms) {
  std::string out;
  for (std::size_t bank = 0; bank < ms.start.size(); ++bank)
    for (std::size_t slot = 0; slot < ms.configured_pcrs.size(); ++slot)
      out += pcr_label(ms.configured_pcrs[slot], banks.tpm_banks[bank].algo) +
             to_hex(ms.start[bank][slot]) + "\n";
  return out;
}

} // namespace trimcheck::model::detail
