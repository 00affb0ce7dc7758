// RAII for what a VM run leaves on the host (its private temporary directory is a
// process::ScratchDir): child processes (killed and reaped on destruction, and killed by
// the kernel if trimcheck dies: PR_SET_PDEATHSIG), and SIGINT/SIGTERM/SIGHUP turned into a
// readable fd so that an interrupted run unwinds and cleans up instead of dying.
#pragma once

#include <filesystem>
#include <signal.h>
#include <string>
#include <sys/types.h>
#include <vector>

namespace trimcheck::vm::detail {

class ChildProcess {
public:
  // Runs argv[0] (PATH lookup) with stdin from /dev/null and stdout/stderr to `log`.
  ChildProcess(const std::vector<std::string> &argv, const std::filesystem::path &log);
  ~ChildProcess();
  ChildProcess(const ChildProcess &) = delete;
  ChildProcess &operator=(const ChildProcess &) = delete;
  bool running();    // false once it has exited (reaped here)
  int exit_status(); // valid once !running(): exit code or 128 + signal
  void stop();       // SIGTERM, then SIGKILL after a grace period; reaps

private:
  pid_t pid_ = -1;
  int status_ = 0;
};

// While alive, SIGINT, SIGTERM and SIGHUP are blocked and readable from fd().
class SignalCatcher {
public:
  SignalCatcher();
  ~SignalCatcher();
  SignalCatcher(const SignalCatcher &) = delete;
  SignalCatcher &operator=(const SignalCatcher &) = delete;
  int fd() const { return fd_; }
  int caught(); // the pending signal number, 0 if none (non-blocking)

private:
  sigset_t previous_{};
  int fd_ = -1;
};

} // namespace trimcheck::vm::detail
