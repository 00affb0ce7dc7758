#include "trimcheck/conform/detail/compressed_file.hpp"
#include "trimcheck/conform/transcript.hpp"

namespace trimcheck::conform {
namespace {

// *.jsonl or *.jsonl.xz (the other transcript names are single runs).
bool is_archive(const std::filesystem::path &file) {
  const std::filesystem::path name = file.filename();
  return name.extension() == ".jsonl" ||
         (name.extension() == ".xz" && name.stem().extension() == ".jsonl");
}

Transcript transcript_on_line(const std::string &line, const std::string &source) {
  const nlohmann::json document = detail::parse_json(line, source);
  try {
    return transcript_from_json(document);
  } catch (const TranscriptFormatError &error) {
    throw TranscriptFormatError(source + ": " + error.what());
  }
}

} // namespace

std::vector<RecordedTranscript> read_transcripts(const std::filesystem::path &file) {
  if (!is_archive(file)) {
    Transcript transcript = read_transcript(file);
    return {{file.string(), transcript_stem(file), std::move(transcript)}};
  }
  std::string text;
  try {
    text = detail::read_compressed_or_plain(file);
  } catch (const detail::CompressedFileError &error) {
    throw TranscriptFormatError(error.what());
  }
  std::vector<RecordedTranscript> runs;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    ++line_number;
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    const std::string source = file.string() + " line " + std::to_string(line_number);
    Transcript transcript = transcript_on_line(line, source);
    const std::string name = transcript_stem(transcript_file_name(transcript));
    runs.push_back({source, name, std::move(transcript)});
  }
  if (runs.empty())
    throw TranscriptFormatError(file.string() + ": an archive without any transcript");
  return runs;
}

void write_transcript_archive(const std::filesystem::path &file,
                              const std::vector<Transcript> &runs) {
  std::string text;
  for (const Transcript &run : runs)
    text += to_json(run).dump() + "\n";
  try {
    detail::write_xz(file, text);
  } catch (const detail::CompressedFileError &error) {
    throw std::runtime_error(error.what());
  }
}

} // namespace trimcheck::conform
