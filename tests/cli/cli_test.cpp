// The trimcheck command as users and CI run it: exit codes, messages, the JSON contract,
// determinism across --jobs and --shard, replay of emitted traces, generated docs.
#include "cli_harness.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <regex>
#include <set>
#include <sstream>

namespace {

using namespace trimcheck::test;

const std::string kSmall = "check --proposal chen-v1 --proposal sassu-v7 --property P2 "
                           "--property P9b --property P20 --runs 150 --seed 5";

TEST(Cli, HelpAndVersion) {
  CliRun help = run("--help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos);
  EXPECT_NE(help.out.find("Examples"), std::string::npos);
  for (const char *sub : {"check", "replay", "list"}) {
    CliRun sub_help = run(std::string(sub) + " --help");
    EXPECT_EQ(sub_help.code, 0) << sub;
    EXPECT_NE(sub_help.out.find("Exit codes"), std::string::npos) << sub;
  }
  CliRun version = run("--version");
  EXPECT_EQ(version.code, 0);
  EXPECT_NE(version.out.find("trimcheck "), std::string::npos);
}

TEST(Cli, BadOptionsExitTwoWithOneClearMessage) {
  CliRun proposal = run("check --proposal sassu-v99", true);
  EXPECT_EQ(proposal.code, 2);
  EXPECT_NE(proposal.out.find("unknown version 'sassu-v99'"), std::string::npos) << proposal.out;
  CliRun shard = run("check --shard 3/2", true);
  EXPECT_EQ(shard.code, 2);
  EXPECT_NE(shard.out.find("--shard"), std::string::npos);
  CliRun runs = run("check --runs -4", true);
  EXPECT_EQ(runs.code, 2);
  EXPECT_EQ(run("frobnicate").code, 2);
  // Unsigned values are digits: not wrapped ("-1" was seed 2^64-1) nor empty (was 0).
  for (const char *bad : {"check --seed -1", "check --seed ''", "check --seed 1x",
                          "explore --dot-limit -1", "verify --threads -2", "conform --seed -3"}) {
    CliRun wrapped = run(std::string(bad), true);
    EXPECT_EQ(wrapped.code, 2) << bad;
    EXPECT_NE(wrapped.out.find("must be a whole number of digits"), std::string::npos)
        << bad << ": " << wrapped.out;
  }
  // Nor saturated: 2^64 was read as seed 2^64 - 1.
  for (const char *bad :
       {"check --seed 18446744073709551616", "explore --dot-limit 99999999999999999999",
        "conform --seed 18446744073709551616"}) {
    CliRun saturated = run(std::string(bad), true);
    EXPECT_EQ(saturated.code, 2) << bad;
    EXPECT_NE(saturated.out.find("must be at most 18446744073709551615"), std::string::npos)
        << bad << ": " << saturated.out;
  }
}

const char *const kSubcommands[] = {"list",    "check",  "explore", "prove",  "conform",
                                    "confirm", "replay", "report",  "verify", "help"};

TEST(Cli, HelpSubcommandAndEveryHelpFitsEightyColumns) {
  EXPECT_EQ(run("help").out, run("--help").out);
  for (const char *sub : kSubcommands) {
    const CliRun help = run(std::string("help ") + sub);
    EXPECT_EQ(help.code, 0) << sub;
    EXPECT_EQ(help.out, run(std::string(sub) + " --help").out) << sub;
    std::istringstream lines(help.out);
    for (std::string line; std::getline(lines, line);)
      EXPECT_LE(line.size(), 80u) << sub << " --help: " << line;
  }
  const CliRun unknown = run("help chek", true);
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.out.find("did you mean 'check'?"), std::string::npos) << unknown.out;
}

TEST(Cli, AMistypedSubcommandGetsASuggestion) {
  for (const auto &[typed, meant] :
       std::vector<std::pair<std::string, std::string>>{{"chek", "check"},
                                                        {"explor", "explore"},
                                                        {"veryfy", "verify"},
                                                        {"rep", "replay' or 'report"}}) {
    const CliRun typo = run(typed + " --proposal sassu-v7", true);
    EXPECT_EQ(typo.code, 2) << typed;
    EXPECT_EQ(typo.out,
              "trimcheck: unknown subcommand '" + typed + "'; did you mean '" + meant + "'?\n")
        << typed;
  }
  const CliRun nothing_close = run("frobnicate", true);
  EXPECT_EQ(nothing_close.code, 2);
  EXPECT_NE(nothing_close.out.find("the subcommands are list, check,"), std::string::npos)
      << nothing_close.out;
}

// The exit-code paragraph of a --help text: from "Exit codes" to the end of its sentence
// list (the first blank line or the end).
std::string exit_code_paragraph(const std::string &help) {
  const auto begin = help.find("Exit codes");
  if (begin == std::string::npos)
    return {};
  const auto end = help.find("\n\n", begin);
  return help.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

TEST(Cli, EverySubcommandDocumentsOnlyTheSharedExitCodes) {
  // 0 no finding, 1 finding, 2 bad input, 3 inconclusive, 70 internal error, 128+N signal.
  const std::set<std::string> shared = {"0", "1", "2", "3", "70"};
  for (const char *sub : kSubcommands) {
    const std::string paragraph = exit_code_paragraph(run(std::string(sub) + " --help").out);
    ASSERT_FALSE(paragraph.empty()) << sub << " --help has no exit codes";
    // A code is a number that starts a clause: after "codes:", ",", ";" or "or".
    const std::regex code(R"((?:codes:|,|;|\bor)\s+(\d+)\b(?!\+))");
    for (auto it = std::sregex_iterator(paragraph.begin(), paragraph.end(), code);
         it != std::sregex_iterator(); ++it)
      EXPECT_TRUE(shared.contains((*it)[1].str()))
          << sub << " documents exit code " << (*it)[1] << ":\n"
          << paragraph;
  }
}

TEST(Cli, ListJsonHasEveryVersionWithDateAndAuthor) {
  CliRun list = run("list --json");
  ASSERT_EQ(list.code, 0);
  auto json = nlohmann::json::parse(list.out);
  ASSERT_EQ(json["proposals"].size(), 15u);
  for (const auto &p : json["proposals"]) {
    EXPECT_FALSE(p["id"].get<std::string>().empty());
    EXPECT_EQ(p["date"].get<std::string>().size(), 10u);
    EXPECT_FALSE(p["author"].get<std::string>().empty());
    EXPECT_FALSE(p["title"].get<std::string>().empty());
  }
  EXPECT_GE(json["properties"].size(), 31u);
}

TEST(Cli, CheckJsonContractAndReplayOfEveryTrace) {
  TempDir dir;
  CliRun check = run(kSmall + " --json --out " + dir.path().string());
  ASSERT_EQ(check.code, 0);
  auto json = nlohmann::json::parse(check.out);
  EXPECT_EQ(json["seed"], 5);
  ASSERT_EQ(json["results"].size(), 6u);
  const std::set<std::string> verdicts{"holds", "conditional", "violated", "n/a"};
  std::size_t traces = 0;
  for (const auto &r : json["results"]) {
    EXPECT_TRUE(verdicts.count(r["verdict"].get<std::string>()));
    EXPECT_TRUE(r["condition"].is_null() || r["condition"].is_string());
    EXPECT_EQ(r["trace"].is_null(), r["trace_length"].is_null());
    if (r["verdict"] == "conditional") {
      EXPECT_TRUE(r["condition"].is_string());
    }
    if (r["trace"].is_string()) {
      ++traces;
      const std::string path = r["trace"].get<std::string>();
      EXPECT_TRUE(fs::exists(path));
      EXPECT_EQ(run("replay " + path).code, 1) << path;
      const fs::path text = fs::path(path).replace_extension(".txt");
      EXPECT_TRUE(fs::exists(text));
    }
  }
  EXPECT_GT(traces, 0u);
}

// A C cell says what it needed: one line below the terminal matrix, and its trace's .txt
// header says "conditional" with the condition (issue 17).
TEST(Cli, ConditionalCellsNameTheirConditionBelowTheMatrixAndInTheirTraces) {
  TempDir dir;
  CliRun check = run("check --proposal chen-v4 --property P9 --out " + dir.path().string());
  ASSERT_EQ(check.code, 0);
  EXPECT_NE(check.out.find("C cells"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("  P9 chen-v4: by arbitrary user space"), std::string::npos)
      << check.out;
  const std::string text = slurp(dir.path() / "chen-v4-P9.txt");
  EXPECT_EQ(text.rfind("trimcheck: P9 conditional on chen-v4", 0), 0u) << text;
  EXPECT_NE(text.find("\ncondition: holds when agents follow"), std::string::npos) << text;
}

// The base tree (and firmware PCRs) are the run's setting, not a condition: on 6.12 the
// same cell needs arbitrary user space and nothing else.
TEST(Cli, ABaseTreeIsNotACondition) {
  TempDir dir;
  CliRun check =
      run("check --proposal chen-v4 --property P9 --base 6.12 --out " + dir.path().string());
  ASSERT_EQ(check.code, 0);
  EXPECT_NE(check.out.find("  P9 chen-v4: by arbitrary user space\n"), std::string::npos)
      << check.out;
}

// RapidCheck's own banner names a seed that is not trimcheck's: it must not show.
TEST(Cli, CheckPrintsNoThirdPartyBanner) {
  TempDir dir;
  CliRun check = run("check --proposal chen-v1 --property P1 --out " + dir.path().string(), true);
  ASSERT_EQ(check.code, 0) << check.out;
  EXPECT_EQ(check.out.find("Using configuration"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("chen-v1 P1: violated"), std::string::npos) << check.out;
}

TEST(Cli, SameSeedByteIdenticalAcrossJobsAndShards) {
  TempDir a, b;
  CliRun one = run(kSmall + " --json --jobs 1 --out " + a.path().string());
  CliRun two = run(kSmall + " --json --jobs 2 --out " + b.path().string());
  ASSERT_EQ(one.code, 0);
  auto strip = [](std::string text, const fs::path &dir) {
    for (std::size_t pos; (pos = text.find(dir.string())) != std::string::npos;)
      text.replace(pos, dir.string().size(), "DIR");
    return text;
  };
  EXPECT_EQ(strip(one.out, a.path()), strip(two.out, b.path()));
  for (const auto &entry : fs::directory_iterator(a.path()))
    EXPECT_EQ(slurp(entry.path()), slurp(b.path() / entry.path().filename()))
        << entry.path().filename();
  // Two shards together give exactly the full result.
  TempDir c;
  const auto full = nlohmann::json::parse(one.out)["results"];
  std::set<std::string> seen;
  for (const char *shard : {"1/2", "2/2"}) {
    CliRun part = run(kSmall + " --json --shard " + shard + " --out " + c.path().string());
    const auto parsed = nlohmann::json::parse(part.out);
    for (const auto &r : parsed["results"]) {
      seen.insert(r["proposal"].get<std::string>() + r["property"].get<std::string>());
      bool found = false;
      for (const auto &f : full)
        if (f["proposal"] == r["proposal"] && f["property"] == r["property"]) {
          found = true;
          EXPECT_EQ(f["verdict"], r["verdict"]);
        }
      EXPECT_TRUE(found);
    }
  }
  EXPECT_EQ(seen.size(), full.size());
}

TEST(Cli, JunitHasOneCasePerPair) {
  TempDir dir;
  const fs::path junit = dir.path() / "junit.xml";
  ASSERT_EQ(run(kSmall + " --junit " + junit.string() + " --out " + dir.path().string()).code, 0);
  const std::string xml = slurp(junit);
  std::size_t cases = 0;
  for (std::size_t pos = 0; (pos = xml.find("<testcase ", pos)) != std::string::npos; ++pos)
    ++cases;
  EXPECT_EQ(cases, 6u);
  EXPECT_NE(xml.find("<testsuite name=\"trimcheck\""), std::string::npos);
}

TEST(Cli, ReplayRejectsMalformedTraces) {
  TempDir dir;
  const fs::path bad = dir.path() / "bad.json";
  std::ofstream(bad) << "{ not json";
  CliRun garbage = run("replay " + bad.string(), true);
  EXPECT_EQ(garbage.code, 2);
  EXPECT_NE(garbage.out.find("not valid JSON"), std::string::npos);
  CliRun missing = run("replay " + (dir.path() / "none.json").string(), true);
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.out.find("cannot be read"), std::string::npos);
  CliRun directory = run("replay " + dir.path().string(), true);
  EXPECT_EQ(directory.code, 2);
  EXPECT_NE(directory.out.find("is a directory, not a file"), std::string::npos) << directory.out;
  const fs::path truncated = dir.path() / "t.json.gz";
  std::ofstream(truncated) << "\x1f\x8b\x08";
  CliRun corrupt = run("replay " + truncated.string(), true);
  EXPECT_EQ(corrupt.code, 2);
  EXPECT_NE(corrupt.out.find(truncated.string()), std::string::npos) << corrupt.out;
}

// What confirm wrote is what replay reads: a kernel confirmation file (gzip-compressed
// JSON) gives its trace, which replays on the model.
TEST(Cli, ReplayRefusesValuesOutOfRangeInsteadOfWrappingThem) {
  TempDir dir;
  ASSERT_EQ(
      run("check --proposal chen-v1 --property P1 --runs 20 --quiet --out " + dir.path().string())
          .code,
      0);
  const auto original = nlohmann::json::parse(slurp(dir.path() / "chen-v1-P1.json"));
  const std::uint64_t wrapped = (std::uint64_t{1} << 32) + 10; // was read as 10
  auto first_with = [](nlohmann::json &trace, const char *key) -> nlohmann::json & {
    for (auto &step : trace["steps"])
      if (step["action"].contains(key))
        return step["action"];
    throw std::logic_error(std::string("no step with ") + key);
  };
  const std::vector<std::pair<std::function<void(nlohmann::json &)>, std::string>> edits = {
      {[&](nlohmann::json &t) { t["config"]["measure_pcr"] = wrapped; },
       "$.config.measure_pcr: PCR index must be 0..23"},
      {[&](nlohmann::json &t) { first_with(t, "pid")["pid"] = wrapped; },
       "4294967306 is out of range (at most 4294967295)"},
      {[&](nlohmann::json &t) { first_with(t, "fd")["fd"] = wrapped; },
       "4294967306 is out of range (-2147483648..2147483647)"},
  };
  for (const auto &[edit, message] : edits) {
    nlohmann::json trace = original;
    edit(trace);
    const fs::path file = dir.path() / "edited.json";
    std::ofstream(file) << trace.dump();
    const CliRun replay = run("replay " + file.string(), true);
    EXPECT_EQ(replay.code, 2) << message << "\n" << replay.out;
    EXPECT_NE(replay.out.find(message), std::string::npos) << replay.out;
  }
}

TEST(Cli, ReplayReadsTheTraceOfAKernelConfirmation) {
  const fs::path file = fs::path(TRIMCHECK_TEST_DATA) /
                        "real-kernel/confirmations/baseline-6.12/baseline-6.12-P14.json.gz";
  CliRun replayed = run("replay " + file.string(), true);
  EXPECT_EQ(replayed.code, 1) << replayed.out;
  EXPECT_NE(replayed.out.find("hash table"), std::string::npos) << replayed.out;
}

TEST(Cli, GeneratedPropertyCatalogueIsUpToDate) {
  TempDir dir;
  ASSERT_EQ(run("list --markdown " + (dir.path() / "p.md").string()).code, 0);
  EXPECT_EQ(slurp(dir.path() / "p.md"),
            slurp(fs::path(TRIMCHECK_SOURCE_DIR) / "docs" / "properties.md"))
      << "regenerate with: trimcheck list --markdown docs/properties.md";
}

// explore (cli/explore_cmd.cpp): the JSON contract, traces that replay, the state graph,
// exit codes and one clear message for bad options.
TEST(Cli, UnwritableOutputsExitTwoNamingThePath) {
  TempDir dir;
  const std::string blocker = (dir.path() / "blocker").string(); // a file, not a directory
  std::ofstream(blocker) << "x";
  const std::string small_check = "check --proposal baseline-6.12 --property B1 --runs 20 ";
  for (const std::string &args :
       {"explore --proposal chen-v5 --property P14 --config default --max-depth 5 --out " +
            blocker + "/traces",
        "explore --proposal baseline-6.12 --config default --max-depth 2 --dot " + blocker +
            "/states.dot",
        small_check + "--junit " + blocker + "/junit.xml",
        small_check + "--markdown " + blocker + "/verdicts.md",
        "check --proposal chen-v5 --property P14 --runs 50 --out " + blocker + "/traces",
        "list --markdown " + blocker + "/properties.md"}) {
    CliRun result = run(args, true);
    EXPECT_EQ(result.code, 2) << args << "\n" << result.out;
    EXPECT_NE(result.out.find("cannot"), std::string::npos) << args << "\n" << result.out;
    EXPECT_NE(result.out.find(blocker + "/"), std::string::npos) << args << "\n" << result.out;
    EXPECT_EQ(result.out.find("terminate called"), std::string::npos) << args;
  }
}

TEST(Cli, OutputPathsAreCheckedBeforeAnyWork) {
  TempDir dir;
  const std::string blocker = (dir.path() / "blocker").string(); // a file, not a directory
  std::ofstream(blocker) << "x";
  // The whole default matrix would take minutes; a path that cannot be written is found
  // when the command line is read, before the first pair starts.
  for (const std::string &args :
       {"check --junit " + blocker + "/junit.xml", "check --out " + blocker + "/traces",
        "check --markdown " + dir.path().string(), "explore --dot " + blocker + "/x/states.dot",
        "report --out " + blocker + "/report",
        "prove --proposal chen-v5 --property P2 --out " + blocker,
        "verify --list x --pcrs y --write-checkpoint " + blocker + "/checkpoint.json"}) {
    const CliRun result = run(args, true);
    EXPECT_EQ(result.code, 2) << args << "\n" << result.out;
    EXPECT_NE(result.out.find("cannot write"), std::string::npos) << args << "\n" << result.out;
    EXPECT_EQ(result.out.find("pairs"), std::string::npos) << args << ": work started\n"
                                                           << result.out;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "report"));
}

TEST(Cli, TraceSvgIsRenderedWithoutAShellWhateverTheDirectoryName) {
  TempDir dir;
  const std::filesystem::path out = dir.path() / "it's a \"dir\" $(x)";
  const CliRun result = run("check --proposal chen-v1 --property P1 --runs 20 --out '" +
                            std::regex_replace(out.string(), std::regex("'"), "'\\''") + "'");
  ASSERT_EQ(result.code, 0) << result.out;
  EXPECT_TRUE(std::filesystem::exists(out / "chen-v1-P1.json"));
  if (run_shell("command -v dot").code == 0) { // graphviz is installed by scripts/setup-deps
    EXPECT_GT(std::filesystem::file_size(out / "chen-v1-P1.svg"), 0u);
  }
}

// What a run prints on stderr only.
std::string stderr_of(const std::string &args) {
  return run_shell(std::string(TRIMCHECK_BINARY) + " " + args + " 2>&1 >/dev/null").out;
}

TEST(Cli, LongRunsShowProgressEveryTwoSecondsUnlessQuiet) {
  // sassu-v3 P7: BMC does not reach depth 3 within the timeout, so the run takes the
  // whole 5 s; the progress line comes at 2 s and 4 s, whatever the solver is doing.
  const std::string prove = "prove --proposal sassu-v3 --property P7 --depth 3 --timeout 5";
  const std::string loud = stderr_of(prove);
  EXPECT_NE(loud.find("trimcheck prove: BMC depth"), std::string::npos) << loud;
  EXPECT_NE(loud.find(" s)\n"), std::string::npos) << loud;
  EXPECT_EQ(stderr_of(prove + " --quiet"), "");
  // check's per-pair lines and its header go too; the results do not change.
  TempDir dir;
  const std::string check =
      "check --proposal chen-v1 --property P1 --runs 20 --json --out " + dir.path().string();
  EXPECT_NE(stderr_of(check).find("[1/1] chen-v1 P1"), std::string::npos);
  EXPECT_EQ(stderr_of(check + " --quiet"), "");
  EXPECT_EQ(run(check + " --quiet").out, run(check).out);
}

TEST(CliExplore, JsonResultsAndTracesThatReplay) {
  TempDir dir;
  const fs::path dot = dir.path() / "states.dot";
  CliRun result =
      run("explore --proposal baseline-6.12 --config default --max-depth 4 --json --out " +
          dir.path().string() + " --dot " + dot.string());
  ASSERT_EQ(result.code, 1); // P14: the baseline does not rehash carried records
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["proposal"], "baseline-6.12");
  EXPECT_EQ(json["bounds"]["max_depth"], 4);
  for (const char *key :
       {"states", "transitions", "max_depth", "seconds", "states_per_second", "bytes_per_state"})
    EXPECT_TRUE(json.contains(key)) << key;
  int violated = 0;
  for (const auto &entry : json["results"]) {
    if (entry["verdict"] == "holds-within-bounds") {
      EXPECT_TRUE(entry["trace"].is_null());
      continue;
    }
    ++violated;
    ASSERT_EQ(entry["verdict"], "violated");
    const CliRun replayed = run("replay " + entry["trace"].get<std::string>());
    EXPECT_EQ(replayed.code, 1) << entry["property"];
    EXPECT_NE(replayed.out.find("found by: explore"), std::string::npos);
  }
  EXPECT_GT(violated, 0);
  EXPECT_NE(slurp(dot).find("digraph"), std::string::npos);
}

TEST(CliExplore, HoldsWithinBoundsExitsZero) {
  TempDir dir;
  CliRun result = run("explore --proposal sassu-v7 --property P2 --config default --max-depth 3 "
                      "--out " +
                      dir.path().string());
  EXPECT_EQ(result.code, 0);
  EXPECT_NE(result.out.find("P2: holds within bounds"), std::string::npos);
}

TEST(CliExplore, TheMemoryLimitStopsTheSearchWithExitThree) {
  TempDir dir;
  // Any process is above 1 MiB resident: the search stops before expanding depth 1.
  CliRun result = run("explore --proposal sassu-v7 --property P2 --config default --max-depth 5 "
                      "--max-memory 1 --json --out " +
                          dir.path().string(),
                      false);
  EXPECT_EQ(result.code, 3);
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_TRUE(json.at("memory_limit_reached").get<bool>());
  EXPECT_FALSE(json.at("complete").get<bool>());
  EXPECT_EQ(json.at("max_depth"), 0);
  CliRun text = run("explore --proposal sassu-v7 --property P2 --config default --max-depth 5 "
                    "--max-memory 1 --out " +
                        dir.path().string(),
                    true);
  EXPECT_EQ(text.code, 3);
  EXPECT_NE(text.out.find("stopped at the memory limit"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("P2: holds to depth 0 (memory limit)"), std::string::npos) << text.out;
  CliRun unlimited = run("explore --proposal sassu-v7 --property P2 --config default "
                         "--max-depth 3 --max-memory none --json --out " +
                         dir.path().string());
  EXPECT_EQ(unlimited.code, 0);
  EXPECT_FALSE(nlohmann::json::parse(unlimited.out).at("memory_limit_reached").get<bool>());
}

TEST(CliExplore, AnAddressSpaceLimitStopsTheSearchCleanly) {
  // Under `ulimit -v` the default --max-memory (auto) takes half the limit: without a spill
  // directory the search stops with its results (exit 1 or 3), or, if the allocator's address space
  // runs out first, with one line saying so (exit 3); never bad_alloc as an internal error (70).
  TempDir dir;
  const CliRun limited = run_shell("ulimit -v 250000; " + std::string(TRIMCHECK_BINARY) +
                                   " explore --proposal sassu-v7 --spill-dir none --quiet --json "
                                   "--out " +
                                   dir.path().string() + " 2>" + (dir.path() / "err").string());
  EXPECT_TRUE(limited.code == 1 || limited.code == 3) << limited.code << "\n" << limited.out;
  const std::string err = slurp(dir.path() / "err");
  if (limited.out.empty()) {
    EXPECT_EQ(limited.code, 3);
    EXPECT_NE(err.find("trimcheck explore: out of memory"), std::string::npos) << err;
  } else {
    const auto json = nlohmann::json::parse(limited.out);
    EXPECT_TRUE(json.at("memory_limit_reached").get<bool>());
    EXPECT_FALSE(json.at("complete").get<bool>());
  }
  EXPECT_EQ(err.find("internal error"), std::string::npos) << err;
}

// A run prints progress lines on stderr (one every --progress-every seconds; 0.1 here, so
// that the test does not depend on how fast explore is: the search takes a second or two),
// --quiet none, and stdout is the same either way (timings aside).
TEST(CliExplore, ProgressOnStderrUnlessQuiet) {
  TempDir dir;
  auto explore_to = [&](const std::string &extra, const fs::path &err) {
    return run_shell(std::string(TRIMCHECK_BINARY) +
                     " explore --proposal sassu-v7 --config default --max-depth 14 --json "
                     "--progress-every 0.1 --out " +
                     dir.path().string() + extra + " 2>" + err.string());
  };
  auto without_timings = [](const std::string &out) {
    auto json = nlohmann::json::parse(out);
    json.erase("seconds");
    json.erase("states_per_second");
    return json;
  };
  const CliRun loud = explore_to("", dir.path() / "loud.err");
  const CliRun quiet = explore_to(" --quiet", dir.path() / "quiet.err");
  EXPECT_EQ(loud.code, quiet.code);
  EXPECT_EQ(without_timings(loud.out), without_timings(quiet.out));
  const std::string progress = slurp(dir.path() / "loud.err");
  EXPECT_NE(progress.find("trimcheck explore: depth "), std::string::npos) << progress;
  for (const char *part : {" states, ", " states/s, ", " MiB resident"})
    EXPECT_NE(progress.find(part), std::string::npos) << part << "\n" << progress;
  EXPECT_EQ(slurp(dir.path() / "quiet.err"), "");
}

// --shard I/N explores a block of the configurations; --merge of every share's JSON is the
// JSON of the whole search: the same counts, verdicts and shortest traces (timings aside).
TEST(CliExplore, MergedSharesEqualTheWholeSearch) {
  TempDir dir;
  const std::string bounds = "explore --proposal sassu-rfc1 --max-depth 5 --json --quiet";
  const CliRun whole = run(bounds + " --out " + (dir.path() / "whole").string());
  ASSERT_EQ(whole.code, 1) << whole.out; // two properties are violated within these bounds
  std::string shares;
  for (int i = 1; i <= 3; ++i) {
    const fs::path out = dir.path() / ("share" + std::to_string(i));
    const CliRun share = run(bounds + " --shard " + std::to_string(i) + "/3 --out " + out.string());
    ASSERT_NE(share.code, 2) << share.out;
    EXPECT_EQ(nlohmann::json::parse(share.out)["bounds"]["shard"], std::to_string(i) + "/3");
    std::ofstream(out.string() + ".json") << share.out;
    shares = out.string() + ".json " + shares; // in reverse: the order of the files is free
  }
  const CliRun merged = run("explore --merge " + shares);
  EXPECT_EQ(merged.code, whole.code);
  const auto expected = nlohmann::json::parse(whole.out);
  const auto actual = nlohmann::json::parse(merged.out);
  for (const char *key : {"proposal", "bounds", "states", "transitions", "max_depth", "complete",
                          "memory_limit_reached"})
    EXPECT_EQ(actual[key], expected[key]) << key;
  ASSERT_EQ(actual["results"].size(), expected["results"].size());
  int violated = 0;
  for (std::size_t i = 0; i < expected["results"].size(); ++i) {
    const auto &want = expected["results"][i];
    const auto &got = actual["results"][i];
    EXPECT_EQ(got["property"], want["property"]);
    EXPECT_EQ(got["verdict"], want["verdict"]) << want["property"];
    EXPECT_EQ(got["trace_length"], want["trace_length"]) << want["property"];
    if (want["trace"].is_null())
      continue;
    ++violated; // the same shortest trace, its configuration included
    EXPECT_EQ(slurp(got["trace"].get<std::string>()), slurp(want["trace"].get<std::string>()))
        << want["property"];
  }
  EXPECT_GT(violated, 0);
  // A share missing, or given twice, is refused.
  const std::string one = (dir.path() / "share1").string() + ".json";
  EXPECT_EQ(run("explore --merge " + one, true).code, 2);
  EXPECT_EQ(run("explore --merge " + one + " " + one, true).code, 2);
}

// --cover: explore within the bounds of a trace of check (its version, property, regime,
// configuration, measurements and length), where it must find a violation no longer than
// check's; a bound given on the command line replaces the trace's.
TEST(CliExplore, CoverExploresWithinTheBoundsOfATrace) {
  TempDir dir;
  const CliRun check =
      run("check --proposal chen-v1 --property P13 --jobs 1 --quiet --json --out " +
          (dir.path() / "check").string());
  const auto checked = nlohmann::json::parse(check.out)["results"][0];
  ASSERT_EQ(checked["verdict"], "violated") << check.out;
  const std::string trace = checked["trace"];
  const auto steps = checked["trace_length"].get<int>();
  const CliRun covered = run("explore --cover " + trace + " --quiet --json --out " +
                             (dir.path() / "explore").string());
  ASSERT_EQ(covered.code, 1) << covered.out;
  const auto json = nlohmann::json::parse(covered.out);
  EXPECT_EQ(json["proposal"], "chen-v1");
  EXPECT_EQ(json["bounds"]["max_depth"], steps);
  EXPECT_EQ(json["bounds"]["regime"], "protocol");
  EXPECT_EQ(json["bounds"]["cover"], trace);
  ASSERT_EQ(json["results"].size(), 1u);
  EXPECT_EQ(json["results"][0]["property"], "P13");
  EXPECT_LE(json["results"][0]["trace_length"].get<int>(), steps);
  const int shortest = json["results"][0]["trace_length"];
  // One step less than the shortest: nothing is found, and the JSON says which depth.
  const CliRun shorter =
      run("explore --cover " + trace + " --max-depth " + std::to_string(shortest - 1) +
          " --quiet --json --out " + (dir.path() / "shorter").string());
  EXPECT_EQ(shorter.code, 0) << shorter.out;
  EXPECT_EQ(nlohmann::json::parse(shorter.out)["bounds"]["max_depth"], shortest - 1);
  // The trace fixes the version, property, regime and configuration; a bad trace is bad input.
  for (const std::string args : {"--proposal chen-v5", "--property P1", "--regime arbitrary",
                                 "--config default", "--shard 1/2"}) {
    const CliRun refused = run("explore --cover " + trace + " " + args, true);
    EXPECT_EQ(refused.code, 2) << args;
    EXPECT_NE(refused.out.find("--cover"), std::string::npos) << args << ": " << refused.out;
  }
  const fs::path bad = dir.path() / "bad.json";
  std::ofstream(bad) << "{\"format\": \"trimcheck-trace\"}";
  for (const std::string &path : {bad.string(), (dir.path() / "missing.json").string()}) {
    const CliRun refused = run("explore --cover " + path, true);
    EXPECT_EQ(refused.code, 2) << path;
    EXPECT_NE(refused.out.find(path), std::string::npos) << refused.out;
  }
}

TEST(CliExplore, BadOptionsExitTwoWithOneMessage) {
  for (const std::string args :
       {"explore",
        "explore --proposal nope",
        "explore --proposal chen-v5 --property P99",
        "explore --proposal chen-v5 --regime sometimes",
        "explore --proposal chen-v5 --config flush",
        "explore --proposal chen-v5 --max-depth -1",
        "explore --proposal chen-v5 --threads 0",
        "explore --proposal chen-v5 --max-memory 0",
        "explore --proposal chen-v5 --max-memory lots",
        "explore --proposal chen-v5 --shard 3/2",
        "explore --proposal chen-v5 --spill-dir /nonexistent",
        "explore --proposal chen-v5 --shard 33/33",
        "explore --proposal chen-v5 --config default --shard 1/2",
        "explore --proposal chen-v5 --long-path 4",
        "explore --proposal chen-v5 --long-path 4096",
        "explore --proposal chen-v5 --max-open-files 1",
        "explore --proposal chen-v5 --regime arbitrary --max-open-files 65",
        "explore --proposal chen-v5 --regime arbitrary --openable pcrs",
        "explore --proposal chen-v5 --max-calls write=1",
        "explore --proposal chen-v5 --regime arbitrary --max-calls write",
        "explore --proposal chen-v5 --regime arbitrary --max-calls write=-1",
        "explore --proposal chen-v5 --regime arbitrary --max-calls write=256",
        "explore --proposal chen-v5 --regime arbitrary --max-calls writes=1",
        "explore --proposal chen-v5 --regime arbitrary --max-calls write=1,write=2",
        "explore --proposal chen-v5 --regime arbitrary --max-calls trace",
        "explore --proposal chen-v5 --progress-every 0",
        "explore --proposal chen-v5 --progress-every x",
        "explore --merge /nonexistent.json"}) {
    CliRun result = run(args, true);
    EXPECT_EQ(result.code, 2) << args;
    EXPECT_FALSE(result.out.empty()) << args;
  }
  CliRun help = run("explore --help");
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos);
  EXPECT_NE(help.out.find("Examples"), std::string::npos);
}

} // namespace
