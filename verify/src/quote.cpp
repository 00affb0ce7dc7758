// A quote's TPMS_ATTEST and TPMT_SIGNATURE, read with libtss2-mu one field at a time,
// so that a malformed file is refused with the field and the byte where it starts.
#include "trimcheck/verify/quote.hpp"

#include "trimcheck/verify/input_error.hpp"

#include <tss2/tss2_mu.h>

#include <algorithm>
#include <type_traits>

namespace trimcheck::verify {

using model::Bytes;
using model::HashAlgo;

namespace {

// Where a TPM structure is read from: the file's name, its bytes and the offset that
// libtss2-mu advances.
class TpmCursor {
public:
  TpmCursor(const std::string &source, std::span<const std::uint8_t> bytes)
      : source_(source), bytes_(bytes) {}

  std::size_t offset() const { return offset_; }
  bool done() const { return offset_ == bytes_.size(); }

  [[noreturn]] void fail_at(std::size_t at, const std::string &what) const {
    throw InputError(source_, "byte " + std::to_string(at) + ": " + what);
  }

  // One field of type T with MU's `unmarshal(buffer, size, &offset, &value)`.
  template <class T, class Unmarshal> T read(Unmarshal unmarshal, const char *what) {
    T value{};
    const std::size_t at = offset_;
    const TSS2_RC rc = unmarshal(bytes_.data(), bytes_.size(), &offset_, &value);
    if (rc != TSS2_RC_SUCCESS)
      fail_at(at, std::string(what) + " " + reason<T>(rc, at));
    return value;
  }

  // A TPM2B of type T, as bytes.
  template <class T, class Unmarshal> Bytes read_tpm2b(Unmarshal unmarshal, const char *what) {
    const T value = read<T>(unmarshal, what);
    return Bytes(payload(value), payload(value) + value.size);
  }

private:
  // A TPM2B's bytes: `buffer`, but `name` in TPM2B_NAME.
  template <class T> static const auto &payload(const T &tpm2b) {
    if constexpr (std::is_same_v<T, TPM2B_NAME>)
      return tpm2b.name;
    else
      return tpm2b.buffer;
  }

  // Why MU refused a T at `at`, in words; a TPM2B longer than its buffer is named with both
  // numbers (MU reports the end of the file first when both are true).
  template <class T> std::string reason(TSS2_RC rc, std::size_t at) const {
    const std::size_t remain = bytes_.size() - at;
    const std::size_t wire_size = std::is_integral_v<T> ? sizeof(T) : 0;
    if constexpr (requires(const T &t) { t.size; }) { // a TPM2B: its size first
      const std::size_t size = remain >= 2 ? (std::size_t{bytes_[at]} << 8) | bytes_[at + 1] : 0;
      if (size > sizeof(payload(T{})))
        return "of " + std::to_string(size) + " bytes exceeds " +
               std::to_string(sizeof(payload(T{})));
    }
    switch (rc & 0xffffu) { // the base code; MU reports some under the SYS layer
    case TSS2_BASE_RC_INSUFFICIENT_BUFFER:
      return wire_size > 0
                 ? "needs " + std::to_string(wire_size) + " bytes, " + std::to_string(remain) +
                       " remain"
                 : "runs past the end of the file (" + std::to_string(remain) + " bytes remain)";
    case TSS2_BASE_RC_BAD_SIZE:
    case TSS2_BASE_RC_MALFORMED_RESPONSE: // a list's count over its array
      return "has a size or count beyond what the TPM structure holds";
    case TSS2_BASE_RC_BAD_VALUE:
      return "has a value the TPM structure does not allow";
    default:
      return "is not a valid TPM structure (libtss2-mu error 0x" +
             model::to_hex(
                 Bytes{static_cast<std::uint8_t>(rc >> 24), static_cast<std::uint8_t>(rc >> 16),
                       static_cast<std::uint8_t>(rc >> 8), static_cast<std::uint8_t>(rc)}) +
             ")";
    }
  }

