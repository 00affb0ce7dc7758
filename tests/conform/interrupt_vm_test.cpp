// Every subcommand that boots a kernel (conform, replay --kernel, confirm, report
// --conform-kernel), signalled while its VM runs, stops QEMU, swtpm and its check workers
// and removes its files; after SIGKILL nothing runs either, and the next run sweeps the
// directory left behind (issue 20 item 10).
#include "../cli/cli_harness.hpp"
#include "../impl_adapters/vm/kernel_path.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using trimcheck::test::start_in_background;
using trimcheck::test::TempDir;
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

std::string listing(const fs::path &dir) {
  std::string names;
  for (const auto &entry : fs::directory_iterator(dir))
    names += " " + entry.path().filename().string();
  return names.empty() ? " (empty)" : names;
}

std::vector<fs::path> vm_dirs(const fs::path &tmp) {
  std::vector<fs::path> found;
  for (const auto &entry : fs::directory_iterator(tmp))
    if (entry.path().filename().string().rfind("trimcheck-vm.", 0) == 0)
      found.push_back(entry.path());
  return found;
}

// Kills and reaps `child` if it still runs, whatever assertion ends the test.
struct Reaper {
  pid_t child;
  ~Reaper() {
    if (child > 0 && waitpid(child, nullptr, WNOHANG) == 0) {
      kill(child, SIGKILL);
      waitpid(child, nullptr, 0);
    }
  }
};

// Waits until the run's VM directory exists and QEMU and swtpm run beside trimcheck.
bool vm_running(const fs::path &tmp) {
  for (int i = 0; i < 2400; ++i) { // 120 s: confirm and report run check first
    if (!vm_dirs(tmp).empty() && processes_with("TMPDIR=" + tmp.string()) >= 3)
      return true;
    usleep(50'000);
  }
  return false;
}

bool no_process_left(const fs::path &tmp) {
  for (int i = 0; i < 200; ++i) { // 10 s
    if (processes_with("TMPDIR=" + tmp.string()) == 0)
      return true;
    usleep(50'000);
  }
  return false;
}

enum class Command { conform, replay, confirm, report };

const char *command_name(Command command) {
  switch (command) {
  case Command::conform:
    return "conform";
  case Command::replay:
    return "replay";
  case Command::confirm:
    return "confirm";
  case Command::report:
    return "report";
  }
  return "?";
}

// A check trace of the baseline (P14) for replay --kernel, written once.
const std::string &baseline_trace() {
  static const std::string trace = [] {
    static TempDir out;
    if (trimcheck::test::run("check --quiet --proposal baseline-6.12 --property P14 --out " +
                             out.path().string())
            .code != 0)
      return std::string();
    for (const auto &entry : fs::directory_iterator(out.path()))
      if (entry.path().extension() == ".json")
        return entry.path().string();
    return std::string();
  }();
  return trace;
}

std::vector<std::string> arguments(Command command, const fs::path &out) {
  const std::string kernel = trimcheck::vm::test::baseline_kernel().string();
  switch (command) {
  case Command::conform:
    return {"conform", "--kernel", kernel,  "--proposal", "baseline-6.12",
            "--runs",  "50",       "--out", out.string()};
  case Command::replay:
    return {"replay", baseline_trace(), "--kernel", kernel};
  case Command::confirm:
    return {"confirm", "--quiet",  "--proposal", "baseline-6.12", "--property",
            "P14",     "--kernel", kernel,       "--out",         out.string()};
  case Command::report:
    return {
        "report",         "--quiet", "--out",  out.string(), "--proposal",       "baseline-6.12",
        "--property",     "P14",     "--runs", "20",         "--conform-kernel", kernel,
        "--conform-runs", "50"};
  }
  return {};
}

class InterruptedVmRun : public ::testing::TestWithParam<std::tuple<Command, int>> {};

TEST_P(InterruptedVmRun, LeavesNoProcessAndNoFiles) {
  const auto [command, sig] = GetParam();
  if (command == Command::replay) {
    ASSERT_FALSE(baseline_trace().empty()) << "check wrote no P14 trace";
  }
  TempDir tmp, out;
  Reaper run{start_in_background(tmp.path(), arguments(command, out.path() / "out"))};
  ASSERT_TRUE(vm_running(tmp.path())) << command_name(command) << ": the VM did not start";
  ASSERT_EQ(kill(run.child, sig), 0);
  int status = 0;
  ASSERT_EQ(waitpid(run.child, &status, 0), run.child);
  run.child = 0;
  // Killed by the signal, or exited with 128 + its number after cleaning up.
  EXPECT_TRUE((WIFSIGNALED(status) && WTERMSIG(status) == sig) ||
              (WIFEXITED(status) && WEXITSTATUS(status) == 128 + sig))
      << status;
  EXPECT_TRUE(no_process_left(tmp.path())) << "QEMU, swtpm or a worker outlived the run";
  if (sig != SIGKILL) {
    EXPECT_TRUE(fs::is_empty(tmp.path())) << listing(tmp.path());
    return;
  }
  // Nothing can clean up after SIGKILL: the directory stays until the next run sweeps it.
  const std::vector<fs::path> stale = vm_dirs(tmp.path());
  ASSERT_EQ(stale.size(), 1u);
  Reaper next{start_in_background(tmp.path(), arguments(command, out.path() / "next"))};
  ASSERT_TRUE(vm_running(tmp.path()));
  EXPECT_FALSE(fs::exists(stale.front())) << "the next run did not sweep " << stale.front();
  kill(next.child, SIGTERM);
  waitpid(next.child, nullptr, 0);
  next.child = 0;
  EXPECT_TRUE(no_process_left(tmp.path()));
  EXPECT_TRUE(fs::is_empty(tmp.path())) << listing(tmp.path());
}

INSTANTIATE_TEST_SUITE_P(EverySubcommandAndSignal, InterruptedVmRun,
                         ::testing::Combine(::testing::Values(Command::conform, Command::replay,
                                                              Command::confirm, Command::report),
                                            ::testing::Values(SIGINT, SIGTERM, SIGHUP, SIGKILL)),
                         [](const auto &info) {
                           return std::string(command_name(std::get<0>(info.param))) + "_" +
                                  sigabbrev_np(std::get<1>(info.param));
                         });

} // namespace
