// A checkpoint: where a previous successful verification ended, so the next one can
// start there instead of at boot (incremental verification, as keylime keeps it).
//
// After `trimcheck verify ... --write-checkpoint FILE` succeeds, FILE holds the number
// of records verified since boot, the identity of the last of them, and for every
// verified bank the values of every PCR the log extended, i.e. the PCR state right after
// that record. Those values were just proven equal to the TPM (or to a signed quote), so
// they are a trust anchor held by the verifier, never by the kernel (P11).
//
// The next run (`--checkpoint FILE`) replays from these values. Its records may start
// right after the checkpoint, or repeat records the checkpoint already covers (the agent
// trimmed fewer records than were verified): then the records up to the repeated last
// record are skipped. See docs/verify.md for what the verifier can decide.
//
// File format (JSON):
//   {"format": "trimcheck-checkpoint-1", "records": 1234,
//    "last_record": "<hex sha256 of the record identity>",
//    "pcrs": {"sha1": {"10": "<hex>"}, "sha256": {"10": "<hex>"}}, "padded": ["sha384"]}
#pragma once

#include "trimcheck/verify/pcr_values.hpp"

#include <cstdint>
#include <optional>

namespace trimcheck::verify {

struct Checkpoint {
  std::uint64_t records = 0;           // records verified since boot
  model::Digest last_record;           // record_identity() of the last one (empty if none)
  PcrValues pcrs;                      // state after that record, per bank
  std::vector<model::HashAlgo> padded; // banks the kernel extended with padded SHA-1
  bool operator==(const Checkpoint &) const = default;
};

std::string checkpoint_json(const Checkpoint &checkpoint);
// Throws InputError naming `name` and the key that is missing or malformed.
Checkpoint parse_checkpoint(const std::string &name, std::span<const std::uint8_t> bytes);

} // namespace trimcheck::verify
