// `trimcheck report`: the three renderings agree with the check results, the mail fits
// 72 columns, a failed step is shown, and the page works in a real browser (headless
// Chromium): coloured matrix, every in-page link resolves, a click lands on a trace with
// its sequence diagram.
#include "cli_harness.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>

namespace {

using namespace trimcheck::test;

const std::string kReportArgs = "--proposal chen-v1 --proposal sassu-v7 --property P1 "
                                "--property P2 --property P14 --property P8 --runs 150 --seed 5";

std::vector<std::string> lines_of(const std::string &text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

// What browser-check.html printed after Chromium rendered the report: "key value" lines.
std::map<std::string, std::string> browser_observations(const fs::path &report_dir) {
  fs::copy_file(fs::path(TRIMCHECK_SOURCE_DIR) / "tests/cli/data/browser-check.html",
                report_dir / "browser-check.html", fs::copy_options::overwrite_existing);
  const fs::path profile = report_dir / "chromium-profile";
  const std::string chromium =
      "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" +
      profile.string() + " ";
  const CliRun dom = run_shell(chromium +
                               "--allow-file-access-from-files --virtual-time-budget=10000 "
                               "--dump-dom file://" +
                               (report_dir / "browser-check.html").string() + " 2>/dev/null");
  EXPECT_EQ(dom.code, 0) << "chromium failed; is the Debian package chromium installed?";
  const CliRun shot = run_shell(
      chromium + "--window-size=1400,1000 --screenshot=" + (report_dir / "matrix.png").string() +
      " file://" + (report_dir / "index.html").string() + " >/dev/null 2>&1");
  EXPECT_EQ(shot.code, 0);
  fs::remove_all(profile);
  std::map<std::string, std::string> seen;
  const std::size_t start = dom.out.find("<pre id=\"result\">");
  const std::size_t end = dom.out.find("</pre>", start);
  if (start == std::string::npos || end == std::string::npos)
    return seen;
  for (const std::string &line : lines_of(dom.out.substr(start + 17, end - start - 17))) {
    const std::size_t space = line.find(' ');
    seen[line.substr(0, space)] += (seen.count(line.substr(0, space)) ? "\n" : "") +
                                   (space == std::string::npos ? "" : line.substr(space + 1));
  }
  return seen;
}

std::string seen_value(const std::map<std::string, std::string> &seen, const std::string &key) {
  auto it = seen.find(key);
  return it == seen.end() ? "<not printed by the browser check>" : it->second;
}

// Width and height from a PNG's IHDR chunk.
std::pair<std::uint32_t, std::uint32_t> png_size(const std::string &png) {
  auto be32 = [&](std::size_t at) {
    return static_cast<std::uint32_t>(
        static_cast<unsigned char>(png[at]) << 24 | static_cast<unsigned char>(png[at + 1]) << 16 |
        static_cast<unsigned char>(png[at + 2]) << 8 | static_cast<unsigned char>(png[at + 3]));
  };
  if (png.size() < 24 || png.compare(1, 3, "PNG") != 0 || png.compare(12, 4, "IHDR") != 0)
    return {0, 0};
  return {be32(16), be32(20)};
}

TEST(Report, RenderingsAgreeWithResultsAndTheMailFits72Columns) {
  TempDir dir;
  const CliRun report = run("report --out " + dir.path().string() + " " + kReportArgs);
  ASSERT_EQ(report.code, 0);
  const nlohmann::json results = nlohmann::json::parse(slurp(dir.path() / "results.json"));
  const std::string html = slurp(dir.path() / "index.html");
  const std::string markdown = slurp(dir.path() / "report.md");
  const std::string mail = slurp(dir.path() / "mail.txt");
  ASSERT_EQ(results["results"].size(), 8u);
  std::size_t traces = 0;
  for (const auto &result : results["results"]) {
    const std::string stem =
        result["proposal"].get<std::string>() + "-" + result["property"].get<std::string>();
    if (result["trace"].is_null()) {
      EXPECT_EQ(html.find("id=\"" + stem + "\""), std::string::npos) << stem;
      continue;
    }
    ++traces;
    EXPECT_EQ(result["trace"], "traces/" + stem + ".json");
    EXPECT_NE(html.find("<a href=\"#" + stem + "\">"), std::string::npos) << stem;
    EXPECT_NE(html.find("<section class=\"trace\" id=\"" + stem + "\">"), std::string::npos);
    EXPECT_NE(markdown.find("](traces/" + stem + ".txt)"), std::string::npos) << stem;
    EXPECT_NE(mail.find("trimcheck replay traces/" + stem + ".json"), std::string::npos);
    // The trace the report links to reproduces its violation.
    EXPECT_EQ(run("replay " + (dir.path() / result["trace"].get<std::string>()).string()).code, 1)
        << stem;
  }
  EXPECT_GT(traces, 0u) << "chen-v1 P1 is expected to give a counterexample to render";
  for (const std::string &line : lines_of(mail))
    EXPECT_LE(line.size(), 72u) << line;
  EXPECT_NE(mail.find("check: 8 (version, property) pairs"), std::string::npos) << mail;
}

TEST(Report, AFailedStepIsReportedNotHidden) {
  TempDir dir;
  const CliRun report =
      run("report --out " + dir.path().string() + " " + kReportArgs, false, "TMPDIR=/nonexistent");
  EXPECT_EQ(report.code, 3); // inconclusive: the report is written, but not all of it
  const std::string html = slurp(dir.path() / "index.html");
  EXPECT_NE(html.find("<li class=\"failed\">check: cannot create a temporary directory in "
                      "/nonexistent"),
            std::string::npos)
      << html;
  EXPECT_NE(slurp(dir.path() / "mail.txt").find("check: FAILED: cannot create"), std::string::npos);
  EXPECT_NE(slurp(dir.path() / "report.md").find("check: FAILED"), std::string::npos);
}

TEST(Report, BadOptionsExitTwo) {
  EXPECT_EQ(run("report --out /tmp/x --proposal chen-v9").code, 2);
  EXPECT_EQ(run("report --proposal chen-v1").code, 2); // --out is required
  EXPECT_EQ(run("report --out /proc/trimcheck-report --proposal chen-v1 --runs 1").code, 2);
  EXPECT_EQ(run("report --out /tmp/x --proposal chen-v1 --explore-max-depth 0").code, 2);
  const CliRun no_kernel =
      run("report --out /tmp/x --proposal chen-v1 --conform-kernel /nonexistent/bzImage", true);
  EXPECT_EQ(no_kernel.code, 2);
  EXPECT_NE(no_kernel.out.find("kernel image not found"), std::string::npos) << no_kernel.out;
  const CliRun which_version =
      run("report --out /tmp/x --proposal chen-v1 --proposal chen-v2 --conform-kernel " +
              std::string(TRIMCHECK_SOURCE_DIR) + "/README.md",
          true);
  EXPECT_EQ(which_version.code, 2);
  EXPECT_NE(which_version.out.find("--conform-proposal"), std::string::npos) << which_version.out;
}

TEST(Report, RendersInHeadlessChromiumWithWorkingLinks) {
  TempDir dir;
  ASSERT_EQ(run("report --out " + dir.path().string() + " " + kReportArgs).code, 0);
  const auto seen = browser_observations(dir.path());
  ASSERT_FALSE(seen.empty()) << "the browser check page printed nothing";
  EXPECT_EQ(seen_value(seen, "cells"), "8");
  const std::string colours = seen_value(seen, "colour");
  EXPECT_NE(colours.find("holds rgb(200, 235, 200)"), std::string::npos) << colours;
  EXPECT_NE(colours.find("violated rgb(243, 169, 169)"), std::string::npos) << colours;
  EXPECT_NE(colours.find("na rgb(238, 238, 238)"), std::string::npos) << colours;
  std::smatch links;
  const std::string link_line = seen_value(seen, "links");
  ASSERT_TRUE(std::regex_match(link_line, links, std::regex(R"((\d+) broken (\d+))")));
  EXPECT_GT(std::stoi(links[1]), 0);
  EXPECT_EQ(links[2], "0");
  // A click on the first V cell scrolls its trace section to the top of the viewport, and
  // that section holds the sequence diagram and the text trace.
  EXPECT_TRUE(
      std::regex_match(seen_value(seen, "clicked"), std::regex(R"(#chen-v1-P1 top 0 svg 1 pre 1)")))
      << seen_value(seen, "clicked");
  EXPECT_EQ(png_size(slurp(dir.path() / "matrix.png")), std::make_pair(1400u, 1000u));
}

TEST(Report, ProveStepFlagsACounterexampleCheckMissed) {
  // chen-v5 P7: the whole-list trim leaves binary_runtime_size (spec 2.6); Z3 finds it at
  // depth 3 while a tiny random search (2 runs per pair, 40 per shared stream, without the
  // seed corpus, which has this counterexample) does not.
  TempDir dir;
  const CliRun report = run("report --out " + dir.path().string() +
                            " --proposal chen-v5 --property P7 --runs 2 --no-seeds --prove "
                            "--prove-depth 3 --prove-timeout 120");
  ASSERT_EQ(report.code, 0);
  const std::string html = slurp(dir.path() / "index.html");
  EXPECT_NE(html.find("<tr class=\"missed\"><td>chen-v5</td><td>P7</td>"), std::string::npos)
      << html;
  EXPECT_NE(html.find("<section class=\"trace\" id=\"prove-chen-v5-P7\">"), std::string::npos);
  EXPECT_NE(slurp(dir.path() / "mail.txt").find("chen-v5 P7: violated"), std::string::npos);
  EXPECT_NE(slurp(dir.path() / "report.md").find("MISSED BY CHECK"), std::string::npos);
  EXPECT_EQ(run("replay " + (dir.path() / "traces/prove/chen-v5-P7.json").string()).code, 1);
  const auto seen = browser_observations(dir.path());
  EXPECT_EQ(seen_value(seen, "links").substr(seen_value(seen, "links").find(" broken ")),
            " broken 0");
}

TEST(Report, ExploreStepListsEveryPairWithItsShortestTrace) {
  TempDir dir;
  const CliRun report = run("report --out " + dir.path().string() +
                            " --proposal sassu-v7 --property P2 --property P14 --runs 20 "
                            "--explore --explore-max-depth 5");
  ASSERT_EQ(report.code, 0);
  const nlohmann::json results = nlohmann::json::parse(slurp(dir.path() / "results.json"));
  ASSERT_EQ(results["engines"].size(), 1u);
  const nlohmann::json &section = results["engines"][0];
  EXPECT_EQ(section["name"], "explore");
  ASSERT_EQ(section["rows"].size(), 2u);
  EXPECT_EQ(section["rows"][0]["property"], "P2");
  EXPECT_EQ(section["rows"][0]["result"], "holds within bounds");
  EXPECT_TRUE(section["rows"][0]["trace"].is_null());
  // P14: a kexec carries records the new kernel's hash table lacks, in four steps.
  const nlohmann::json &p14 = section["rows"][1];
  EXPECT_EQ(p14["result"], "violated (4 steps)");
  ASSERT_EQ(p14["trace"], "traces/explore/sassu-v7-P14.json");
  EXPECT_EQ(run("replay " + (dir.path() / "traces/explore/sassu-v7-P14.json").string()).code, 1);
  const std::string html = slurp(dir.path() / "index.html");
  EXPECT_NE(html.find("<a href=\"#explore-sassu-v7-P14\">violated (4 steps)</a>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<section class=\"trace\" id=\"explore-sassu-v7-P14\">"), std::string::npos);
  const std::string mail = slurp(dir.path() / "mail.txt");
  EXPECT_NE(mail.find("  sassu-v7 P14: violated (4 steps)"), std::string::npos) << mail;
  EXPECT_NE(mail.find("trimcheck replay traces/explore/sassu-v7-P14.json"), std::string::npos);
  for (const std::string &line : lines_of(mail))
    EXPECT_LE(line.size(), 72u) << line;
  EXPECT_NE(slurp(dir.path() / "report.md").find("## Exhaustive exploration"), std::string::npos);
  EXPECT_EQ(results["steps"][1]["name"], "explore");
  EXPECT_EQ(results["steps"][1]["status"], "ok");
}

TEST(Report, AKernelThatDoesNotBootIsAFailedConformStep) {
  // QEMU on a file that is no kernel: the conform step fails, the rest is still written.
  TempDir dir;
  const CliRun report = run("report --out " + dir.path().string() +
                            " --proposal baseline-6.12 --property P14 --runs 5 "
                            "--conform-kernel " +
                            std::string(TRIMCHECK_SOURCE_DIR) + "/README.md --conform-runs 1");
  EXPECT_EQ(report.code, 3);
  const nlohmann::json results = nlohmann::json::parse(slurp(dir.path() / "results.json"));
  ASSERT_EQ(results["steps"].size(), 2u);
  EXPECT_EQ(results["steps"][1]["name"], "conform");
  EXPECT_EQ(results["steps"][1]["status"], "failed");
  EXPECT_NE(results["steps"][1]["detail"].get<std::string>().find("did not boot"),
            std::string::npos)
      << results["steps"][1];
  EXPECT_NE(slurp(dir.path() / "mail.txt").find("conform: FAILED: the kernel did not boot"),
            std::string::npos);
  EXPECT_EQ(results["results"].size(), 1u);
}

} // namespace
