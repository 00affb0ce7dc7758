// `trimcheck conform --transcripts`: recorded real-kernel runs compared with the model
// again, without a VM (docs/vm.md, "Transcripts").
#pragma once

#include "trimcheck/conform/conform.hpp"

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::cli {

// The recorded files `paths` name (conform --transcripts, confirm --recheck): files as
// given, directories' *.json.gz, *.json and *.jsonl.xz recursively, in name order. Prints
// "trimcheck <command>: no <what> (*.json.gz, *.json or *.jsonl.xz) at <path>" and returns nullopt
// for a missing path or a directory without any.
std::optional<std::vector<std::filesystem::path>>
recorded_files(const std::vector<std::string> &paths, std::string_view command,
               std::string_view what);

// Replays every transcript in `paths` (files and archives, or directories searched
// recursively for them), optionally only those of `proposal`; a mismatch's trace goes to `out`.
// Returns 0 all conform, 1 a mismatch, 2 bad input.
struct TranscriptOutput {
  bool json = false;  // one JSON document on stdout instead of text
  bool quiet = false; // no progress lines on stderr
};
int replay_transcripts(const std::vector<std::string> &paths, const std::string &proposal,
                       const std::string &out, TranscriptOutput output);

// The --json document of conform, live or from transcripts ("mode": "kernel" or
// "transcripts"): "conforms" is true when "mismatches" is empty; "coverage" maps a version
// (and kernel) to its coverage line.
nlohmann::json conform_document(nlohmann::json proposal, std::string_view mode, std::size_t runs,
                                std::size_t actions, nlohmann::json mismatches,
                                nlohmann::json coverage);

// A mismatch of conform, live or from a transcript: its trace written to <stem>.json and
// <stem>.txt, the entry of the document's "mismatches" (source, what, trace,
// trace_length; callers add what only they know) and the trace as text.
struct WrittenMismatch {
  nlohmann::json entry;
  std::string text;
};
WrittenMismatch write_mismatch(const std::string &stem, const std::string &source,
                               const conform::RunResult &run, std::uint64_t seed);

// Writes the transcripts in `paths` (optionally only those of `proposal`) as one archive
// per version and configuration, `dir`/<proposal>/<proposal>-<config>.jsonl.xz, runs in
// the order read; an archive that exists already is not overwritten. Returns 0, or 2 for
// bad input or an existing archive.
int pack_transcripts(const std::vector<std::string> &paths, const std::string &proposal,
                     const std::string &dir);

} // namespace trimcheck::cli
