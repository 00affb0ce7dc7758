// libFuzzer target for everything `trimcheck verify` reads: the list parsers (binary with
// bank detection, and ascii), PCR value files (JSON, YAML, tpm2_quote -o), quote messages,
// signatures, AK public keys, checkpoints, and whole verifications of fuzzed chunks.
//
// The first input byte selects the reader; the rest is the file. Readers may reject the
// input only with verify::InputError; any other exception, crash, leak or undefined
// behaviour is a finding. Seeds: scripts/fuzz-smoke builds them from tests/data and
// tests/fuzz/seeds (each prefixed with its selector byte).
#include "trimcheck/verify/input_error.hpp"
#include "trimcheck/verify/verifier.hpp"

#include <cstddef>
#include <cstdint>

namespace {

using namespace trimcheck;

enum Reader : std::uint8_t {
  list_piece,
  pcr_values,
  attest,
  signature,
  checkpoint,
  public_key,
  split_verification,
  kReaders
};

// Two pieces cut from the input, verified against PCR values derived from it.
void verify_split(std::span<const std::uint8_t> data) {
  if (data.empty())
    return;
  const std::size_t cut = data[0] * data.size() / 256;
  const auto rest = data.subspan(1);
  verify::VerifyRequest request;
  request.pieces.push_back(verify::parse_piece("chunk", rest.first(std::min(cut, rest.size()))));
  request.pieces.push_back(verify::parse_piece("list", rest.subspan(std::min(cut, rest.size()))));
  verify::PcrValues values;
  values.banks[model::HashAlgo::sha1][10] = model::hash_bytes(model::HashAlgo::sha1, rest);
  values.banks[model::HashAlgo::sha256][10] = model::Digest(32, 0);
  request.evidence = values;
  request.threads = 1 + data[0] % 2;
  (void)verify::verify(request);
}

void run(Reader reader, std::span<const std::uint8_t> data) {
  switch (reader) {
  case list_piece:
    (void)verify::parse_piece("list", data);
    break;
  case pcr_values:
    (void)verify::parse_pcr_values("pcrs", data);
    break;
  case attest:
    (void)verify::parse_attest("quote", data);
    break;
  case signature: {
    const verify::QuoteSignature parsed = verify::parse_signature("sig", data);
    if (verify::marshal_signature(parsed) != model::Bytes(data.begin(), data.end()))
      __builtin_trap(); // the reader and the writer disagree
    break;
  }
  case checkpoint:
    (void)verify::parse_checkpoint("checkpoint", data);
    break;
  case public_key: {
    const auto key = verify::PublicKey::from_file("ak", data); // PEM or TPM2B_PUBLIC
    verify::QuoteSignature sig;
    sig.rsa_signature.assign(data.begin(), data.begin() + std::min<std::size_t>(data.size(), 256));
    (void)verify::signature_valid(key, sig, data);
    break;
  }
  default:
    verify_split(data);
    break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *bytes, std::size_t size) {
  if (size == 0)
    return 0;
  const std::span<const std::uint8_t> data(bytes + 1, size - 1);
  try {
    run(static_cast<Reader>(bytes[0] % kReaders), data);
  } catch (const verify::InputError &) {
    // rejected with a message: the expected outcome for malformed input
  }
  return 0;
}
