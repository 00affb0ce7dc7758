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

} // namespace trimcheck::test
