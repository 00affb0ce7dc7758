#include "trimcheck/swtpm/tpm.hpp"

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tcti_swtpm.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <cstring>

namespace trimcheck::swtpm {

using model::Bytes;
using model::HashAlgo;

namespace {

void check(TSS2_RC rc, const char *what) {
  if (rc != TSS2_RC_SUCCESS)
    throw SwtpmError(std::string(what) + ": " + Tss2_RC_Decode(rc));
}

// Frees an ESYS-allocated response structure.
template <typename T> struct EsysFree {
  void operator()(T *pointer) const { Esys_Free(pointer); }
};
template <typename T> using EsysPtr = std::unique_ptr<T, EsysFree<T>>;

TPML_PCR_SELECTION to_tpm_selection(const std::vector<verify::PcrSelection> &selection) {
  TPML_PCR_SELECTION out{};
  out.count = static_cast<UINT32>(selection.size());
  for (std::size_t i = 0; i < selection.size(); ++i) {
    auto &entry = out.pcrSelections[i];
    entry.hash = model::tpm_alg_id(selection[i].bank);
    entry.sizeofSelect = 3;
    for (unsigned pcr : selection[i].pcrs)
      entry.pcrSelect[pcr / 8] |= static_cast<BYTE>(1u << (pcr % 8));
  }
  return out;
}

EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *builder) {
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY *pkey = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    pkey = nullptr;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(builder);
  if (!pkey)
    throw SwtpmError(std::string("cannot build the ") + type + " public key of the AK");
  return pkey;
}

verify::PublicKey public_key(const TPM2B_PUBLIC &key) {
  OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
  if (key.publicArea.type == TPM2_ALG_RSA) {
    const auto &modulus = key.publicArea.unique.rsa;
    const UINT32 exponent_value = key.publicArea.parameters.rsaDetail.exponent
                                      ? key.publicArea.parameters.rsaDetail.exponent
                                      : 65537;
    BIGNUM *n = BN_bin2bn(modulus.buffer, modulus.size, nullptr);
    BIGNUM *e = BN_new();
    BN_set_word(e, exponent_value);
    OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n);
    OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e);
    EVP_PKEY *pkey = pkey_from_params("RSA", builder);
    BN_free(n);
    BN_free(e);
    return verify::PublicKey::adopt(pkey);
  }
  const auto &point = key.publicArea.unique.ecc;
  Bytes encoded{0x04};
  encoded.insert(encoded.end(), point.x.buffer, point.x.buffer + point.x.size);
  encoded.insert(encoded.end(), point.y.buffer, point.y.buffer + point.y.size);
  OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, encoded.data(),
                                   encoded.size());
  return verify::PublicKey::adopt(pkey_from_params("EC", builder));
}

TPM2B_PUBLIC ak_template(KeyKind kind) {
  TPM2B_PUBLIC in{};
  auto &area = in.publicArea;
  area.nameAlg = TPM2_ALG_SHA256;
  area.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                          TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                          TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
  if (kind == KeyKind::rsa) {
    area.type = TPM2_ALG_RSA;
    auto &rsa = area.parameters.rsaDetail;
    rsa.symmetric.algorithm = TPM2_ALG_NULL;
    rsa.scheme.scheme = TPM2_ALG_RSASSA;
    rsa.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
    rsa.keyBits = 2048;
  } else {
    area.type = TPM2_ALG_ECC;
    auto &ecc = area.parameters.eccDetail;
    ecc.symmetric.algorithm = TPM2_ALG_NULL;
    ecc.scheme.scheme = TPM2_ALG_ECDSA;
    ecc.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
    ecc.curveID = TPM2_ECC_NIST_P256;
    ecc.kdf.scheme = TPM2_ALG_NULL;
  }
  return in;
}

} // namespace

struct Tpm::Connection {
  std::vector<std::uint8_t> tcti_memory;
  ESYS_CONTEXT *esys = nullptr;

  ~Connection() {
    if (esys)
      Esys_Finalize(&esys);
    if (!tcti_memory.empty())
      Tss2_Tcti_Finalize(reinterpret_cast<TSS2_TCTI_CONTEXT *>(tcti_memory.data()));
  }
};

Tpm::Tpm(const SwtpmProcess &process) : connection_(std::make_unique<Connection>()) {
  const std::string config = "path=" + (process.directory() / "swtpm.sock").string();
  std::size_t size = 0;
  check(Tss2_Tcti_Swtpm_Init(nullptr, &size, config.c_str()), "swtpm TCTI size");
  std::vector<std::uint8_t> memory(size);
  check(Tss2_Tcti_Swtpm_Init(reinterpret_cast<TSS2_TCTI_CONTEXT *>(memory.data()), &size,
                             config.c_str()),
        "swtpm TCTI");
  connection_->tcti_memory = std::move(memory);
  auto *tcti = reinterpret_cast<TSS2_TCTI_CONTEXT *>(connection_->tcti_memory.data());
  check(Esys_Initialize(&connection_->esys, tcti, nullptr), "Esys_Initialize");
  check(Esys_Startup(connection_->esys, TPM2_SU_CLEAR), "TPM2_Startup");
}

Tpm::Tpm(Tpm &&) noexcept = default;
Tpm::~Tpm() = default;

