// `trimcheck conform` and `replay --kernel`: bad input is one message and exit 2.
#include "cli_harness.hpp"
#include "trimcheck/props/trace.hpp"

#include <gtest/gtest.h>

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
