// An interrupted `trimcheck conform` stops QEMU and swtpm and removes its files.
#include "../impl_adapters/vm/kernel_path.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

// Live processes whose environment holds `marker`.
int processes_with(const std::string &marker) {
  int found = 0;
  for (const auto &entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream in(entry.path() / "environ", std::ios::binary);
    const std::string environ{std::istreambuf_iterator<char>(in), {}};
    if (environ.find(marker) != std::string::npos)
      ++found;
  }
  return found;
}

TEST(ConformInterrupt, SigtermLeavesNoProcessAndNoFiles) {
  char templ[] = "/tmp/trimcheck-interrupt.XXXXXX";
  const fs::path tmp = mkdtemp(templ);
  const std::string kernel = trimcheck::vm::test::baseline_kernel().string();
  const pid_t child = fork();
  if (child == 0) {
    setenv("TMPDIR", tmp.c_str(), 1);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(TRIMCHECK_BINARY, TRIMCHECK_BINARY, "conform", "--kernel", kernel.c_str(), "--proposal",
          "baseline-6.12", "--runs", "50", "--out", tmp.c_str(), nullptr);
    _exit(127);
  }
  // Whatever assertion ends the test, the run it started and its directory go too.
  struct Cleanup {
    pid_t child;
    fs::path tmp;
    ~Cleanup() {
      if (waitpid(child, nullptr, WNOHANG) == 0) {
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
      }
      fs::remove_all(tmp);
    }
  } cleanup{child, tmp};
  // Wait until the VM runs (its temporary directory exists), then a little more.
  bool started = false;
  for (int i = 0; i < 600 && !started; ++i) {
    usleep(50'000);
    for (const auto &entry : fs::directory_iterator(tmp))
      started |= entry.path().filename().string().rfind("trimcheck-vm.", 0) == 0;
  }
  ASSERT_TRUE(started);
  // The directory appears before swtpm and QEMU are spawned: wait for them too.
  int running = 0;
  for (int i = 0; i < 600 && running < 2; ++i) {
    running = processes_with("TMPDIR=" + tmp.string());
    if (running < 2)
      usleep(50'000);
  }
  EXPECT_GE(running, 2); // trimcheck, swtpm, QEMU
  sleep(2);
  kill(child, SIGTERM);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_EQ(processes_with("TMPDIR=" + tmp.string()), 0);
  EXPECT_TRUE(fs::is_empty(tmp));
}

} // namespace