std::vector<HashAlgo> Tpm::banks() {
  TPMI_YES_NO more = 0;
  TPMS_CAPABILITY_DATA *raw = nullptr;
  check(Esys_GetCapability(connection_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                           TPM2_CAP_PCRS, 0, 1, &more, &raw),
        "TPM2_GetCapability(PCRS)");
  EsysPtr<TPMS_CAPABILITY_DATA> data(raw);
  std::vector<HashAlgo> out;
  const auto &pcrs = data->data.assignedPCR;
  for (UINT32 i = 0; i < pcrs.count; ++i) {
    const auto &entry = pcrs.pcrSelections[i];
    bool any = false;
    for (UINT8 byte = 0; byte < entry.sizeofSelect; ++byte)
      any |= entry.pcrSelect[byte] != 0;
    auto algo = verify::hash_from_tpm_alg(entry.hash);
    if (any && algo)
      out.push_back(*algo);
  }
  return out;
}

void Tpm::extend(unsigned pcr, const std::vector<std::pair<HashAlgo, model::Digest>> &values) {
  TPML_DIGEST_VALUES digests{};
  digests.count = static_cast<UINT32>(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto &[bank, digest] = values[i];
    if (digest.size() != model::digest_size(bank) || digest.size() > sizeof(TPMU_HA))
      throw SwtpmError("extend value of the wrong size for " + std::string(model::hash_name(bank)));
    digests.digests[i].hashAlg = model::tpm_alg_id(bank);
    std::memcpy(&digests.digests[i].digest, digest.data(), digest.size());
  }
  check(Esys_PCR_Extend(connection_->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                        ESYS_TR_NONE, &digests),
        "TPM2_PCR_Extend");
}

model::Digest Tpm::read(HashAlgo bank, unsigned pcr) {
  const TPML_PCR_SELECTION selection = to_tpm_selection({{bank, {pcr}}});
  UINT32 counter = 0;
  TPML_PCR_SELECTION *raw_out = nullptr;
  TPML_DIGEST *raw_values = nullptr;
  check(Esys_PCR_Read(connection_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &selection,
                      &counter, &raw_out, &raw_values),
        "TPM2_PCR_Read");
  EsysPtr<TPML_PCR_SELECTION> out(raw_out);
  EsysPtr<TPML_DIGEST> values(raw_values);
  if (values->count != 1)
    throw SwtpmError("PCR " + std::to_string(pcr) + " of " + std::string(model::hash_name(bank)) +
                     " is not allocated");
  return model::Digest(values->digests[0].buffer,
                       values->digests[0].buffer + values->digests[0].size);
}

AttestationKey Tpm::create_attestation_key(KeyKind kind) {
  const TPM2B_SENSITIVE_CREATE sensitive{};
  const TPM2B_PUBLIC in = ak_template(kind);
  const TPM2B_DATA outside{};
  const TPML_PCR_SELECTION creation{};
  ESYS_TR handle = ESYS_TR_NONE;
  TPM2B_PUBLIC *raw_public = nullptr;
  TPM2B_CREATION_DATA *raw_creation = nullptr;
  TPM2B_DIGEST *raw_hash = nullptr;
  TPMT_TK_CREATION *raw_ticket = nullptr;
  check(Esys_CreatePrimary(connection_->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
                           ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &in, &outside, &creation,
                           &handle, &raw_public, &raw_creation, &raw_hash, &raw_ticket),
        "TPM2_CreatePrimary(AK)");
  EsysPtr<TPM2B_PUBLIC> out_public(raw_public);
  EsysPtr<TPM2B_CREATION_DATA> creation_data(raw_creation);
  EsysPtr<TPM2B_DIGEST> creation_hash(raw_hash);
  EsysPtr<TPMT_TK_CREATION> ticket(raw_ticket);
  return {handle, kind, public_key(*out_public)};
}

TpmQuote Tpm::quote(const AttestationKey &key, const Bytes &nonce,
                    const std::vector<verify::PcrSelection> &selection) {
  TPM2B_DATA qualifying{};
  if (nonce.size() > sizeof qualifying.buffer)
    throw SwtpmError("nonce longer than " + std::to_string(sizeof qualifying.buffer) + " bytes");
  qualifying.size = static_cast<UINT16>(nonce.size());
  std::memcpy(qualifying.buffer, nonce.data(), nonce.size());
  TPMT_SIG_SCHEME scheme{};
  scheme.scheme = TPM2_ALG_NULL;
  const TPML_PCR_SELECTION pcrs = to_tpm_selection(selection);
  TPM2B_ATTEST *raw_quoted = nullptr;
  TPMT_SIGNATURE *raw_signature = nullptr;
  check(Esys_Quote(connection_->esys, key.esys_handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
                   &qualifying, &scheme, &pcrs, &raw_quoted, &raw_signature),
        "TPM2_Quote");
  EsysPtr<TPM2B_ATTEST> quoted(raw_quoted);
  EsysPtr<TPMT_SIGNATURE> signature(raw_signature);
  TpmQuote out;
  out.message.assign(quoted->attestationData, quoted->attestationData + quoted->size);
  std::vector<std::uint8_t> buffer(sizeof(TPMT_SIGNATURE));
  std::size_t offset = 0;
  check(Tss2_MU_TPMT_SIGNATURE_Marshal(signature.get(), buffer.data(), buffer.size(), &offset),
        "marshal TPMT_SIGNATURE");
  out.signature.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(offset));
  out.ak_pem = key.public_key.to_pem();
  return out;
}

} // namespace trimcheck::swtpm