  std::string source_;
  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
};

HashAlgo known_hash(const TpmCursor &in, std::size_t at, std::uint16_t alg, const char *what) {
  auto algo = hash_from_tpm_alg(alg);
  if (!algo)
    in.fail_at(at, std::string(what) + ": unknown hash algorithm " + std::to_string(alg));
  return *algo;
}

std::string hex16(std::uint16_t value) {
  return model::to_hex(
      Bytes{static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)});
}

std::string bytes_after(std::size_t count, const char *structure) {
  return std::to_string(count) + (count == 1 ? " byte" : " bytes") + " after the " + structure;
}

// TPMS_QUOTE_INFO's PCR selection: the banks in order, each with its PCR indexes.
std::vector<PcrSelection> read_selection(TpmCursor &in) {
  const std::size_t at = in.offset();
  const auto list =
      in.read<TPML_PCR_SELECTION>(Tss2_MU_TPML_PCR_SELECTION_Unmarshal,
                                  "the PCR selection (TPML_PCR_SELECTION, at most 16 banks of "
                                  "at most 4 select bytes)");
  std::vector<PcrSelection> selection;
  std::size_t entry_at = at + 4; // after the count
  for (std::uint32_t i = 0; i < list.count; ++i) {
    const TPMS_PCR_SELECTION &entry = list.pcrSelections[i];
    PcrSelection bank{known_hash(in, entry_at, entry.hash, "TPMS_PCR_SELECTION hash"), {}};
    for (unsigned pcr = 0; pcr < 8u * entry.sizeofSelect && pcr < 24; ++pcr)
      if (entry.pcrSelect[pcr / 8] & (1u << (pcr % 8)))
        bank.pcrs.push_back(pcr);
    selection.push_back(std::move(bank));
    entry_at += 3 + entry.sizeofSelect;
  }
  return selection;
}

} // namespace

std::optional<HashAlgo> hash_from_tpm_alg(std::uint16_t alg_id) {
  for (HashAlgo algo : model::kAllHashAlgos)
    if (model::tpm_alg_id(algo) == alg_id)
      return algo;
  return std::nullopt;
}

QuoteAttest parse_attest(const std::string &name, std::span<const std::uint8_t> bytes) {
  TpmCursor in(name, bytes);
  QuoteAttest attest;
  attest.magic = in.read<UINT32>(Tss2_MU_UINT32_Unmarshal, "magic");
  attest.type = in.read<UINT16>(Tss2_MU_UINT16_Unmarshal, "type");
  if (attest.type != kTpmStAttestQuote)
    in.fail_at(4,
               "attestation type 0x" + hex16(attest.type) + " is not TPM_ST_ATTEST_QUOTE (0x8018)");
  attest.qualified_signer =
      in.read_tpm2b<TPM2B_NAME>(Tss2_MU_TPM2B_NAME_Unmarshal, "qualifiedSigner");
  attest.extra_data = in.read_tpm2b<TPM2B_DATA>(Tss2_MU_TPM2B_DATA_Unmarshal, "extraData");
  const auto clock =
      in.read<TPMS_CLOCK_INFO>(Tss2_MU_TPMS_CLOCK_INFO_Unmarshal, "clockInfo (17 bytes)");
  attest.clock = clock.clock;
  attest.reset_count = clock.resetCount;
  attest.restart_count = clock.restartCount;
  attest.safe = clock.safe;
  attest.firmware_version = in.read<UINT64>(Tss2_MU_UINT64_Unmarshal, "firmwareVersion");
  attest.selection = read_selection(in);
  attest.pcr_digest = in.read_tpm2b<TPM2B_DIGEST>(Tss2_MU_TPM2B_DIGEST_Unmarshal, "pcrDigest");
  if (!in.done())
    in.fail_at(in.offset(), bytes_after(bytes.size() - in.offset(), "TPMS_ATTEST"));
  return attest;
}

