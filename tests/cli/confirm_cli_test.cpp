// `trimcheck confirm` and the report's kernel column, on the committed confirmations (no
// VM): recheck, a changed outcome, bad input, and the column with its kernel legend.
#include "cli_harness.hpp"
#include "trimcheck/conform/detail/compressed_file.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using Result = trimcheck::test::CliRun;

const fs::path kConfirmations = fs::path(TRIMCHECK_TEST_DATA) / "real-kernel" / "confirmations";
const fs::path kChenP14 = kConfirmations / "chen-v5" / "chen-v5-P14.json.gz";

Result run(const std::string &args) {
  return trimcheck::test::run(args, true);
}

TEST(ConfirmCli, HelpTeachesOutcomesRecheckAndExitCodes) {
  const Result help = run("confirm --help");
  EXPECT_EQ(help.code, 0);
  for (const char *text : {"--recheck", "--kernel", "reproduced", "kernel-differs", "Exit codes"})
    EXPECT_NE(help.out.find(text), std::string::npos) << text;
}

TEST(ConfirmCli, MissingOptionsAndFilesAreBadInput) {
  EXPECT_EQ(run("confirm").code, 2);
  const Result base = run("check --proposal chen-v5 --property P14 --runs 10 --base 5.4");
  EXPECT_EQ(base.code, 2);
  EXPECT_NE(base.out.find("unknown base tree '5.4' (as-posted, 6.12, 6.14, 6.15)"),
            std::string::npos)
      << base.out;
  EXPECT_EQ(run("confirm --proposal chen-v5").code, 2);
  EXPECT_EQ(run("confirm --proposal chen-v5 --kernel /nonexistent/bzImage").code, 2);
  const Result missing = run("confirm --recheck /nonexistent/dir");
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(
      missing.out.find("no confirmation (*.json.gz, *.json or *.jsonl.xz) at /nonexistent/dir"),
      std::string::npos)
      << missing.out;
  trimcheck::test::TempDir dir;
  std::ofstream(dir.path() / "x.json") << "{\"format\": \"trimcheck-kernel-confirmation\"}";
  const Result malformed = run("confirm --recheck " + (dir.path() / "x.json").string());
  EXPECT_EQ(malformed.code, 2);
  EXPECT_NE(malformed.out.find("x.json: format_version: missing"), std::string::npos)
      << malformed.out;
}

TEST(ConfirmCli, CommittedConfirmationsRecheckAsRecorded) {
  const Result result = run("confirm --recheck " + kChenP14.string());
  EXPECT_EQ(result.code, 0) << result.out;
  EXPECT_NE(result.out.find("every outcome as recorded: 1 confirmation(s)"), std::string::npos)
      << result.out;
}

TEST(ConfirmCli, AnOutcomeThatNoLongerFollowsIsAFinding) {
  nlohmann::json document =
      nlohmann::json::parse(trimcheck::conform::detail::read_compressed_or_plain(kChenP14));
  ASSERT_EQ(document["outcome"], "reproduced");
  document["outcome"] = "not-reproduced";
  trimcheck::test::TempDir dir;
  std::ofstream(dir.path() / "changed.json") << document.dump();
  const Result result = run("confirm --recheck " + dir.path().string());
  EXPECT_EQ(result.code, 1) << result.out;
  EXPECT_NE(result.out.find("(recorded: not-reproduced"), std::string::npos) << result.out;
}

TEST(ConfirmCli, RewriteWritesTheRecomputedJudgementBack) {
  nlohmann::json document =
      nlohmann::json::parse(trimcheck::conform::detail::read_compressed_or_plain(kChenP14));
  const std::string words = document["detail"];
  document["detail"] = "older words";
  trimcheck::test::TempDir dir;
  const fs::path file = dir.path() / "stale.json";
  std::ofstream(file) << document.dump();
  EXPECT_EQ(run("confirm --recheck " + file.string()).code, 0);
  EXPECT_EQ(
      nlohmann::json::parse(trimcheck::conform::detail::read_compressed_or_plain(file))["detail"],
      "older words")
      << "a plain recheck writes nothing";
  EXPECT_EQ(run("confirm --recheck " + file.string() + " --rewrite").code, 0);
  EXPECT_EQ(
      nlohmann::json::parse(trimcheck::conform::detail::read_compressed_or_plain(file))["detail"],
      words);
  EXPECT_EQ(run("confirm --rewrite").code, 2) << "needs --recheck";
}

TEST(ConfirmCli, TheReportShowsTheKernelColumnAndWhichKernel) {
  trimcheck::test::TempDir dir;
  const Result result = run("report --out " + dir.path().string() +
                            " --proposal chen-v5 --property P14 --runs 300 --jobs 1 "
                            "--kernel-confirmations " +
                            kConfirmations.string());
  EXPECT_EQ(result.code, 0) << result.out;
  const std::string markdown = trimcheck::test::slurp(dir.path() / "report.md");
  EXPECT_NE(markdown.find("## Kernel column"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| chen-v5 | P14 | V | reproduced at step"), std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("- chen-v5: 6.12."), std::string::npos) << markdown;
  EXPECT_NE(trimcheck::test::slurp(dir.path() / "index.html").find("Kernel column"),
            std::string::npos);
  EXPECT_NE(trimcheck::test::slurp(dir.path() / "mail.txt").find("chen-v5 P14 (V): reproduced"),
            std::string::npos);
  const auto results = nlohmann::json::parse(trimcheck::test::slurp(dir.path() / "results.json"));
  EXPECT_EQ(
      results["kernel_column"]["cells"][0]["kernel"].get<std::string>().rfind("reproduced", 0), 0u);
  // Without confirmations there is no column.
  trimcheck::test::TempDir plain;
  EXPECT_EQ(run("report --out " + plain.path().string() +
                " --proposal chen-v5 --property P14 --runs 300 --jobs 1 --kernel-confirmations ''")
                .code,
            0);
  EXPECT_EQ(trimcheck::test::slurp(plain.path() / "report.md").find("Kernel column"),
            std::string::npos);
}

} // namespace
