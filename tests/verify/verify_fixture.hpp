// Helpers of the verifier tests: logs cut into pieces, requests, and the real-kernel
// captures of tests/data/real-kernel read as files.
#pragma once

#include "trimcheck/verify/synthetic_log.hpp"
#include "trimcheck/verify/verifier.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace trimcheck::test {

model::Bytes read_bytes(const std::filesystem::path &path);
std::filesystem::path capture_dir(const std::string &capture, const std::string &snapshot);
// The snapshot's list (the sha256 file where the kernel wrote one, else the sha1 file).
std::filesystem::path capture_list(const std::string &capture, const std::string &snapshot);
verify::PcrValues capture_pcrs(const std::string &capture, const std::string &snapshot);

// Records [first, last) of a list file's records, serialised again (a saved chunk).
model::Bytes slice_list(const model::Bytes &list, model::HashAlgo bank, std::size_t first,
                        std::size_t last);

// A piece named `name` from bytes.
verify::LogPiece piece(const std::string &name, const model::Bytes &bytes, model::HashAlgo bank);

verify::VerifyRequest request(std::vector<verify::LogPiece> pieces, verify::PcrValues pcrs);

// The snapshots of tests/data/real-kernel whose lists replay to their PCRs.
struct Snapshot {
  std::string capture, snapshot;
};
const std::vector<Snapshot> &replayable_snapshots();

// What evmctl (ima-evm-utils) said of a list replayed against the sha1 and sha256 values of
// `pcrs` (written into `scratch` as evmctl's --pcrs files, "PCR-NN: HEX" lines), with
// --ignore-violations, under which it extends a violation as the kernel does.
struct EvmctlReplay {
  bool matched = false; // "Matched per TPM bank calculated digest(s)"
  int exit_status = -1;
  std::string output;
};
EvmctlReplay evmctl_replay(const std::filesystem::path &scratch, const std::filesystem::path &list,
                           const verify::PcrValues &pcrs);

} // namespace trimcheck::test
