// Transcripts: one conformance run on a real kernel, recorded as every question the model
// side asked the kernel and its answer, in order, so that the run can be compared with
// the model again without a VM (docs/vm.md, "Transcripts"). RecordingKernel writes one
// while a live run goes on; TranscriptKernel answers from one.
#pragma once

#include "trimcheck/conform/conform.hpp"
#include "trimcheck/conform/kernel_under_test.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace trimcheck::conform {

// The four questions of KernelUnderTest.
struct ApplyQuery {
  model::Action action;
  bool operator==(const ApplyQuery &) const = default;
};
struct BanksQuery {
  bool operator==(const BanksQuery &) const = default;
};
struct PcrQuery {
  model::HashAlgo bank = model::HashAlgo::sha1;
  std::size_t index = 0;
  bool operator==(const PcrQuery &) const = default;
};
struct CatQuery {
  std::string path;
  bool in_full = false; // the answer is kept whole, however long
  bool operator==(const CatQuery &) const = default;
};
using Query = std::variant<ApplyQuery, BanksQuery, PcrQuery, CatQuery>;

// "apply measure f1 v1", "banks", "pcr sha256 10", "cat violations".
std::string describe(const Query &query);

// A guest failure (vm::VmFailure) seen in place of an answer.
struct RecordedFailure {
  vm::VmFailure::Kind kind = vm::VmFailure::Kind::kernel_crash;
  std::string report;
  bool operator==(const RecordedFailure &) const = default;
};

// One question and its answer: apply and cat answer `answer`; pcr answers the digest as
// answer.data; banks answers `banks`. With `failure` the call threw instead.
struct Exchange {
  Query query;
  KernelAnswer answer;
  std::vector<model::HashAlgo> banks;
  std::optional<RecordedFailure> failure;
  bool operator==(const Exchange &) const = default;
};

struct Transcript {
  static constexpr int kFormatVersion = 1;
  // Free-form identity of the kernel (release, config options, command line, base tree,
  // series and its patches' Message-IDs): from --kernel-info and the guest.
  nlohmann::json kernel = nlohmann::json::object();
  model::ProposalId proposal = model::baseline_proposal();
  model::KernelConfig config;
  std::uint64_t seed = 0;             // conform's --seed
  int run = 1;                        // 1-based run index within that conform
  std::vector<model::Action> actions; // the sequence asked for (the model may skip some)
  std::vector<Exchange> exchanges;
  // The recorded run's verdict, for a reader (replay recomputes it).
  std::optional<Mismatch> recorded_mismatch;
};

class TranscriptFormatError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Answers longer than this many bytes are written as {"sha256", "length"}.
inline constexpr std::size_t kInlineAnswerLimit = 512;

// JSON (docs/vm.md): short byte strings as hex, long ones by SHA-256 and length, and the
// full bytes of the last read of each list file under "final_lists".
nlohmann::ordered_json to_json(const Transcript &transcript);
// The file text: the header indented, one action and one query per line.
std::string transcript_text(const Transcript &transcript);
// Throws TranscriptFormatError "<json path>: <problem>", e.g.
// "queries[12].answer.ret: expected an integer".
Transcript transcript_from_json(const nlohmann::json &json);
// Reads and parses a file (gzip-compressed or plain JSON); throws TranscriptFormatError
// "<file>: <json path>: <problem>".
Transcript read_transcript(const std::filesystem::path &file);
// <proposal>-<config description or "default">-run-NNN.json.gz
std::string transcript_file_name(const Transcript &transcript);
// Writes transcript_text() gzip-compressed; throws std::runtime_error naming the file.
void write_transcript(const std::filesystem::path &file, const Transcript &transcript);
// Whether `file` is named as a transcript (*.json, *.json.gz) or a transcript archive
// (*.jsonl, *.jsonl.xz).
bool is_transcript_file_name(const std::filesystem::path &file);
// The file name without its suffix: "<version>-default-run-007", "<version>-default".
std::string transcript_stem(const std::filesystem::path &file);

// A transcript archive holds the runs of one version and configuration: one transcript's
// JSON per line, xz-compressed (`<proposal>-<config>.jsonl.xz`). Runs of one configuration
// share most of their bytes (the boot queries, the same list answers), which one xz stream
// over all of them stores once (docs/vm.md, "Transcripts").
struct RecordedTranscript {
  std::string source; // "<file>" or "<archive> line N", for messages
  std::string name;   // "<proposal>-<config>-run-NNN": names the run's mismatch trace
  Transcript transcript;
};
// The runs in a transcript file or archive (told by the name: *.jsonl[.xz] is an archive);
// throws TranscriptFormatError "<file>[ line N]: <json path>: <problem>".
std::vector<RecordedTranscript> read_transcripts(const std::filesystem::path &file);
// <proposal>-<config description or "default">.jsonl.xz
std::string transcript_archive_name(const Transcript &transcript);
// Writes `runs` as an archive, one line each, in the order given; throws std::runtime_error
// naming the file.
void write_transcript_archive(const std::filesystem::path &file,
                              const std::vector<Transcript> &runs);

// Passes every call to `inner` and appends it, with its answer or failure, to `out`.
class RecordingKernel : public KernelUnderTest {
public:
  RecordingKernel(KernelUnderTest &inner, Transcript &out) : inner_(inner), out_(out) {}

  KernelAnswer apply(const model::Action &action) override;
  std::vector<model::HashAlgo> banks() override;
  model::Digest pcr(model::HashAlgo bank, std::size_t index) override;
  KernelAnswer cat(const std::string &path, bool in_full = false) override;

private:
  KernelUnderTest &inner_;
  Transcript &out_;
};

// The model side asked something the transcript does not hold at that point (another
// action, file or PCR, or more than was recorded).
class TranscriptMismatchError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Answers from a recorded transcript, in order; a recorded failure is thrown again as
// vm::VmFailure at the same point. `source` names the transcript in errors.
class TranscriptKernel : public KernelUnderTest {
public:
  TranscriptKernel(const Transcript &transcript, std::string source)
      : transcript_(transcript), source_(std::move(source)) {}

  KernelAnswer apply(const model::Action &action) override;
  std::vector<model::HashAlgo> banks() override;
  model::Digest pcr(model::HashAlgo bank, std::size_t index) override;
  KernelAnswer cat(const std::string &path, bool in_full = false) override;

  // Throws TranscriptMismatchError unless every recorded exchange was asked.
  void expect_all_asked() const;

private:
  const Exchange &next(const Query &query);

  const Transcript &transcript_;
  std::string source_;
  std::size_t position_ = 0;
};

// The run of a transcript on the model, the kernel's answers taken from the transcript.
// Throws TranscriptMismatchError if the model side asks what was not recorded.
RunResult replay_transcript(const Transcript &transcript, const std::string &source);

} // namespace trimcheck::conform
