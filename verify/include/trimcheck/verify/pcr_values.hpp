// PCR values the verifier compares a replay with: what `--pcrs FILE` holds.
//
// Four file formats are accepted (docs/verify.md), chosen by content:
//  * JSON: {"pcrs": {"sha256": {"10": "<hex>", ...}, ...}} as in the fixtures'
//    state.json, or the same object without the "pcrs" wrapper;
//  * the YAML that `tpm2_pcrread` prints (`  sha256:` then `    10: 0x<HEX>` lines);
//  * the binary PCR file `tpm2_quote -o FILE` writes in its default "serialized"
//    format (a TPML_PCR_SELECTION and the TPML_DIGEST values, both as the C structs of
//    tpm2-tools on x86-64, little-endian); with a quote only;
//  * evmctl's --pcrs files and the TPM 1.2 sysfs `pcrs` file: `PCR-NN: <hex>` lines (the
//    hex may have spaces between bytes). They do not name their bank: it is the one given,
//    else the one the digests' length implies (20 sha1, 32 sha256, 48 sha384, 64 sha512).
// and a directory in the form of /sys/class/tpm/tpm0: `pcr-<alg>/<index>` files, one hex
// value each (read_pcr_directory).
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
// `bank`: the bank of a format that does not name its own (`PCR-NN:` lines); an error for
// the others if it differs from theirs.
PcrValues parse_pcr_values(const std::string &name, std::span<const std::uint8_t> bytes,
                           std::optional<model::HashAlgo> bank = std::nullopt);

// The values that `tpm2_pcrread -o FILE SELECTION` writes in its default format ("values":
// the digests one after another, no selection), read with that SELECTION (tpm2-tools'
// syntax, e.g. "sha256:0,10+sha1:10"): banks in the order given, each bank's PCRs in
// ascending order (the TPM's). Throws InputError naming `name` for a selection it cannot
// read or a file whose size is not the selection's.
PcrValues parse_pcr_value_list(const std::string &name, std::span<const std::uint8_t> bytes,
                               const std::string &selection);
// Whether `text` reads as such a selection.
bool is_pcr_selection(const std::string &text);

// The values of a directory of `pcr-<alg>/<index>` files (a copy of /sys/class/tpm/tpm0,
// or one `pcr-<alg>` directory itself); files of other names are ignored. Throws
// InputError naming the file of a bad value, or the directory if it holds no value.
PcrValues read_pcr_directory(const std::string &directory);

// Adds `more` to `values`; throws InputError naming `name` if a PCR of a bank gets two
// different values.
void merge_pcr_values(PcrValues &values, const PcrValues &more, const std::string &name);

// The JSON form (as parse_pcr_values reads it back).
std::string pcr_values_json(const PcrValues &values);

} // namespace trimcheck::verify
