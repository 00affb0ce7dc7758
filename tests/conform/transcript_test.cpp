// Transcripts recorded from a fake kernel that answers from the model itself: they replay
// without a mismatch, a changed answer is a mismatch at its step, a recorded crash
// replays as the same failure.
#include "model_kernel.hpp"
#include "trimcheck/conform/transcript.hpp"

#include "trimcheck/props/scenario.hpp"

#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace trimcheck::conform {
namespace {

using namespace model;
using nlohmann::json;

struct Recorded {
  Transcript transcript;
  RunResult run;
};

Recorded record(ProposalId proposal, const std::vector<Action> &actions, test::ModelKernel kernel) {
  Recorded out;
  out.transcript.proposal = proposal;
  out.transcript.seed = 7;
  out.transcript.actions = actions;
  out.transcript.kernel = {{"release", "model"}};
  RecordingKernel recording(kernel, out.transcript);
  RunOptions options;
  options.proposal = proposal;
  out.run = run_sequence(recording, options, actions);
  out.transcript.recorded_mismatch = out.run.mismatch;
  return out;
}

Recorded record(ProposalId proposal, const std::vector<Action> &actions) {
  return record(proposal, actions, test::ModelKernel(proposal, KernelConfig{}));
}

// Through the file format and back, as a replay reads it.
Transcript round_trip(const Transcript &transcript) {
  return transcript_from_json(json::parse(transcript_text(transcript)));
}

class ConformTranscriptReplay : public ::testing::TestWithParam<ProposalId> {};

TEST_P(ConformTranscriptReplay, AFakeKernelRunReplaysWithoutMismatch) {
  const ProposalId proposal = GetParam();
  for (std::uint64_t seed : {3u, 4u}) {
    const Recorded recorded =
        record(proposal, random_sequence(proposal, props::make_config(proposal, {}), seed, 30));
    ASSERT_FALSE(recorded.run.mismatch) << recorded.run.mismatch->what;
    ASSERT_GT(recorded.run.executed.size(), 10u);
    const std::string text = transcript_text(recorded.transcript);
    EXPECT_LT(text.size(), 4'000u * recorded.run.executed.size())
        << "a transcript should stay under 4 KB per action";
    const Transcript read = round_trip(recorded.transcript);
    EXPECT_EQ(read.exchanges.size(), recorded.transcript.exchanges.size());
    const RunResult replayed = replay_transcript(read, "recorded.json");
    EXPECT_FALSE(replayed.mismatch) << replayed.mismatch->what;
    EXPECT_EQ(replayed.executed, recorded.run.executed);
  }
}

INSTANTIATE_TEST_SUITE_P(Proposals, ConformTranscriptReplay,
                         ::testing::Values(ProposalId::baseline_6_12, ProposalId::sassu_v7,
                                           ProposalId::chen_v5),
                         [](const auto &info) {
                           std::string name(proposal_info(info.param).key);
                           for (char &c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           return name;
                         });

// The position of the first exchange after the `step`-th apply that satisfies `wanted`.
template <typename Wanted>
std::size_t exchange_after(const Transcript &transcript, std::size_t step, Wanted wanted) {
  std::size_t applies = 0;
  for (std::size_t i = 0; i < transcript.exchanges.size(); ++i) {
    applies += std::holds_alternative<ApplyQuery>(transcript.exchanges[i].query);
    if (applies >= step && wanted(transcript.exchanges[i]))
      return i;
  }
  ADD_FAILURE() << "no such exchange after step " << step;
  return 0;
}

bool is_pcr10_sha256(const Exchange &exchange) {
  const auto *pcr = std::get_if<PcrQuery>(&exchange.query);
  return pcr && pcr->bank == HashAlgo::sha256 && pcr->index == 10;
}

auto list_read(std::size_t min_length, std::size_t max_length) {
  return [=](const Exchange &exchange) {
    const auto *cat = std::get_if<CatQuery>(&exchange.query);
    return cat && cat->path == "binary_runtime_measurements_sha1" &&
           exchange.answer.data.length() >= min_length &&
           exchange.answer.data.length() <= max_length;
  };
}

// Measurements only: every step changes the lists and the PCRs.
std::vector<Action> measurements(std::uint32_t count) {
  std::vector<Action> actions;
  for (std::uint32_t file = 1; file <= count; ++file)
    actions.push_back(Measure{file, 1});
  return actions;
}

// The step of the apply that precedes exchange `position`.
std::size_t step_of(const Transcript &transcript, std::size_t position) {
  std::size_t step = 0;
  for (std::size_t i = 0; i < position; ++i)
    step += std::holds_alternative<ApplyQuery>(transcript.exchanges[i].query);
  return step;
}

TEST(ConformTranscriptTamper, AChangedPcrAnswerIsAPcrMismatchAtItsStep) {
  Recorded recorded = record(ProposalId::baseline_6_12, measurements(8));
  ASSERT_FALSE(recorded.run.mismatch);
  const std::size_t at = exchange_after(recorded.transcript, 5, is_pcr10_sha256);
  Bytes digest = recorded.transcript.exchanges[at].answer.data.bytes();
  digest[0] ^= 1;
  recorded.transcript.exchanges[at].answer.data = KernelBytes(digest);
  const RunResult replayed = replay_transcript(round_trip(recorded.transcript), "x.json");
  ASSERT_TRUE(replayed.mismatch);
  EXPECT_EQ(replayed.mismatch->category, "pcr");
  EXPECT_EQ(replayed.mismatch->step, 5u);
  EXPECT_NE(replayed.mismatch->what.find("PCR 10 of sha256: kernel " + to_hex(digest)),
            std::string::npos)
      << replayed.mismatch->what;
}

TEST(ConformTranscriptTamper, AChangedInlineListAnswerShowsTheDifferingRecord) {
  Recorded recorded = record(ProposalId::baseline_6_12, measurements(8));
  const std::size_t at = exchange_after(recorded.transcript, 1, list_read(1, kInlineAnswerLimit));
  const std::size_t step = step_of(recorded.transcript, at);
  json document = json::parse(transcript_text(recorded.transcript));
  std::string hex = document["queries"][at]["answer"]["data"];
  ASSERT_TRUE(document["queries"][at]["answer"]["data"].is_string());
  hex[hex.size() - 1] = hex.back() == '0' ? '1' : '0'; // the last byte of the last file name
  document["queries"][at]["answer"]["data"] = hex;
  const RunResult replayed = replay_transcript(transcript_from_json(document), "x.json");
  ASSERT_TRUE(replayed.mismatch);
  EXPECT_EQ(replayed.mismatch->category, "list");
  EXPECT_EQ(replayed.mismatch->step, step);
  EXPECT_NE(replayed.mismatch->what.find("binary_runtime_measurements_sha1: kernel has"),
            std::string::npos)
      << replayed.mismatch->what;
}

TEST(ConformTranscriptTamper, AChangedHashedListAnswerIsComparedByDigest) {
  Recorded recorded = record(ProposalId::baseline_6_12, measurements(12));
  const std::size_t at =
      exchange_after(recorded.transcript, 1, list_read(kInlineAnswerLimit + 1, 1 << 20));
  const std::size_t step = step_of(recorded.transcript, at);
  ASSERT_LT(step, 12u); // not the last read, whose bytes final_lists keeps in full
  json document = json::parse(transcript_text(recorded.transcript));
  json &data = document["queries"][at]["answer"]["data"];
  ASSERT_TRUE(data.is_object()) << data;
  const std::size_t length = data["length"];
  data["length"] = length + 1;
  const RunResult replayed = replay_transcript(transcript_from_json(document), "x.json");
  ASSERT_TRUE(replayed.mismatch);
  EXPECT_EQ(replayed.mismatch->category, "list");
  EXPECT_EQ(replayed.mismatch->step, step);
  const std::string expected = "binary_runtime_measurements_sha1: kernel list sha256 " +
                               data["sha256"].get<std::string>().substr(0, 16) + ".. (" +
                               std::to_string(length + 1) + " bytes), model sha256 ";
  EXPECT_NE(replayed.mismatch->what.find(expected), std::string::npos) << replayed.mismatch->what;
  EXPECT_NE(replayed.mismatch->what.find("(" + std::to_string(length) + " bytes)"),
            std::string::npos)
      << replayed.mismatch->what;
}

TEST(ConformTranscriptTamper, FinalListsKeepTheLastReadInFull) {
  const Recorded recorded = record(ProposalId::baseline_6_12, measurements(12));
  const json document = json::parse(transcript_text(recorded.transcript));
  const std::string last = document["final_lists"]["binary_runtime_measurements_sha1"];
  EXPECT_GT(last.size(), 2 * kInlineAnswerLimit);
  json changed = document;
  changed["final_lists"]["binary_runtime_measurements_sha1"] = last.substr(2);
  try {
    transcript_from_json(changed);
    ADD_FAILURE() << "a final list unlike its read was accepted";
  } catch (const TranscriptFormatError &error) {
    EXPECT_NE(std::string(error.what())
                  .find("final_lists.binary_runtime_measurements_sha1: "
                        "differs from the last read"),
              std::string::npos)
        << error.what();
  }
}

TEST(ConformTranscriptCrash, ARecordedCrashReplaysAsTheSameFailure) {
  const ProposalId proposal = ProposalId::baseline_6_12;
  test::ModelKernel crashing(proposal, KernelConfig{});
  crashing.fail_from(60, vm::VmFailure::Kind::kernel_crash,
                     "BUG: kernel NULL pointer dereference, address: 0000000000000008");
  const Recorded recorded = record(proposal, measurements(20), std::move(crashing));
  ASSERT_TRUE(recorded.run.mismatch);
  EXPECT_EQ(recorded.run.mismatch->category, "kernel-crash");
  ASSERT_TRUE(recorded.transcript.exchanges.back().failure);
  const RunResult replayed = replay_transcript(round_trip(recorded.transcript), "x.json");
  ASSERT_TRUE(replayed.mismatch);
  EXPECT_EQ(replayed.mismatch->step, recorded.run.mismatch->step);
  EXPECT_EQ(replayed.mismatch->category, recorded.run.mismatch->category);
  EXPECT_EQ(replayed.mismatch->what, recorded.run.mismatch->what);
  EXPECT_EQ(replayed.executed, recorded.run.executed);
}

TEST(ConformTranscriptCrash, QueriesAfterAFailureAreMalformed) {
  test::ModelKernel crashing(ProposalId::baseline_6_12, KernelConfig{});
  crashing.fail_from(30, vm::VmFailure::Kind::hung, "no answer within 30 s");
  const Recorded recorded = record(ProposalId::baseline_6_12, measurements(5), std::move(crashing));
  json document = json::parse(transcript_text(recorded.transcript));
  document["queries"].push_back(document["queries"][0]);
  EXPECT_THROW(transcript_from_json(document), TranscriptFormatError);
}

TEST(ConformTranscriptCoverage, AQueryUnlikeTheRecordedOneNamesBoth) {
  Recorded recorded = record(ProposalId::baseline_6_12, measurements(3));
  std::swap(recorded.transcript.exchanges[2], recorded.transcript.exchanges[3]);
  try {
    replay_transcript(recorded.transcript, "runs/x.json");
    ADD_FAILURE() << "a swapped transcript replayed";
  } catch (const TranscriptMismatchError &error) {
    EXPECT_EQ(std::string(error.what()),
              "runs/x.json: the transcript does not cover this run at query 2 (queries[2]): "
              "recorded " +
                  describe(recorded.transcript.exchanges[2].query) + ", asked " +
                  describe(recorded.transcript.exchanges[3].query));
  }
}

TEST(ConformTranscriptCoverage, ARunLongerThanTheRecordingIsNotCovered) {
  Recorded recorded = record(ProposalId::baseline_6_12, measurements(3));
  recorded.transcript.actions.push_back(Measure{9, 1});
  EXPECT_THROW(replay_transcript(recorded.transcript, "x.json"), TranscriptMismatchError);
  recorded.transcript.actions.resize(2);
  EXPECT_THROW(replay_transcript(recorded.transcript, "x.json"), TranscriptMismatchError);
}

TEST(ConformTranscriptFormat, FileNameNamesProposalConfigAndRun) {
  Transcript transcript;
  transcript.proposal = ProposalId::sassu_v7;
  transcript.run = 7;
  EXPECT_EQ(transcript_file_name(transcript), "sassu-v7-default-run-007.json.gz");
  transcript.config.flush_htable = true;
  EXPECT_EQ(transcript_file_name(transcript), "sassu-v7-ima_flush_htable-run-007.json.gz");
}

TEST(ConformTranscriptFile, WrittenCompressedAndReadBackEqual) {
  const Recorded recorded = record(
      ProposalId::chen_v5,
      random_sequence(ProposalId::chen_v5, props::make_config(ProposalId::chen_v5, {}), 3, 20));
  const trimcheck::test::TempDir dir("trimcheck-gz");
  const auto file = dir.path() / transcript_file_name(recorded.transcript);
  write_transcript(file, recorded.transcript);
  std::ifstream in(file, std::ios::binary);
  const std::string raw{std::istreambuf_iterator<char>(in), {}};
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(raw[0]), 0x1f) << "not gzip data";
  EXPECT_EQ(static_cast<unsigned char>(raw[1]), 0x8b) << "not gzip data";
  EXPECT_LT(raw.size() * 3, transcript_text(recorded.transcript).size());
  EXPECT_EQ(read_transcript(file).exchanges, recorded.transcript.exchanges);
}

TEST(ConformTranscriptFile, PlainJsonIsReadToo) {
  const Recorded recorded = record(ProposalId::baseline_6_12, measurements(2));
  const trimcheck::test::TempDir dir("trimcheck-gz");
  const auto file = dir.path() / "plain.json";
  std::ofstream(file, std::ios::binary) << transcript_text(recorded.transcript);
  EXPECT_EQ(read_transcript(file).exchanges, recorded.transcript.exchanges);
}

TEST(ConformTranscriptFile, ATruncatedOrCorruptFileNamesTheFile) {
  const Recorded recorded = record(ProposalId::baseline_6_12, measurements(3));
  const trimcheck::test::TempDir dir("trimcheck-gz");
  const auto file = dir.path() / "x.json.gz";
  write_transcript(file, recorded.transcript);
  std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
  try {
    read_transcript(file);
    FAIL() << "a truncated transcript was accepted";
  } catch (const TranscriptFormatError &error) {
    EXPECT_NE(std::string(error.what()).find(file.string() + ": "), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(read_transcript(dir.path() / "missing.json.gz"), TranscriptFormatError);
  EXPECT_TRUE(is_transcript_file_name("a/b-run-001.json.gz"));
  EXPECT_TRUE(is_transcript_file_name("b.json"));
  EXPECT_FALSE(is_transcript_file_name("README.md"));
  EXPECT_FALSE(is_transcript_file_name(".json.gz"));
}

TEST(ConformTranscriptFormat, WrongTypesNameTheirJsonPath) {
  const Recorded recorded = record(ProposalId::baseline_6_12, measurements(2));
  const json good = json::parse(transcript_text(recorded.transcript));
  auto message = [&](auto change) {
    json document = good;
    change(document);
    try {
      transcript_from_json(document);
    } catch (const TranscriptFormatError &error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  std::size_t cat = 0;
  while (!std::holds_alternative<CatQuery>(recorded.transcript.exchanges.at(cat).query))
    ++cat;
  EXPECT_EQ(message([&](json &d) { d["queries"][cat]["answer"]["ret"] = "3"; }),
            "queries[" + std::to_string(cat) + "].answer.ret: expected an integer");
  EXPECT_EQ(message([](json &d) { d.erase("seed"); }), "seed: missing");
  EXPECT_EQ(message([](json &d) { d["format_version"] = 2; }),
            "format_version: unsupported version 2 (this build reads version 1)");
  EXPECT_EQ(message([](json &d) { d["queries"][0]["query"] = "uname"; }),
            "queries[0].query: expected apply, banks, pcr or cat, not \"uname\"");
  EXPECT_EQ(message([](json &d) { d["actions"][0]["type"] = "nope"; }),
            "actions[0].type: unknown action type \"nope\"");
  EXPECT_EQ(message([](json &d) { d["queries"][1]["answer"]["digest"] = "00"; }),
            "queries[1].answer.digest: expected 20 bytes for sha1");
}

// Archives: many runs of one version and configuration as xz-compressed JSON lines.
std::vector<Transcript> three_runs() {
  std::vector<Transcript> runs;
  for (int run = 1; run <= 3; ++run) {
    Recorded recorded = record(ProposalId::baseline_6_12, measurements(2 + run));
    recorded.transcript.run = run;
    runs.push_back(recorded.transcript);
  }
  return runs;
}

TEST(ConformTranscriptArchive, WrittenAsXzAndReadBackInOrderWithNames) {
  const std::vector<Transcript> runs = three_runs();
  const trimcheck::test::TempDir dir("trimcheck-gz");
  const auto file = dir.path() / transcript_archive_name(runs[0]);
  EXPECT_EQ(file.filename(), "baseline-6.12-default.jsonl.xz");
  write_transcript_archive(file, runs);
  std::ifstream in(file, std::ios::binary);
  const std::string raw{std::istreambuf_iterator<char>(in), {}};
  EXPECT_EQ(raw.substr(0, 6), std::string("\xFD"
                                          "7zXZ\0",
                                          6))
      << "not xz data";
  const std::vector<RecordedTranscript> read = read_transcripts(file);
  ASSERT_EQ(read.size(), 3u);
  for (std::size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].transcript.exchanges, runs[i].exchanges);
    EXPECT_EQ(read[i].source, file.string() + " line " + std::to_string(i + 1));
    EXPECT_EQ(read[i].name, "baseline-6.12-default-run-00" + std::to_string(i + 1));
    EXPECT_FALSE(replay_transcript(read[i].transcript, read[i].source).mismatch);
  }
  EXPECT_TRUE(is_transcript_file_name(file));
  EXPECT_EQ(transcript_stem(file), "baseline-6.12-default");
}

TEST(ConformTranscriptArchive, AMalformedLineNamesTheArchiveAndLine) {
  const std::vector<Transcript> runs = three_runs();
  const trimcheck::test::TempDir dir("trimcheck-gz");
  const auto file = dir.path() / "runs.jsonl";
  std::string text;
  for (const Transcript &run : runs) {
    auto line = to_json(run);
    if (run.run == 2)
      line["seed"] = "x";
    text += line.dump() + "\n";
  }
  std::ofstream(file, std::ios::binary) << text;
  try {
    read_transcripts(file);
    FAIL() << "a malformed line was accepted";
  } catch (const TranscriptFormatError &error) {
    EXPECT_EQ(std::string(error.what()),
              file.string() + " line 2: seed: expected a non-negative integer")
        << error.what();
  }
}

TEST(ConformTranscriptArchive, ATruncatedOrEmptyArchiveIsRefused) {
  const trimcheck::test::TempDir dir("trimcheck-gz");
  const auto file = dir.path() / "runs.jsonl.xz";
  write_transcript_archive(file, three_runs());
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 20);
  try {
    read_transcripts(file);
    FAIL() << "a truncated archive was accepted";
  } catch (const TranscriptFormatError &error) {
    EXPECT_NE(std::string(error.what()).find(file.string() + ": corrupt xz data"),
              std::string::npos)
        << error.what();
  }
  write_transcript_archive(file, {});
  EXPECT_THROW(read_transcripts(file), TranscriptFormatError);
}

} // namespace
} // namespace trimcheck::conform
