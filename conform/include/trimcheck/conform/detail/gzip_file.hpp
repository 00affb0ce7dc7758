// Transcript files are gzip-compressed JSON (`*.json.gz`): a run's answers repeat the same
// keys and digests, and compress about eightfold, which keeps hundreds of recorded runs
// per version within the test data's size budget. Plain `*.json` is read as well.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace trimcheck::conform::detail {

struct GzipFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The file's bytes, decompressed if it is gzip data; throws GzipFileError naming the file
// (missing, unreadable, or a corrupt or truncated gzip stream).
std::string read_gzip_or_plain(const std::filesystem::path &file);
// Writes `text` gzip-compressed (level 9); throws GzipFileError naming the file.
void write_gzip(const std::filesystem::path &file, const std::string &text);

// A JSON file, gzip-compressed or plain; throws TranscriptFormatError naming the file
// ("x.json.gz: not valid JSON (parse error at line 3, ...)").
nlohmann::json read_json_file(const std::filesystem::path &file);

} // namespace trimcheck::conform::detail
