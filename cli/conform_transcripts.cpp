#include "conform_transcripts.hpp"
#include "commands.hpp"
#include "json_document.hpp"
#include "report_io.hpp"

#include "trimcheck/conform/transcript.hpp"
#include "trimcheck/model/proposal.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

namespace trimcheck::cli {
namespace {

namespace fs = std::filesystem;

std::string release_of(const conform::Transcript &transcript) {
  auto it = transcript.kernel.find("release");
  return it != transcript.kernel.end() && it->is_string() ? it->get<std::string>() : "unknown";
}

// Writes the unshrunk trace and prints the report a live run prints (not with --json);
// returns the mismatch for the JSON document.
nlohmann::json report_mismatch(const conform::RecordedTranscript &file,
                               const conform::RunResult &run, const std::string &out, bool json) {
  make_directories(out);
  const std::string base = out + "/conform-" + file.name;
  WrittenMismatch written = write_mismatch(base, file.source, run, file.transcript.seed);
  if (!json)
    std::cout << "MISMATCH in " << file.source << " (kernel " << release_of(file.transcript)
              << "), not shrunk: shrinking needs a VM; " << run.executed.size()
              << " actions (trace: " << base << ".json)\n"
              << written.text;
  written.entry["kernel_release"] = release_of(file.transcript);
  return written.entry;
}

} // namespace

WrittenMismatch write_mismatch(const std::string &stem, const std::string &source,
                               const conform::RunResult &run, std::uint64_t seed) {
  props::Trace trace = run.trace;
  trace.seed = seed;
  trace.violation = run.mismatch->what;
  write_file(stem + ".json", props::to_json(trace).dump(2) + "\n");
  std::string text = props::render_text(trace);
  write_file(stem + ".txt", text);
  return {{{"source", source},
           {"what", run.mismatch->what},
           {"trace", stem + ".json"},
           {"trace_length", run.executed.size()}},
          std::move(text)};
}

std::optional<std::vector<fs::path>> recorded_files(const std::vector<std::string> &paths,
                                                    std::string_view command,
                                                    std::string_view what) {
  std::vector<fs::path> files;
  for (const std::string &path : paths) {
    if (fs::is_regular_file(path)) {
      files.emplace_back(path);
      continue;
    }
    std::vector<fs::path> found;
    if (fs::is_directory(path))
      for (const auto &entry : fs::recursive_directory_iterator(path))
        if (entry.is_regular_file() && conform::is_transcript_file_name(entry.path()))
          found.push_back(entry.path());
    if (found.empty()) {
      std::cerr << "trimcheck " << command << ": no " << what
                << " (*.json.gz, *.json or *.jsonl.xz) at " << path << "\n";
      return std::nullopt;
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

namespace {

// Every run in `paths` (of `proposal` only, unless empty), or nullopt after printing why not.
std::optional<std::vector<conform::RecordedTranscript>>
read_recorded_runs(const std::vector<std::string> &paths, const std::string &proposal) {
  std::optional<model::ProposalId> only;
  if (!proposal.empty() && !(only = model::proposal_from_key(proposal))) {
    std::cerr << "trimcheck conform: unknown version '" << proposal << "' (see `trimcheck list`)\n";
    return std::nullopt;
  }
  const auto files = recorded_files(paths, "conform", "transcript");
  if (!files)
    return std::nullopt;
  std::vector<conform::RecordedTranscript> transcripts;
  bool malformed = false;
  for (const fs::path &path : *files) {
    try {
      for (conform::RecordedTranscript &recorded : conform::read_transcripts(path))
        if (!only || recorded.transcript.proposal == *only)
          transcripts.push_back(std::move(recorded));
    } catch (const conform::TranscriptFormatError &error) {
      std::cerr << "trimcheck conform: " << error.what() << "\n";
      malformed = true;
    }
  }
  if (malformed)
    return std::nullopt;
  if (transcripts.empty()) {
    std::cerr << "trimcheck conform: no transcript of " << proposal << " among " << files->size()
              << " files\n";
    return std::nullopt;
  }
  return transcripts;
}

} // namespace

int pack_transcripts(const std::vector<std::string> &paths, const std::string &proposal,
                     const std::string &dir) {
  const auto transcripts = read_recorded_runs(paths, proposal);
  if (!transcripts)
    return kExitBadInput;
  std::map<fs::path, std::vector<conform::Transcript>> archives; // by file
  for (const conform::RecordedTranscript &recorded : *transcripts)
    archives[fs::path(dir) / model::proposal_info(recorded.transcript.proposal).key /
             conform::transcript_archive_name(recorded.transcript)]
        .push_back(recorded.transcript);
  for (const auto &[file, runs] : archives)
    if (fs::exists(file)) {
      std::cerr << "trimcheck conform: " << file.string()
                << " exists; to add runs to it, give it to --transcripts and pack into another "
                   "directory\n";
      return kExitBadInput;
    }
  for (const auto &[file, runs] : archives) {
    make_directories(file.parent_path().string());
    try {
      conform::write_transcript_archive(file, runs);
    } catch (const std::runtime_error &error) {
      throw OutputError(error.what());
    }
    std::cout << "packed " << runs.size() << " runs into " << file.string() << " ("
              << fs::file_size(file) << " bytes)\n";
  }
  return kExitOk;
}

int replay_transcripts(const std::vector<std::string> &paths, const std::string &proposal,
                       const std::string &out, TranscriptOutput output) {
  const bool json = output.json;
  const auto read = read_recorded_runs(paths, proposal);
  if (!read)
    return kExitBadInput;
  const std::vector<conform::RecordedTranscript> &transcripts = *read;
  int exit_code = kExitOk;
  std::size_t actions = 0;
  std::map<std::string, conform::Coverage> coverage; // by version and kernel release
  nlohmann::json mismatches = nlohmann::json::array();
  for (std::size_t i = 0; i < transcripts.size(); ++i) {
    const conform::RecordedTranscript &file = transcripts[i];
    const std::string key(model::proposal_info(file.transcript.proposal).key);
    const std::string which = "transcript " + std::to_string(i + 1) + "/" +
                              std::to_string(transcripts.size()) + " " + file.source + " (" + key +
                              ", kernel " + release_of(file.transcript) + "): ";
    try {
      const conform::RunResult run = conform::replay_transcript(file.transcript, file.source);
      actions += run.executed.size();
      coverage[key + " on " + release_of(file.transcript)].add(run.coverage);
      if (!output.quiet)
        std::cerr << which << run.executed.size() << " actions, "
                  << (run.mismatch ? "MISMATCH" : "conforms") << "\n";
      if (run.mismatch) {
        mismatches.push_back(report_mismatch(file, run, out, json));
        exit_code = std::max(exit_code, kExitFinding);
      }
    } catch (const std::runtime_error &error) { // not covered, or banks unlike the config
      const bool names_file = dynamic_cast<const conform::TranscriptMismatchError *>(&error);
      std::cerr << which << "cannot be replayed\ntrimcheck conform: "
                << (names_file ? "" : file.source + ": ") << error.what() << "\n";
      if (file.transcript.recorded_mismatch)
        std::cerr << "  (the recorded run stopped at its mismatch at step "
                  << file.transcript.recorded_mismatch->step
                  << ": the model now answers differently from when it was recorded)\n";
      exit_code = kExitBadInput;
    }
  }
  if (json) {
    nlohmann::json coverage_lines = nlohmann::json::object();
    for (const auto &[version, covered] : coverage)
      coverage_lines[version] = covered.line();
    if (exit_code != kExitBadInput)
      std::cout << conform_document(proposal.empty() ? nlohmann::json() : nlohmann::json(proposal),
                                    "transcripts", transcripts.size(), actions, mismatches,
                                    coverage_lines)
                       .dump(2)
                << "\n";
    return exit_code;
  }
  for (const auto &[version, covered] : coverage)
    std::cout << "coverage " << version << ": " << covered.line() << "\n";
  if (exit_code == kExitOk)
    std::cout << "conforms: " << transcripts.size() << " transcripts, " << actions
              << " actions, every observation equal to the model's\n";
  return exit_code;
}

nlohmann::json conform_document(nlohmann::json proposal, std::string_view mode, std::size_t runs,
                                std::size_t actions, nlohmann::json mismatches,
                                nlohmann::json coverage) {
  const bool conforms = mismatches.empty();
  return json_document("conform", {{"proposal", std::move(proposal)},
                                   {"mode", mode},
                                   {"runs", runs},
                                   {"actions", actions},
                                   {"conforms", conforms},
                                   {"mismatches", std::move(mismatches)},
                                   {"coverage", std::move(coverage)}});
}

} // namespace trimcheck::cli
