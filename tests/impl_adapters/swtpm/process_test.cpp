// The private swtpm leaves nothing behind: not after a normal stop, not after its owner
// is killed with SIGKILL.
#include "trimcheck/swtpm/process.hpp"
#include "trimcheck/swtpm/tpm.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace trimcheck::test {
namespace {

namespace fs = std::filesystem;

// A process exists and is not a zombie.
bool running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_text, comm, state;
  if (!(stat >> pid_text >> comm >> state))
    return false;
  return state != "Z" && state != "X";
}

bool gone_within(pid_t pid, const fs::path &dir, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running(pid) && !fs::exists(dir))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(SwtpmProcess, PrivateDirectoryWhileRunningNothingLeftAfterStop) {
  pid_t swtpm = -1, guardian = -1;
  fs::path dir;
  {
    auto process = swtpm::SwtpmProcess::start();
    swtpm = process.swtpm_pid();
    guardian = process.guardian_pid();
    dir = process.directory();
    struct stat info {};
    ASSERT_EQ(stat(dir.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    EXPECT_TRUE(running(swtpm));
    swtpm::Tpm tpm(process);
    EXPECT_FALSE(tpm.banks().empty());
  }
  EXPECT_FALSE(running(swtpm));
  EXPECT_FALSE(running(guardian));
  EXPECT_FALSE(fs::exists(dir));
}

// The owner dies without unwinding (SIGKILL): the guardian still stops swtpm and removes
// the directory.
TEST(SwtpmProcess, OwnerKilledWithSigkillLeavesNothingBehind) {
  int report[2];
  ASSERT_EQ(pipe(report), 0);
  const pid_t owner = fork();
  if (owner == 0) {
    close(report[0]);
    auto process = swtpm::SwtpmProcess::start();
    const pid_t pid = process.swtpm_pid();
    const std::string dir = process.directory().string();
    (void)!write(report[1], &pid, sizeof pid);
    (void)!write(report[1], dir.c_str(), dir.size());
    close(report[1]);
    raise(SIGKILL);
    _exit(1);
  }
  close(report[1]);
  pid_t swtpm = -1;
  ASSERT_EQ(read(report[0], &swtpm, sizeof swtpm), static_cast<ssize_t>(sizeof swtpm));
  char buffer[512] = {};
  const ssize_t len = read(report[0], buffer, sizeof buffer - 1);
  close(report[0]);
  ASSERT_GT(len, 0);
  const fs::path dir(std::string(buffer, static_cast<std::size_t>(len)));
  int status = 0;
  ASSERT_EQ(waitpid(owner, &status, 0), owner);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_TRUE(gone_within(swtpm, dir, std::chrono::seconds(5)))
      << "swtpm " << swtpm << " or " << dir << " survived its owner";
}

} // namespace
} // namespace trimcheck::test
