// PCR values the verifier compares a replay with: what `--pcrs FILE` holds.
//
// Three file formats are accepted (docs/verify.md), chosen by content:
//  * JSON: {"pcrs": {"sha256": {"10": "<hex>", ...}, ...}} as in the fixtures'
//    state.json, or the same object without the "pcrs" wrapper;
//  * the YAML that `tpm2_pcrread` prints (`  sha256:` then `    10: 0x<HEX>` lines);
//  * the binary PCR file `tpm2_quote -o FILE` writes in its default "serialized"
//    format (a TPML_PCR_SELECTION and the TPML_DIGEST values, both as the C structs of
//    tpm2-tools on x86-64, little-endian); with a quote only.
// Values are per bank and PCR index; a file may hold any subset.
#pragma once

#include "trimcheck/model/hash.hpp"

#include <map>
#include <optional>
#include <span>
#include <string>

namespace trimcheck::verify {

struct PcrValues {
  std::map<model::HashAlgo, std::map<unsigned, model::Digest>> banks;

  const model::Digest *find(model::HashAlgo bank, unsigned pcr) const;
  bool operator==(const PcrValues &) const = default;
};

// Parses any of the formats above; throws InputError naming `name` and the line, key
// or byte offset of the problem (unknown bank, PCR out of range, wrong digest size).
PcrValues parse_pcr_values(const std::string &name, std::span<const std::uint8_t> bytes);

// The JSON form (as parse_pcr_values reads it back).
std::string pcr_values_json(const PcrValues &values);

} // namespace trimcheck::verify
