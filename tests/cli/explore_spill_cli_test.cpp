// `trimcheck explore` moves its visited states to disk when memory runs out, and goes on
// (docs/explore.md, When memory runs out): the search that spilled has the results of the
// one that did not, and says that it spilled.
#include "cli_harness.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using namespace trimcheck::test;

// chen-v5 to depth 21 (default configuration): 1,830,538 states, a peak of about 180 MB
// resident without a limit. At 130 MiB the visited set must move to disk at least once;
// the largest level with the rest on disk needs about 90 MB.
const std::string kSearch = "explore --proposal chen-v5 --config default --max-depth 21 "
                            "--all-levels --quiet --json --out ";

TEST(CliExploreSpill, TheMemoryLimitMovesTheVisitedStatesToDiskAndChangesNoResult) {
  TempDir dir;
  const fs::path spill = dir.path() / "spill";
  fs::create_directory(spill);
  const CliRun whole = run(kSearch + (dir.path() / "whole").string() + " --max-memory none");
  const CliRun spilled = run(kSearch + (dir.path() / "spilled").string() +
                             " --max-memory 130 --spill-dir " + spill.string());
  ASSERT_EQ(whole.code, 1) << whole.out; // chen-v5 violates properties within these bounds
  ASSERT_EQ(spilled.code, 1) << spilled.out;
  const auto a = nlohmann::json::parse(whole.out), b = nlohmann::json::parse(spilled.out);
  EXPECT_EQ(a.at("spills"), 0);
  EXPECT_GE(b.at("spills").get<int>(), 1);
  EXPECT_GT(b.at("states_on_disk").get<std::uint64_t>(), 0u);
  EXPECT_FALSE(b.at("memory_limit_reached").get<bool>());
  for (const char *key : {"states", "transitions", "max_depth", "complete"})
    EXPECT_EQ(a.at(key), b.at(key)) << key;
  ASSERT_EQ(a.at("results").size(), b.at("results").size());
  for (std::size_t i = 0; i < a.at("results").size(); ++i) {
    EXPECT_EQ(a["results"][i]["verdict"], b["results"][i]["verdict"]);
    EXPECT_EQ(a["results"][i]["trace_length"], b["results"][i]["trace_length"]);
  }
  EXPECT_TRUE(fs::is_empty(spill)); // the file was unlinked when it was created
}

TEST(CliExploreSpill, ADirectoryItCannotWriteIsRefused) {
  for (const std::string dir : {"/nonexistent", "/proc"}) {
    const CliRun refused = run("explore --proposal chen-v5 --max-depth 2 --spill-dir " + dir, true);
    EXPECT_EQ(refused.code, 2) << dir;
    EXPECT_NE(refused.out.find("--spill-dir"), std::string::npos) << refused.out;
    EXPECT_NE(refused.out.find(dir), std::string::npos) << refused.out;
  }
  // The default (auto) is $TMPDIR: one it cannot write to is said, not a reason to refuse.
  const CliRun unwritable_tmp =
      run_shell("TMPDIR=/nonexistent " + std::string(TRIMCHECK_BINARY) +
                " explore --proposal chen-v5 --config default --max-depth 2 --quiet 2>&1");
  EXPECT_EQ(unwritable_tmp.code, 0) << unwritable_tmp.out;
  EXPECT_NE(unwritable_tmp.out.find("/nonexistent is not writable: the search stops at "
                                    "--max-memory"),
            std::string::npos)
      << unwritable_tmp.out;
}

// Without a spill directory the limit stops the search as before; the text says whether the
// visited states were on disk when it did.
TEST(CliExploreSpill, SpillDirNoneStopsAtTheLimit) {
  TempDir dir;
  const CliRun stopped = run("explore --proposal chen-v5 --config default --max-depth 5 "
                             "--max-memory 1 --spill-dir none --out " +
                                 dir.path().string(),
                             true);
  EXPECT_EQ(stopped.code, 3);
  EXPECT_NE(stopped.out.find("stopped at the memory limit"), std::string::npos) << stopped.out;
  EXPECT_EQ(stopped.out.find("on disk"), std::string::npos) << stopped.out;
  const CliRun spilled = run("explore --proposal chen-v5 --config default --max-depth 5 "
                             "--max-memory 1 --out " +
                                 dir.path().string(),
                             true);
  EXPECT_EQ(spilled.code, 3); // below any process: no level fits, even with the rest on disk
  EXPECT_NE(spilled.out.find("even with the visited states on disk"), std::string::npos)
      << spilled.out;
}

// --dot keeps the states it draws (up to --dot-limit) in memory, so a search that draws
// them moves none to disk: the text says so instead of blaming a level that does not fit.
TEST(CliExploreSpill, TheGraphOfDotIsNotMovedToDisk) {
  TempDir dir;
  const CliRun drawn =
      run("explore --proposal chen-v5 --config default --max-depth 5 "
          "--max-memory 1 --dot " +
              (dir.path() / "states.dot").string() + " --out " + dir.path().string(),
          true);
  EXPECT_EQ(drawn.code, 3);
  EXPECT_NE(drawn.out.find("--dot keeps every state it draws in memory"), std::string::npos)
      << drawn.out;
  EXPECT_EQ(drawn.out.find("even with the visited states on disk"), std::string::npos) << drawn.out;
}

} // namespace
