// TPM 2.0 quotes as `tpm2_quote` writes them, and their verification with OpenSSL.
//
// A quote is three files (docs/verify.md):
//  * the message (`tpm2_quote -m`): a TPMS_ATTEST, big-endian TPM marshalling: magic
//    TPM_GENERATED_VALUE, type TPM_ST_ATTEST_QUOTE, the signer's name, extraData (the
//    nonce the verifier chose), clock info, firmware version, and TPMS_QUOTE_INFO: the PCR
//    selection and pcrDigest, the digest of the selected PCR values concatenated in
//    selection order (banks in the order listed, PCRs ascending within a bank), hashed
//    with the signature's hash algorithm;
//  * the signature (`tpm2_quote -s`, default "tss" format): a marshalled TPMT_SIGNATURE
//    (RSASSA, RSAPSS or ECDSA) over the message bytes;
//  * the attestation key's public part as PEM (`tpm2_readpublic -f pem`,
//    `tpm2_createak -f pem`).
// The quote proves the PCR digest only: the values themselves come from the replay of
// the log (and, for PCRs the log does not determine, from a PCR values file).
#pragma once

#include "trimcheck/model/hash.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace trimcheck::verify {

inline constexpr std::uint32_t kTpmGeneratedValue = 0xff544347;
inline constexpr std::uint16_t kTpmStAttestQuote = 0x8018;

// One TPMS_PCR_SELECTION: a bank and the selected PCR indexes (ascending).
struct PcrSelection {
  model::HashAlgo bank;
  std::vector<unsigned> pcrs;
  bool operator==(const PcrSelection &) const = default;
};

// TPMS_ATTEST of a quote.
struct QuoteAttest {
  std::uint32_t magic = 0;
  std::uint16_t type = 0;
  model::Bytes qualified_signer;
  model::Bytes extra_data; // the nonce
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0, restart_count = 0;
  std::uint8_t safe = 0;
  std::uint64_t firmware_version = 0;
  std::vector<PcrSelection> selection;
  model::Digest pcr_digest;
};

// Throws InputError naming `name` and the byte offset of the problem.
QuoteAttest parse_attest(const std::string &name, std::span<const std::uint8_t> bytes);

enum class SignatureScheme : std::uint8_t { rsassa, rsapss, ecdsa };

// TPMT_SIGNATURE.
struct QuoteSignature {
  SignatureScheme scheme = SignatureScheme::rsassa;
  model::HashAlgo hash = model::HashAlgo::sha256;
  model::Bytes rsa_signature;    // RSASSA / RSAPSS
  model::Bytes ecdsa_r, ecdsa_s; // ECDSA
};

QuoteSignature parse_signature(const std::string &name, std::span<const std::uint8_t> bytes);
model::Bytes marshal_signature(const QuoteSignature &signature);

// An RSA or EC public key (immutable, shared).
class PublicKey {
public:
  // PEM "PUBLIC KEY" (SubjectPublicKeyInfo); throws InputError naming `name`.
  static PublicKey from_pem(const std::string &name, std::string_view pem);
  // A key file as users have it: PEM, or the TSS form, a marshalled TPM2B_PUBLIC (what
  // tpm2_createak -u and tpm2_readpublic -o write by default) of an RSA or ECC (NIST
  // P-256, P-384, P-521) key, read with libtss2-mu. Throws InputError naming `name`.
  static PublicKey from_file(const std::string &name, std::span<const std::uint8_t> bytes);
  // The EVP_PKEY*, owned by this object.
  void *evp_pkey() const { return key_.get(); }
  std::string to_pem() const;

  // Takes ownership of an EVP_PKEY*.
  static PublicKey adopt(void *evp_pkey);

private:
  std::shared_ptr<void> key_;
};

// Whether `signature` is a valid signature of `message` by `key` (scheme and hash as the
// signature says; RSAPSS with any salt length). A scheme the key cannot make is invalid.
bool signature_valid(const PublicKey &key, const QuoteSignature &signature,
                     std::span<const std::uint8_t> message);

// The TPM_ALG_ID of a bank, and back.
std::optional<model::HashAlgo> hash_from_tpm_alg(std::uint16_t alg_id);

} // namespace trimcheck::verify
