// A run's scratch directory: private, named after the run's pid, removed with the run;
// and what a killed run left is swept by the next one, never a live run's directory.
#include "trimcheck/process/scratch_dir.hpp"

#include "../../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>

namespace trimcheck::process {
namespace {

namespace fs = std::filesystem;

// The pid of a process that has exited and been reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0)
    ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

// A child that runs until the test ends.
struct LiveChild {
  LiveChild() : pid(::fork()) {
    if (pid == 0)
      for (;;)
        ::pause();
  }
  ~LiveChild() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  LiveChild(const LiveChild &) = delete;
  LiveChild &operator=(const LiveChild &) = delete;
  pid_t pid;
};

fs::path make_dir(const fs::path &path) {
  fs::create_directory(path);
  std::ofstream(path / "state") << "x";
  return path;
}

// A run's directory as ScratchDir names it, made in `space` (this PID namespace unless said).
std::string named(pid_t pid, const char *random = "abc123", std::uint64_t space = pid_namespace()) {
  return "run." + std::to_string(pid) + "." + std::to_string(space) + "." + random;
}

TEST(ScratchDir, IsPrivateNamedAfterTheRunAndRemovedWithItsContents) {
  const trimcheck::test::TempDir base("trimcheck-scratch-test", temp_base());
  fs::path path;
  {
    const ScratchDir dir("run", base.path());
    path = dir.path();
    EXPECT_EQ(path.parent_path(), base.path());
    const std::string name = path.filename().string(),
                      expected = "run." + std::to_string(::getpid()) + "." +
                                 std::to_string(pid_namespace()) + ".";
    EXPECT_EQ(name.substr(0, expected.size()), expected);
    EXPECT_EQ(name.size(), expected.size() + 6);
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0700u);
    make_dir(path / "tpm");
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(ScratchDir, NamesThisProcesssPidNamespace) {
  struct stat info {};
  ASSERT_EQ(::stat("/proc/self/ns/pid", &info), 0);
  EXPECT_EQ(pid_namespace(), static_cast<std::uint64_t>(info.st_ino));
  EXPECT_NE(pid_namespace(), 0u);
}

TEST(ScratchDir, AMovedFromDirectoryRemovesNothing) {
  const trimcheck::test::TempDir base("trimcheck-scratch-test", temp_base());
  ScratchDir first("run", base.path());
  const fs::path path = first.path();
  {
    const ScratchDir second(std::move(first));
    EXPECT_EQ(second.path(), path);
    { const ScratchDir gone(std::move(first)); } // NOLINT: moved-from on purpose
    EXPECT_TRUE(fs::is_directory(path));
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(ScratchDir, CreatingOneSweepsWhatADeadRunLeft) {
  const trimcheck::test::TempDir base("trimcheck-scratch-test", temp_base());
  const fs::path stale = make_dir(base.path() / named(dead_pid()));
  const ScratchDir dir("run", base.path());
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::is_directory(dir.path()));
}

TEST(SweepStale, RemovesOnlyTheDirectoriesOfDeadRuns) {
  const trimcheck::test::TempDir base("trimcheck-scratch-test", temp_base());
  const LiveChild live;
  const pid_t dead = dead_pid();
  const fs::path removed = make_dir(base.path() / named(dead));
  const fs::path kept[] = {
      make_dir(base.path() / named(::getpid())),     // this run
      make_dir(base.path() / named(live.pid)),       // another live run
      make_dir(base.path() / named(1)),              // init: alive, maybe not ours (EPERM)
      make_dir(base.path() / named(dead, "abc")),    // not mkdtemp's six characters
      make_dir(base.path() / named(dead, "abc-12")), // nor letters and digits
      make_dir(base.path() / named(dead, "abc123", pid_namespace() + 1)),  // another namespace's
      make_dir(base.path() / ("run." + std::to_string(dead) + ".abc123")), // no namespace
      make_dir(base.path() / ("run." + std::to_string(dead))),
      make_dir(base.path() / ("run-" + std::to_string(dead) + ".abc123")),
      make_dir(base.path() / ("other." + std::to_string(dead) + ".abc123")),
      make_dir(base.path() / ("run.x" + std::to_string(dead) + ".abc123")),
      make_dir(base.path() / ("run.99999999999999999999." + std::to_string(pid_namespace()) +
                              ".abc123")), // no pid
      make_dir(base.path() / ("run.0." + std::to_string(pid_namespace()) + ".abc123")),
      make_dir(base.path() / ("run." + std::to_string(dead) + ".x1.abc123")), // no namespace
  };
  std::ofstream(base.path() / named(dead, "file12")) << "a file, not a directory";
  const fs::path target = make_dir(base.path() / "target");
  fs::create_directory_symlink(target, base.path() / named(dead, "link12"));

  sweep_stale(base.path(), "run");

  EXPECT_FALSE(fs::exists(removed));
  for (const fs::path &path : kept)
    EXPECT_TRUE(fs::is_directory(path)) << path;
  EXPECT_TRUE(fs::is_regular_file(base.path() / named(dead, "file12")));
  EXPECT_TRUE(fs::is_symlink(base.path() / named(dead, "link12")));
  EXPECT_TRUE(fs::exists(target / "state"));
}

} // namespace
} // namespace trimcheck::process
