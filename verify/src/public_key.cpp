// Attestation keys (PEM or TPM2B_PUBLIC) and the check of a quote's signature, with
// OpenSSL 3.
#include "trimcheck/verify/quote.hpp"

#include "trimcheck/verify/input_error.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

namespace trimcheck::verify {

using model::Bytes;
using model::HashAlgo;

namespace {

const EVP_MD *evp_md(HashAlgo algo) {
  return EVP_get_digestbyname(std::string(model::hash_name(algo)).c_str());
}

// DER ECDSA-Sig-Value from r and s.
Bytes ecdsa_der(const QuoteSignature &signature) {
  ECDSA_SIG *sig = ECDSA_SIG_new();
  BIGNUM *r =
      BN_bin2bn(signature.ecdsa_r.data(), static_cast<int>(signature.ecdsa_r.size()), nullptr);
  BIGNUM *s =
      BN_bin2bn(signature.ecdsa_s.data(), static_cast<int>(signature.ecdsa_s.size()), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char *der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  Bytes out;
  if (len > 0)
    out.assign(der, der + len);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

} // namespace

PublicKey PublicKey::adopt(void *evp_pkey) {
  PublicKey key;
  key.key_ = std::shared_ptr<void>(
      evp_pkey, [](void *pkey) { EVP_PKEY_free(static_cast<EVP_PKEY *>(pkey)); });
  return key;
}

PublicKey PublicKey::from_pem(const std::string &name, std::string_view pem) {
  BIO *bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY *pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!pkey)
    throw InputError(name, "not a PEM public key (expected '-----BEGIN PUBLIC KEY-----', as "
                           "tpm2_readpublic -f pem writes)");
  const int type = EVP_PKEY_get_base_id(pkey);
  if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
    EVP_PKEY_free(pkey);
    throw InputError(name, "the public key is neither RSA nor EC");
  }
  return adopt(pkey);
}

namespace {

// An EVP_PKEY from OpenSSL 3 parameters built by `push` (nullptr if OpenSSL refuses them).
template <class Push> EVP_PKEY *key_from_params(const char *type, Push &&push) {
  OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
  EVP_PKEY *pkey = nullptr;
  if (builder != nullptr && push(builder)) {
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(builder);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
    if (ctx == nullptr || params == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
      pkey = nullptr;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
  }
  OSSL_PARAM_BLD_free(builder);
  return pkey;
}

EVP_PKEY *rsa_key(const TPMT_PUBLIC &area) {
  const TPM2B_PUBLIC_KEY_RSA &modulus = area.unique.rsa;
  const std::uint32_t exponent =
      area.parameters.rsaDetail.exponent == 0 ? 65537 : area.parameters.rsaDetail.exponent;
  BIGNUM *n = BN_bin2bn(modulus.buffer, modulus.size, nullptr);
  BIGNUM *e = BN_new();
  EVP_PKEY *pkey = nullptr;
  if (n != nullptr && e != nullptr && BN_set_word(e, exponent) == 1)
    pkey = key_from_params("RSA", [&](OSSL_PARAM_BLD *builder) {
      return OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
             OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_RSA_E, e) == 1;
    });
  BN_free(n);
  BN_free(e);
  return pkey;
}

EVP_PKEY *ecc_key(const std::string &name, const TPMT_PUBLIC &area) {
  const char *group = nullptr;
  switch (area.parameters.eccDetail.curveID) {
  case TPM2_ECC_NIST_P256:
    group = "prime256v1";
    break;
  case TPM2_ECC_NIST_P384:
    group = "secp384r1";
    break;
  case TPM2_ECC_NIST_P521:
    group = "secp521r1";
    break;
  default:
    throw InputError(name, "an ECC key on curve 0x" +
                               model::to_hex(Bytes{
                                   static_cast<std::uint8_t>(area.parameters.eccDetail.curveID)}) +
                               ", not NIST P-256, P-384 or P-521");
  }
  Bytes point{0x04}; // uncompressed: x then y
  point.insert(point.end(), area.unique.ecc.x.buffer,
               area.unique.ecc.x.buffer + area.unique.ecc.x.size);
  point.insert(point.end(), area.unique.ecc.y.buffer,
               area.unique.ecc.y.buffer + area.unique.ecc.y.size);
  return key_from_params("EC", [&](OSSL_PARAM_BLD *builder) {
    return OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size()) == 1;
  });
}

} // namespace

PublicKey PublicKey::from_file(const std::string &name, std::span<const std::uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  if (text.find("-----BEGIN") != std::string_view::npos)
    return from_pem(name, text);
  TPM2B_PUBLIC public_key{};
  std::size_t offset = 0;
  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(bytes.data(), bytes.size(), &offset, &public_key) !=
          TSS2_RC_SUCCESS ||
      offset != bytes.size())
    throw InputError(name, "neither a PEM public key nor a TPM2B_PUBLIC (the TSS form "
                           "tpm2_createak -u and tpm2_readpublic -o write)");
  const TPMT_PUBLIC &area = public_key.publicArea;
  EVP_PKEY *pkey = area.type == TPM2_ALG_RSA   ? rsa_key(area)
                   : area.type == TPM2_ALG_ECC ? ecc_key(name, area)
                                               : nullptr;
  if (pkey == nullptr)
    throw InputError(name, area.type == TPM2_ALG_RSA || area.type == TPM2_ALG_ECC
                               ? "the TPM2B_PUBLIC holds a key OpenSSL refuses"
                               : "the TPM2B_PUBLIC is neither an RSA nor an ECC key");
  return adopt(pkey);
}

std::string PublicKey::to_pem() const {
  BIO *bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, static_cast<EVP_PKEY *>(key_.get()));
  char *data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return pem;
}

bool signature_valid(const PublicKey &key, const QuoteSignature &signature,
                     std::span<const std::uint8_t> message) {
  auto *pkey = static_cast<EVP_PKEY *>(key.evp_pkey());
  const int type = EVP_PKEY_get_base_id(pkey);
  const bool rsa = signature.scheme != SignatureScheme::ecdsa;
  if ((type == EVP_PKEY_RSA) != rsa)
    return false;
  const Bytes sig = rsa ? signature.rsa_signature : ecdsa_der(signature);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX *pctx = nullptr;
  bool valid = EVP_DigestVerifyInit(ctx, &pctx, evp_md(signature.hash), nullptr, pkey) == 1;
  if (valid && rsa) {
    const bool pss = signature.scheme == SignatureScheme::rsapss;
    valid =
        EVP_PKEY_CTX_set_rsa_padding(pctx, pss ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING) == 1;
    if (valid && pss)
      valid = EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1;
  }
  valid = valid && !sig.empty() &&
          EVP_DigestVerify(ctx, sig.data(), sig.size(), message.data(), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return valid;
}

} // namespace trimcheck::verify
