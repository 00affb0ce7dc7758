// trimcheck prove: proofs, counterexamples that replay on the concrete model, planted
// faults that must be caught, and agreement with docs/verdicts.md (agreement with
// explore: agreement_test.cpp).
#include "trimcheck/props/check.hpp"
#include "trimcheck/prove/prove.hpp"

#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace trimcheck::prove {
namespace {

using model::ProposalId;

ProveResult run(ProposalId proposal, std::string_view property, int depth, double timeout = 60,
                PlantedFault fault = PlantedFault::none) {
  const props::Property *p = props::find_property(property);
  EXPECT_NE(p, nullptr);
  return prove(proposal, *p, {.depth = depth, .timeout_seconds = timeout, .fault = fault});
}

TEST(ProveProofs, BaselineInvariantsAreProved) {
  for (const char *property : {"P2", "B1", "B2", "B3", "B4"}) {
    const ProveResult result = run(ProposalId::baseline_6_15, property, 3);
    EXPECT_EQ(result.result, Result::proved) << property << ": " << result.note;
    EXPECT_GE(result.induction_k, 1);
  }
}

TEST(ProveProofs, ChenListOrderAndCountersAreProved) {
  EXPECT_EQ(run(ProposalId::chen_v2, "P2", 3).result, Result::proved);
  EXPECT_EQ(run(ProposalId::chen_v5, "P2", 3).result, Result::proved);
  const ProveResult counters = run(ProposalId::chen_v3, "P7", 3);
  EXPECT_EQ(counters.result, Result::proved) << counters.note;
}

TEST(ProveProofs, KexecCarryOverIsProved) {
  for (const ProposalId proposal :
       {ProposalId::ms_rfc1, ProposalId::chen_v5, ProposalId::sassu_v7}) {
    const ProveResult result = run(proposal, "P3a", 3);
    EXPECT_EQ(result.result, Result::proved) << result.note;
  }
}

TEST(ProveProofs, MsListOrderIsProved) {
  const ProveResult result = run(ProposalId::ms_rfc1, "P2", 3);
  EXPECT_EQ(result.result, Result::proved) << result.note;
}

// A P7 counterexample (binary_runtime_size left behind by a removal) that reproduces on
// the concrete model, and again when its trace is replayed.
void expect_replayed_size_violation(const ProveResult &result) {
  ASSERT_EQ(result.result, Result::violated) << result.note;
  EXPECT_FALSE(result.replay_mismatch) << result.note;
  ASSERT_TRUE(result.trace);
  EXPECT_EQ(result.trace->source, "prove");
  EXPECT_NE(result.trace->violation.find("binary_runtime_size"), std::string::npos);
  EXPECT_EQ(props::replay(*result.trace), result.trace->violation);
}

TEST(ProveViolations, ChenV1CountersReplayOnTheConcreteModel) {
  expect_replayed_size_violation(run(ProposalId::chen_v1, "P7", 3));
}

// The RFC leaves binary_runtime_size after a purge (spec 2.1); the decoded write carries
// the PCR value the replay of the trimmed records reaches, computed on the concrete kernel.
TEST(ProveViolations, MsCountersReplayOnTheConcreteModel) {
  const ProveResult result = run(ProposalId::ms_rfc1, "P7", 4);
  expect_replayed_size_violation(result);
  ASSERT_TRUE(result.trace);
  bool wrote_pcrs = false;
  for (const props::TraceStep &step : result.trace->steps)
    if (const auto *action = std::get_if<model::Action>(&step.action))
      if (const auto *write = std::get_if<model::Write>(action))
        wrote_pcrs |=
            std::string(write->bytes.begin(), write->bytes.end()).rfind("pcr10:", 0) == 0 &&
            !step.outcome.done;
  EXPECT_TRUE(wrote_pcrs) << "the write blocks after the replay walk (spec 2.15)";
}

// Sassu RFC v1 dumps L only (spec 2.16): what is staged is lost across kexec.
TEST(ProveViolations, SassuRfc1DumpLosesTheStagedRecords) {
  const ProveResult result = run(ProposalId::sassu_rfc1, "P3a", 5);
  ASSERT_EQ(result.result, Result::violated) << result.note;
  EXPECT_FALSE(result.replay_mismatch) << result.note;
  ASSERT_TRUE(result.trace);
  EXPECT_NE(result.trace->violation.find("kexec dump"), std::string::npos);
}

TEST(ProveViolations, SassuV5OrderNeedsTheSplitSteps) {
  const ProveResult result = run(ProposalId::sassu_v5, "P2", 6);
  ASSERT_EQ(result.result, Result::violated) << result.note;
  EXPECT_FALSE(result.replay_mismatch) << result.note;
  // The cut is a separate step after the lockless walk (spec 2.15): the trace blocks.
  bool blocked = false;
  for (const props::TraceStep &step : result.trace->steps)
    blocked |= !step.outcome.done;
  EXPECT_TRUE(blocked);
}

// A test must be able to fail: a delta that forgets the counter update makes the
// symbolic machine violate P7; the concrete model does not, and the replay check says so.
TEST(ProvePlantedFaults, BrokenChenDeltaIsCaughtAsAMismatch) {
  const ProveResult result =
      run(ProposalId::chen_v3, "P7", 3, 60, PlantedFault::cut_keeps_entry_counter);
  EXPECT_EQ(result.result, Result::violated);
  EXPECT_TRUE(result.replay_mismatch);
  EXPECT_NE(result.note.find("does not reproduce"), std::string::npos) << result.note;
  // The symbolic states are there to find the field that disagrees: one line each,
  // before every step and after the last.
  ASSERT_EQ(result.symbolic_states.size(), static_cast<std::size_t>(result.depth) + 1);
  EXPECT_EQ(result.symbolic_states.front().rfind("state 0: L=", 0), 0u)
      << result.symbolic_states.front();
  for (const std::string &line : result.symbolic_states) {
    EXPECT_NE(line.find(" count="), std::string::npos) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  }
  // They are written beside the trace, one per line.
  const trimcheck::test::TempDir dir("trimcheck-prove-states");
  const std::filesystem::path trace = dir.path() / "chen-v3-P7-prove.json";
  const auto written = write_symbolic_states(trace, result);
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, dir.path() / "chen-v3-P7-prove-smt-states.txt");
  std::ifstream in(*written);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  EXPECT_EQ(lines, result.symbolic_states);
}

