// `trimcheck conform --transcripts`: recorded real-kernel runs compared with the model
// again, without a VM (docs/vm.md, "Transcripts").
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::cli {

// The recorded files `paths` name (conform --transcripts, confirm --recheck): files as
// given, directories' *.json.gz and *.json recursively, in name order. Prints
// "trimcheck <command>: no <what> (*.json.gz or *.json) at <path>" and returns nullopt for
// a missing path or a directory without any.
std::optional<std::vector<std::filesystem::path>>
recorded_files(const std::vector<std::string> &paths, std::string_view command,
               std::string_view what);

// Replays every transcript in `paths` (files, or directories searched recursively for
// *.json.gz and *.json), optionally only those of `proposal`; a mismatch's trace goes to `out`.
// Returns 0 all conform, 1 a mismatch, 2 bad input.
int replay_transcripts(const std::vector<std::string> &paths, const std::string &proposal,
                       const std::string &out);

} // namespace trimcheck::cli
