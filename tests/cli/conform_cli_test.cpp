// `trimcheck conform` and `replay --kernel`: bad input is one message and exit 2; replay
// of committed transcripts (no VM).
#include "cli_harness.hpp"
#include "trimcheck/conform/detail/compressed_file.hpp"
#include "trimcheck/conform/transcript.hpp"
#include "trimcheck/props/trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <unistd.h>

namespace {

using Result = trimcheck::test::CliRun;

Result run(const std::string &args) {
  return trimcheck::test::run(args, true);
}

TEST(ConformCli, HelpTeachesWhatExampleAndExitCodes) {
  const Result help = run("conform --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Example"), std::string::npos);
  EXPECT_NE(help.out.find("Exit codes: 0 the kernel conforms, 1 a mismatch"), std::string::npos);
  EXPECT_NE(run("replay --help").out.find("--kernel"), std::string::npos);
}

TEST(ConformCli, MissingKernelIsBadInput) {
  const Result result = run("conform --kernel /nonexistent/bzImage --proposal baseline-6.12");
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.out.find("kernel image not found"), std::string::npos);
}

TEST(ConformCli, UnknownProposalIsBadInput) {
  const Result result = run("conform --kernel /dev/null --proposal nope");
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.out.find("unknown version 'nope'"), std::string::npos);
}

TEST(ConformCli, MissingOptionsAreBadInput) {
  EXPECT_EQ(run("conform --proposal baseline-6.12").code, 2);
  EXPECT_EQ(run("conform --kernel x --proposal baseline-6.12 --runs 0").code, 2);
}

