// `trimcheck explore` names the bounds of its search in its text output, as options that
// run the same search again: "holds within bounds" says within what, and a --cover search
// (whose bounds come from a trace) can be re-run, narrowed or widened from that line.
#include "cli_harness.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

namespace {

using namespace trimcheck::test;

std::string within_line(const std::string &out) {
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("within: ", 0) == 0)
      return line.substr(8);
  return "";
}

TEST(CliExploreBounds, HoldsWithinBoundsNamesThem) {
  TempDir dir;
  const CliRun result = run("explore --proposal sassu-v7 --property P2 --config default "
                            "--max-depth 3 --quiet --out " +
                            dir.path().string());
  EXPECT_EQ(result.code, 0);
  EXPECT_EQ(within_line(result.out), "--regime protocol --config default --max-records 2 "
                                     "--max-agents 2 --max-depth 3 --max-kexecs 1")
      << result.out;
}

TEST(CliExploreBounds, TheBoundsOfACoverSearchRunItAgain) {
  TempDir dir;
  // An arbitrary-regime trace: its cover bounds the files opened.
  const CliRun found = run("explore --proposal chen-v2 --property P15 --regime arbitrary "
                           "--config default --max-records 0 --max-agents 1 --max-depth 3 "
                           "--quiet --json --out " +
                           (dir.path() / "found").string());
  ASSERT_EQ(found.code, 1) << found.out;
  const std::string trace = nlohmann::json::parse(found.out)["results"][0]["trace"];

  const std::string cover = "explore --cover " + trace + " --quiet --out " + dir.path().string();
  const std::string within = within_line(run(cover).out);
  EXPECT_NE(within.find("--openable ima_trim_log"), std::string::npos) << within;
  EXPECT_NE(within.find("--max-open-files 1"), std::string::npos) << within;
  const auto covered = nlohmann::json::parse(run(cover + " --json").out);
  const auto again =
      nlohmann::json::parse(run("explore --proposal chen-v2 --property P15 " + within +
                                " --quiet --json --out " + dir.path().string())
                                .out);
  EXPECT_EQ(again["states"], covered["states"]);
  EXPECT_EQ(again["transitions"], covered["transitions"]);
  EXPECT_EQ(again["results"][0]["trace_length"], covered["results"][0]["trace_length"]);

  // --max-calls trace: each kind of call at the trace's count (an open and a write, or so),
  // named in the JSON and on the line, which runs the same search again.
  const auto calls = nlohmann::json::parse(run(cover + " --max-calls trace --json").out);
  const auto &max_calls = calls["bounds"]["max_calls"];
  EXPECT_EQ(max_calls.size(), 11u) << max_calls;
  EXPECT_EQ(max_calls["read"], 0) << max_calls;
  EXPECT_EQ(max_calls["open"], 1) << max_calls;
  EXPECT_LT(calls["states"], covered["states"]);
  EXPECT_EQ(calls["results"][0]["trace_length"], covered["results"][0]["trace_length"]);
  const std::string calls_within = within_line(run(cover + " --max-calls trace").out);
  EXPECT_NE(calls_within.find("--max-calls spawn=0,open=1,read=0,"), std::string::npos)
      << calls_within;
  const auto calls_again =
      nlohmann::json::parse(run("explore --proposal chen-v2 --property P15 " + calls_within +
                                " --quiet --json --out " + dir.path().string())
                                .out);
  EXPECT_EQ(calls_again["states"], calls["states"]);
  EXPECT_EQ(calls_again["bounds"]["max_calls"], max_calls);
}

} // namespace
