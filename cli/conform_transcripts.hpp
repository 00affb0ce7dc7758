// `trimcheck conform --transcripts`: recorded real-kernel runs compared with the model
// again, without a VM (docs/vm.md, "Transcripts").
#pragma once

#include <string>
#include <vector>

namespace trimcheck::cli {

// Replays every transcript in `paths` (files, or directories searched recursively for
// *.json), optionally only those of `proposal`; a mismatch's trace goes to `out`.
// Returns 0 all conform, 1 a mismatch, 2 bad input.
int replay_transcripts(const std::vector<std::string> &paths, const std::string &proposal,
                       const std::string &out);

} // namespace trimcheck::cli