TEST(ConformCli, AFileThatDoesNotBootIsBadInputNotAMismatch) {
  // QEMU is started on a file that is no kernel: nothing can be compared, so this is a VM
  // that could not be started (exit 2), not a kernel crash the model did not predict.
  const Result result =
      run("conform --kernel " TRIMCHECK_SOURCE_DIR "/README.md --proposal baseline-6.12 --runs 1");
  EXPECT_EQ(result.code, 2) << result.out;
  // QEMU refuses the file and exits at once, before or after it opened the data channel:
  // one message either way, with QEMU's own reason.
  EXPECT_NE(result.out.find("the kernel did not boot to the guest agent"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("QEMU exited with status"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("qemu:"), std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("MISMATCH"), std::string::npos) << result.out;
}

TEST(ConformCli, ReplayOnAMissingKernelIsBadInput) {
  char path[] = "/tmp/trimcheck-conform-cli.XXXXXX";
  const int fd = mkstemp(path);
  trimcheck::props::Trace conform_trace;
  conform_trace.property = "conform";
  conform_trace.source = "conform";
  conform_trace.steps.push_back({trimcheck::model::Action{trimcheck::model::KexecLoad{}}, {}});
  const std::string trace = trimcheck::props::to_json(conform_trace).dump();
  (void)!write(fd, trace.data(), trace.size());
  close(fd);
  const Result result = run(std::string("replay ") + path + " --kernel /nonexistent/bzImage");
  EXPECT_EQ(result.code, 2);
  EXPECT_NE(result.out.find("kernel image not found"), std::string::npos) << result.out;
  const Result model_only = run(std::string("replay ") + path);
  EXPECT_EQ(model_only.code, 2);
  EXPECT_NE(model_only.out.find("--kernel"), std::string::npos) << model_only.out;
  std::remove(path);
}

} // namespace

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kFakeTranscripts = fs::path(TRIMCHECK_TEST_DATA) / "transcripts" / "fake-model";

fs::path first_transcript() {
  std::vector<fs::path> files;
  for (const auto &entry : fs::directory_iterator(kFakeTranscripts))
    if (trimcheck::conform::is_transcript_file_name(entry.path()))
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files.at(0);
}

TEST(ConformCliTranscripts, HelpTeachesRecordAndReplay) {
  const Result help = run("conform --help");
  EXPECT_NE(help.out.find("--record"), std::string::npos);
  EXPECT_NE(help.out.find("--kernel-info"), std::string::npos);
  EXPECT_NE(help.out.find("trimcheck conform --transcripts"), std::string::npos);
}

TEST(ConformCliTranscripts, CommittedFakeKernelTranscriptsConform) {
  const Result result = run("conform --transcripts " + kFakeTranscripts.string());
  EXPECT_EQ(result.code, 0) << result.out;
  EXPECT_NE(result.out.find("conforms: 3 transcripts"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("transcript 1/3 "), std::string::npos) << result.out;
  const Result only = run("conform --proposal sassu-v7 --transcripts " + kFakeTranscripts.string());
  EXPECT_EQ(only.code, 0) << only.out;
  EXPECT_NE(only.out.find("conforms: 1 transcripts"), std::string::npos) << only.out;
}

TEST(ConformCliTranscripts, ATamperedCopyIsAMismatchWithItsTrace) {
  trimcheck::test::TempDir dir;
  fs::copy(kFakeTranscripts, dir.path() / "runs", fs::copy_options::recursive);
  const fs::path recorded = dir.path() / "runs" / first_transcript().filename();
  json document = json::parse(trimcheck::conform::detail::read_compressed_or_plain(recorded));
  fs::remove(recorded); // replaced by a plain JSON copy
  const fs::path file =
      dir.path() / "runs" / (trimcheck::conform::transcript_stem(recorded) + ".json");
  for (json &query : document["queries"])
    if (query["query"] == "pcr" && query["index"] == 10 && query["bank"] == "sha256") {
      std::string digest = query["answer"]["digest"];
      digest[0] = digest[0] == 'a' ? 'b' : 'a';
      query["answer"]["digest"] = digest;
      break;
    }
  std::ofstream(file) << document.dump();
  const fs::path out = dir.path() / "out";
  const Result result =
      run("conform --transcripts " + (dir.path() / "runs").string() + " --out " + out.string());
  EXPECT_EQ(result.code, 1) << result.out;
  EXPECT_NE(result.out.find("MISMATCH in " + file.string()), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("not shrunk: shrinking needs a VM"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("PCR 10 of sha256"), std::string::npos) << result.out;
  EXPECT_TRUE(fs::exists(out / ("conform-" + file.stem().string() + ".json")));
  EXPECT_EQ(fs::path(recorded).stem().stem(), file.stem());
}

// Writes a changed copy of a committed transcript and replays it; exit 2 expected.
Result malformed(const std::function<void(std::string &)> &change, const fs::path &file) {
  std::string text = trimcheck::conform::detail::read_compressed_or_plain(first_transcript());
  change(text);
  std::ofstream(file) << text;
  return run("conform --transcripts " + file.string());
}

void edit_json(std::string &text, const std::function<void(json &)> &edit) {
  json document = json::parse(text);
  edit(document);
  text = document.dump();
}

TEST(ConformCliTranscripts, MalformedTranscriptsAreBadInputNamingFileAndPath) {
  trimcheck::test::TempDir dir;
  const fs::path file = dir.path() / "x.json";
  const std::string prefix = "trimcheck conform: " + file.string() + ": ";
  struct Case {
    std::function<void(std::string &)> change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](std::string &t) { t.resize(t.size() / 2); }, "not valid JSON (parse error at line"},
      {[](std::string &t) { edit_json(t, [](json &d) { d.erase("proposal"); }); },
       "proposal: missing"},
      {[](std::string &t) {
         edit_json(t, [](json &d) {
           for (json &query : d["queries"])
             if (query["query"] == "cat") {
               query["answer"]["ret"] = "12";
               break;
             }
         });
       },
       ".answer.ret: expected an integer"},
      {[](std::string &t) { edit_json(t, [](json &d) { d["format_version"] = 99; }); },
       "format_version: unsupported version 99 (this build reads version 1)"},
      {[](std::string &t) {
         edit_json(t, [](json &d) { std::swap(d["queries"][1], d["queries"][2]); });
       },
       "the transcript does not cover this run at query 1 (queries[1]): recorded pcr sha1 1, "
       "asked pcr sha1 0"},
  };
  for (const Case &c : cases) {
    const Result result = malformed(c.change, file);
    EXPECT_EQ(result.code, 2) << c.message << "\n" << result.out;
    EXPECT_NE(result.out.find(prefix), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(c.message), std::string::npos) << result.out;
  }
}

TEST(ConformCliTranscripts, NoTranscriptOrConflictingOptionsAreBadInput) {
  trimcheck::test::TempDir dir;
  const Result empty = run("conform --transcripts " + dir.path().string());
  EXPECT_EQ(empty.code, 2) << empty.out;
  EXPECT_NE(empty.out.find("no transcript (*.json.gz, *.json or *.jsonl.xz) at"), std::string::npos)
      << empty.out;
  EXPECT_EQ(run("conform --transcripts /nonexistent/dir").code, 2);
  EXPECT_EQ(run("conform --transcripts " + kFakeTranscripts.string() + " --kernel x").code, 2);
  EXPECT_EQ(run("conform --transcripts " + kFakeTranscripts.string() + " --proposal nope").code, 2);
  EXPECT_EQ(run("conform --record " + dir.path().string() + " --proposal baseline-6.12").code, 2);
}

TEST(ConformCliTranscripts, PackedArchivesReplayLikeTheFilesAndAreNotOverwritten) {
  trimcheck::test::TempDir dir;
  const fs::path packed = dir.path() / "packed";
  const std::string pack =
      "conform --transcripts " + kFakeTranscripts.string() + " --pack " + packed.string();
  const Result first = run(pack);
  EXPECT_EQ(first.code, 0) << first.out;
  EXPECT_NE(first.out.find("packed 1 runs into " + packed.string() + "/sassu-v7/"),
            std::string::npos)
      << first.out;
  const Result replay = run("conform --transcripts " + packed.string());
  EXPECT_EQ(replay.code, 0) << replay.out;
  EXPECT_NE(replay.out.find("conforms: 3 transcripts"), std::string::npos) << replay.out;
  EXPECT_NE(replay.out.find(".jsonl.xz line 1 ("), std::string::npos) << replay.out;
  const Result again = run(pack);
  EXPECT_EQ(again.code, 2) << again.out;
  EXPECT_NE(again.out.find(" exists; to add runs to it"), std::string::npos) << again.out;
}

TEST(ConformCliTranscripts, AMismatchInAnArchiveNamesItsLineAndRun) {
  trimcheck::test::TempDir dir;
  auto runs = trimcheck::conform::read_transcripts(first_transcript());
  trimcheck::conform::Transcript transcript = runs.at(0).transcript;
  const trimcheck::conform::PcrQuery pcr10{trimcheck::model::HashAlgo::sha256, 10};
  for (auto &exchange : transcript.exchanges)
    if (exchange.query == trimcheck::conform::Query{pcr10}) {
      trimcheck::model::Bytes digest = exchange.answer.data.bytes();
      digest.at(0) ^= 1;
      exchange.answer.data = trimcheck::conform::KernelBytes(digest);
      break;
    }
  const fs::path archive = dir.path() / "runs.jsonl.xz";
  trimcheck::conform::write_transcript_archive(archive, {runs.at(0).transcript, transcript});
  const fs::path out = dir.path() / "out";
  const Result result = run("conform --transcripts " + archive.string() + " --out " + out.string());
  EXPECT_EQ(result.code, 1) << result.out;
  EXPECT_NE(result.out.find("MISMATCH in " + archive.string() + " line 2 "), std::string::npos)
      << result.out;
  EXPECT_TRUE(fs::exists(out / ("conform-" + runs.at(0).name + ".json"))) << result.out;
}

} // namespace
