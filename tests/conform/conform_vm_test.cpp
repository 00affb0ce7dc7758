// Conformance on the baseline kernel: a deliberately wrong model is caught and shrunk;
// a shrunk trace replays on the kernel.
#include "../impl_adapters/vm/kernel_path.hpp"
#include "trimcheck/conform/conform.hpp"

#include <gtest/gtest.h>

namespace trimcheck::conform {
namespace {

using namespace model;

RunOptions baseline(bool wrong_model) {
  RunOptions options;
  options.vm = vm::VmOptions::defaults_for(vm::test::baseline_kernel());
  options.proposal = ProposalId::baseline_6_12;
  options.config.test_wrong_restore_hashed = wrong_model;
  return options;
}

TEST(ConformVm, WrongModelGivesAMinimalMismatchTrace) {
  ConformOptions options;
  options.run = baseline(true);
  options.runs = 3;
  options.shrink_budget = 30;
  const ConformResult result = conform(options);
  ASSERT_TRUE(result.first_mismatch);
  const RunResult &finding = *result.first_mismatch;
  // Minimal: load and execute; the new boot_aggregate is appended by the kernel but is a
  // "duplicate" for the wrong model, so the counters differ right after the kexec.
  EXPECT_EQ(finding.executed, (std::vector<Action>{KexecLoad{}, KexecExecute{}}));
  ASSERT_TRUE(finding.mismatch);
  EXPECT_EQ(finding.mismatch->step, 2u);
  EXPECT_EQ(finding.mismatch->category, "count") << finding.mismatch->what;
  EXPECT_GT(result.original.size(), finding.executed.size());
}

TEST(ConformVm, TheCorrectModelConformsOnTheSameSequence) {
  const RunResult run = run_sequence(baseline(false), {KexecLoad{}, KexecExecute{}});
  EXPECT_FALSE(run.mismatch) << run.mismatch->what;
  EXPECT_EQ(run.executed.size(), 2u);
}

TEST(ConformVm, ConformTraceReplaysOnTheKernel) {
  RunOptions wrong = baseline(true);
  const RunResult finding = run_sequence(wrong, {Measure{1, 1}, KexecLoad{}, KexecExecute{}});
  ASSERT_TRUE(finding.mismatch);
  const KernelReplay again = replay_on_kernel(wrong.vm, finding.trace);
  EXPECT_TRUE(again.run.mismatch);
}

} // namespace
} // namespace trimcheck::conform