QuoteSignature parse_signature(const std::string &name, std::span<const std::uint8_t> bytes) {
  TpmCursor in(name, bytes);
  const auto alg = in.read<UINT16>(Tss2_MU_UINT16_Unmarshal, "sigAlg");
  if (alg != TPM2_ALG_RSASSA && alg != TPM2_ALG_RSAPSS && alg != TPM2_ALG_ECDSA)
    in.fail_at(0, "signature algorithm " + std::to_string(alg) +
                      " is not RSASSA (20), RSAPSS (22) or ECDSA (24); write the signature "
                      "with tpm2_quote -f tss");
  const auto signature = in.read<TPMU_SIGNATURE>(
      [alg](const std::uint8_t *buffer, std::size_t size, std::size_t *offset,
            TPMU_SIGNATURE *dest) {
        return Tss2_MU_TPMU_SIGNATURE_Unmarshal(buffer, size, offset, alg, dest);
      },
      alg == TPM2_ALG_ECDSA ? "the ECDSA signature (hash, r, s)"
                            : "the RSA signature (hash, bytes)");
  QuoteSignature out;
  if (alg == TPM2_ALG_ECDSA) {
    const TPMS_SIGNATURE_ECDSA &ecdsa = signature.ecdsa;
    out.scheme = SignatureScheme::ecdsa;
    out.hash = known_hash(in, 2, ecdsa.hash, "signature hash");
    out.ecdsa_r.assign(ecdsa.signatureR.buffer, ecdsa.signatureR.buffer + ecdsa.signatureR.size);
    out.ecdsa_s.assign(ecdsa.signatureS.buffer, ecdsa.signatureS.buffer + ecdsa.signatureS.size);
  } else {
    const TPMS_SIGNATURE_RSA &rsa = signature.rsassa; // RSAPSS has the same layout
    out.scheme = alg == TPM2_ALG_RSASSA ? SignatureScheme::rsassa : SignatureScheme::rsapss;
    out.hash = known_hash(in, 2, rsa.hash, "signature hash");
    out.rsa_signature.assign(rsa.sig.buffer, rsa.sig.buffer + rsa.sig.size);
  }
  if (!in.done())
    in.fail_at(in.offset(), bytes_after(bytes.size() - in.offset(), "TPMT_SIGNATURE"));
  return out;
}

Bytes marshal_signature(const QuoteSignature &signature) {
  TPMT_SIGNATURE tpm{};
  auto fill = [](auto &buffer, const Bytes &bytes) {
    buffer.size = static_cast<UINT16>(std::min(bytes.size(), sizeof(buffer.buffer)));
    std::copy_n(bytes.begin(), buffer.size, buffer.buffer);
  };
  switch (signature.scheme) {
  case SignatureScheme::rsassa:
  case SignatureScheme::rsapss:
    tpm.sigAlg = signature.scheme == SignatureScheme::rsassa ? TPM2_ALG_RSASSA : TPM2_ALG_RSAPSS;
    tpm.signature.rsassa.hash = model::tpm_alg_id(signature.hash);
    fill(tpm.signature.rsassa.sig, signature.rsa_signature);
    break;
  case SignatureScheme::ecdsa:
    tpm.sigAlg = TPM2_ALG_ECDSA;
    tpm.signature.ecdsa.hash = model::tpm_alg_id(signature.hash);
    fill(tpm.signature.ecdsa.signatureR, signature.ecdsa_r);
    fill(tpm.signature.ecdsa.signatureS, signature.ecdsa_s);
    break;
  }
  Bytes out(sizeof(TPMT_SIGNATURE));
  std::size_t size = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Marshal(&tpm, out.data(), out.size(), &size) != TSS2_RC_SUCCESS)
    throw std::logic_error("marshal_signature: libtss2-mu refused a TPMT_SIGNATURE");
  out.resize(size);
  return out;
}

} // namespace trimcheck::verify
