// What a VM run leaves behind: no child process (its directory:
// tests/impl_adapters/process/scratch_dir_test.cpp).
#include "trimcheck/process/scratch_dir.hpp"
#include "trimcheck/vm/detail/process.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

namespace trimcheck::vm::detail {
namespace {

TEST(ChildProcess, IsStoppedAndReapedOnDestruction) {
  const process::ScratchDir dir("trimcheck-vm-test");
  pid_t pid = 0;
  {
    ChildProcess sleeper(
        {"sh", "-c", "echo $$ > " + (dir.path() / "pid").string() + "; exec sleep 60"},
        dir.path() / "log");
    for (int i = 0; i < 200 && !std::filesystem::exists(dir.path() / "pid"); ++i)
      usleep(10'000);
    usleep(50'000);
    std::ifstream(dir.path() / "pid") >> pid;
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(sleeper.running());
  }
  EXPECT_NE(::kill(pid, 0), 0); // gone and reaped: no such process
}

TEST(ChildProcess, ReportsExitStatus) {
  const process::ScratchDir dir("trimcheck-vm-test");
  ChildProcess failing({"sh", "-c", "exit 3"}, dir.path() / "log");
  while (failing.running())
    usleep(10'000);
  EXPECT_EQ(failing.exit_status(), 3);
}

TEST(SignalCatcher, TurnsSigtermIntoAReadableEvent) {
  SignalCatcher catcher;
  EXPECT_EQ(catcher.caught(), 0);
  ::raise(SIGTERM);
  EXPECT_EQ(catcher.caught(), SIGTERM);
}

} // namespace
} // namespace trimcheck::vm::detail
