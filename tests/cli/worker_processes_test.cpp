// `check` and `report` leave no worker process and no scratch directory behind when they
// are signalled mid-run (cli/worker_processes.hpp, issue 20 item 10).
#include "cli_harness.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <thread>
#include <vector>

namespace {

using namespace trimcheck::test;
using namespace std::chrono_literals;

// The trimcheck-jobs.* directories in `dir`.
std::vector<fs::path> scratch_dirs(const fs::path &dir) {
  std::vector<fs::path> found;
  for (const auto &entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().rfind("trimcheck-jobs.", 0) == 0)
      found.push_back(entry.path());
  return found;
}

std::vector<pid_t> children_of(pid_t pid) {
  std::istringstream text(
      slurp("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children"));
  std::vector<pid_t> children;
  for (pid_t child = 0; text >> child;)
    children.push_back(child);
  return children;
}

// Running: neither gone nor a zombie waiting for init.
bool running(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const std::size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// Starts `trimcheck ARGS` with TMPDIR=tmp and waits until its workers run.
pid_t start_with_workers(const std::string &tmp, const std::vector<std::string> &args,
                         std::vector<pid_t> &workers) {
  const pid_t pid = start_in_background(tmp, args);
  for (int tries = 0; tries < 600 && workers.size() < 2; ++tries) {
    std::this_thread::sleep_for(50ms);
    workers = children_of(pid);
  }
  return pid;
}

class SignalledRun : public ::testing::TestWithParam<int> {};

TEST_P(SignalledRun, LeavesNoWorkerAndNoDirectory) {
  const int sig = GetParam();
  TempDir tmp;
  std::vector<pid_t> workers;
  const pid_t check = start_with_workers(
      tmp.path().string(), {"check", "--jobs", "2", "--out", (tmp.path() / "traces").string()},
      workers);
  ASSERT_EQ(workers.size(), 2u) << "the workers did not start";
  ASSERT_EQ(scratch_dirs(tmp.path()).size(), 1u);
  ASSERT_EQ(kill(check, sig), 0);
  int status = 0;
  ASSERT_EQ(waitpid(check, &status, 0), check);
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), sig);
  for (int tries = 0; tries < 100 && (running(workers[0]) || running(workers[1])); ++tries)
    std::this_thread::sleep_for(50ms);
  for (pid_t worker : workers)
    EXPECT_FALSE(running(worker)) << "worker " << worker << " outlived check (signal " << sig
                                  << ")";
  if (sig != SIGKILL) {
    EXPECT_TRUE(scratch_dirs(tmp.path()).empty());
    return;
  }
  // Nothing runs on SIGKILL: the directory stays until the next run sweeps it.
  EXPECT_EQ(scratch_dirs(tmp.path()).size(), 1u);
  EXPECT_EQ(run("check --proposal baseline-6.12 --property B1 --runs 3 --jobs 1 --out " +
                    (tmp.path() / "traces").string(),
                false, "TMPDIR=" + tmp.path().string())
                .code,
            0);
  EXPECT_TRUE(scratch_dirs(tmp.path()).empty());
}

INSTANTIATE_TEST_SUITE_P(EverySignal, SignalledRun,
                         ::testing::Values(SIGINT, SIGTERM, SIGHUP, SIGKILL),
                         [](const auto &info) { return std::string(sigabbrev_np(info.param)); });

} // namespace
