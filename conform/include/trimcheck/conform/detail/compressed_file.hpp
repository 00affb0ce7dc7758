// Recorded files are compressed: a transcript (`*.json.gz`) is one run as gzip-compressed
// JSON, a transcript archive (`*.jsonl.xz`) is many runs of one version and configuration
// as xz-compressed JSON lines. A run's answers repeat the same keys, digests and boot
// queries, and runs of one configuration repeat each other: gzip takes one run to about an
// eighth, xz over fifty runs to less than half of that again, which keeps every recorded
// configuration within the test data's size budget. Plain files are read as well.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace trimcheck::conform::detail {

struct CompressedFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The file's bytes, decompressed if they are gzip or xz data (told by their magic bytes);
// throws CompressedFileError naming the file (missing, unreadable, or a corrupt or
// truncated stream).
std::string read_compressed_or_plain(const std::filesystem::path &file);
// Writes `text` gzip-compressed (level 9); throws CompressedFileError naming the file.
void write_gzip(const std::filesystem::path &file, const std::string &text);
// Writes `text` xz-compressed (preset 9, extreme); throws CompressedFileError naming the file.
void write_xz(const std::filesystem::path &file, const std::string &text);

// `text` parsed; throws TranscriptFormatError "<source>: not valid JSON (parse error at
// line 3, ...)".
nlohmann::json parse_json(const std::string &text, const std::string &source);
// A JSON file, compressed or plain; throws TranscriptFormatError naming the file
// ("x.json.gz: not valid JSON (parse error at line 3, ...)").
nlohmann::json read_json_file(const std::filesystem::path &file);

} // namespace trimcheck::conform::detail
