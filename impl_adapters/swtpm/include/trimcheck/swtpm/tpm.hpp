// TPM 2.0 commands on a private swtpm through tpm2-tss ESYS (swtpm TCTI).
//
// The model's TPM (model::PcrBanks) made real: Startup, PCR_Extend of one value per
// allocated bank, PCR_Read, an attestation key (a restricted signing primary key in the
// endorsement hierarchy, RSA-2048/RSASSA or ECC-P256/ECDSA, SHA-256) and Quote over any
// PCR selection with a caller-chosen nonce. A quote comes back exactly as tpm2_quote
// writes it (message = TPMS_ATTEST bytes, signature = marshalled TPMT_SIGNATURE) plus the
// AK public key as PEM, so the verifier reads the adapter's quotes and tpm2-tools' quotes
// the same way.
//
// One Tpm holds the ESYS context (a connection to swtpm); it is move-only and closes the
// connection when destroyed. TPM errors throw SwtpmError with the decoded response code.
#pragma once

#include "trimcheck/swtpm/process.hpp"
#include "trimcheck/verify/quote.hpp"

#include <memory>
#include <vector>

namespace trimcheck::swtpm {

enum class KeyKind : std::uint8_t { rsa, ecc };

struct AttestationKey {
  std::uint32_t esys_handle = 0; // ESYS_TR of the loaded key
  KeyKind kind = KeyKind::rsa;
  verify::PublicKey public_key;
};

struct TpmQuote {
  model::Bytes message;   // TPMS_ATTEST (tpm2_quote -m)
  model::Bytes signature; // TPMT_SIGNATURE (tpm2_quote -s, tss format)
  std::string ak_pem;
};

class Tpm {
public:
  // Connects to `process` and sends TPM2_Startup(CLEAR).
  explicit Tpm(const SwtpmProcess &process);
  Tpm(Tpm &&) noexcept;
  Tpm &operator=(Tpm &&) = delete;
  ~Tpm();

  // The allocated PCR banks, in the TPM's order.
  std::vector<model::HashAlgo> banks();
  // PCR_Extend with one digest per listed bank (each of its bank's size).
  void extend(unsigned pcr, const std::vector<std::pair<model::HashAlgo, model::Digest>> &values);
  model::Digest read(model::HashAlgo bank, unsigned pcr);

  AttestationKey create_attestation_key(KeyKind kind);
  TpmQuote quote(const AttestationKey &key, const model::Bytes &nonce,
                 const std::vector<verify::PcrSelection> &selection);

private:
  struct Connection;
  std::unique_ptr<Connection> connection_;
};

} // namespace trimcheck::swtpm