TEST(ProvePlantedFaults, BrokenGhostBreaksTheProof) {
  const ProveResult result =
      run(ProposalId::baseline_6_15, "P2", 3, 60, PlantedFault::append_skips_full);
  EXPECT_EQ(result.result, Result::violated);
  EXPECT_TRUE(result.replay_mismatch);
}

// B3's proof rests on the PCR and the fold of the history being extended alike: a
// violation that extends its template digest instead of 0xFF.. must break it.
TEST(ProvePlantedFaults, WrongExtendValueBreaksThePcrProof) {
  const ProveResult result =
      run(ProposalId::baseline_6_12, "B3", 3, 60, PlantedFault::violation_extends_digest);
  EXPECT_NE(result.result, Result::proved);
  EXPECT_EQ(result.result, Result::violated) << result.note;
  EXPECT_TRUE(result.replay_mismatch);
}

TEST(ProveScope, UnencodedPairsAreUnknownWithAReason) {
  const ProveResult p5 = run(ProposalId::chen_v3, "P5", 2);
  EXPECT_EQ(p5.result, Result::unknown);
  EXPECT_NE(p5.note.find("P5"), std::string::npos);
  EXPECT_NE(p5.note.find("not encoded"), std::string::npos);
}

// docs/verdicts.md: every V cell of an encoded property must be found by BMC at a small
// depth and reproduce concretely, except the documented gaps (docs/prove.md: their
// counterexamples are deeper than what BMC reaches within this budget).
TEST(ProveVerdictMatrix, ViolationsOfTheVerdictMatrixAreFound) {
  std::ifstream in(std::string(TRIMCHECK_SOURCE_DIR) + "/docs/verdicts.md");
  ASSERT_TRUE(in);
  std::vector<std::string> columns;
  std::string line;
  const std::set<std::string> gaps{"sassu-rfc2/P7", "sassu-v3/P7"};
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.rfind("| |", 0) == 0) {
      std::stringstream cells(line.substr(3));
      std::string cell;
      while (std::getline(cells, cell, '|'))
        if (cell.find_first_not_of(' ') != std::string::npos)
          columns.push_back(
              cell.substr(cell.find_first_not_of(' '),
                          cell.find_last_not_of(' ') - cell.find_first_not_of(' ') + 1));
      continue;
    }
    if (line.rfind("| P2 ", 0) != 0 && line.rfind("| P3a ", 0) != 0 && line.rfind("| P7 ", 0) != 0)
      continue;
    const std::string property = line.substr(2, line.find(' ', 2) - 2);
    std::stringstream cells(line);
    std::string cell;
    std::getline(cells, cell, '|');
    std::getline(cells, cell, '|'); // the row title
    for (std::size_t column = 0; std::getline(cells, cell, '|') && column < columns.size();
         ++column) {
      if (cell.find('V') == std::string::npos)
        continue;
      const auto proposal = model::proposal_from_key(columns[column]);
      ASSERT_TRUE(proposal);
      if (!encoded(*proposal, property) || gaps.count(columns[column] + "/" + property))
        continue;
      const ProveResult result = run(*proposal, property, 6, 40);
      EXPECT_EQ(result.result, Result::violated) << columns[column] << " " << property;
      EXPECT_FALSE(result.replay_mismatch) << result.note;
      ++checked;
    }
  }
  EXPECT_GE(checked, 3);
}

int exit_status(const std::string &arguments) {
  const int status = std::system(
      (std::string(TRIMCHECK_BINARY) + " prove " + arguments + " > /dev/null 2>&1").c_str());
  return WEXITSTATUS(status);
}

TEST(ProveCli, ExitCodes) {
  EXPECT_EQ(exit_status("--proposal nope --property P2"), 2);
  EXPECT_EQ(exit_status("--proposal chen-v3 --property B1"), 2); // n/a
  EXPECT_EQ(exit_status("--proposal chen-v3 --property P5 --depth 1"), 3);
  EXPECT_EQ(exit_status("--proposal baseline-6.15 --property B4 --depth 2"), 0);
  const trimcheck::test::TempDir out("trimcheck-prove-test");
  // A states file an earlier run left beside the trace is not this trace's: it goes.
  const std::filesystem::path stale = out.path() / "chen-v1-P7-prove-smt-states.txt";
  std::ofstream(stale) << "state 0: from an earlier run\n";
  EXPECT_EQ(exit_status("--proposal chen-v1 --property P7 --depth 2 --out " + out.path().string()),
            1);
  EXPECT_TRUE(std::filesystem::exists(out.path() / "chen-v1-P7-prove.json")) << out.path();
  EXPECT_FALSE(std::filesystem::exists(stale));
}

} // namespace
} // namespace trimcheck::prove
