#include "worker_processes.hpp"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <iostream>

namespace trimcheck::cli {

namespace {

// SIGINT, SIGTERM and SIGHUP, except those ignored by whoever started us (nohup ignores
// SIGHUP, a shell's background job SIGINT): those must stay harmless.
sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) == 0 && current.sa_handler != SIG_IGN)
      sigaddset(&set, sig);
  }
  return set;
}

[[noreturn]] void run_child(int index, const std::string &who, const std::function<int(int)> &body,
                            const sigset_t &parent_mask, pid_t parent) {
  sigprocmask(SIG_SETMASK, &parent_mask, nullptr);
  // Die with the parent, even if it is SIGKILLed; and if it died before this line ran.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent)
    _exit(1);
  int code = 0;
  try {
    code = body(index);
  } catch (const std::exception &error) {
    std::cerr << who << " worker: " << error.what() << "\n";
    code = 3;
  }
  std::cerr.flush();
  _exit(code);
}

} // namespace

bool run_workers(int count, const std::string &who, const std::function<int(int)> &body,
                 const std::function<void()> &cleanup) {
  // Termination signals and SIGCHLD are blocked from before the first fork, so none is
  // lost between a fork and the wait; sigtimedwait below takes them one by one.
  sigset_t waited = termination_signals();
  sigaddset(&waited, SIGCHLD);
  sigset_t previous;
  sigprocmask(SIG_BLOCK, &waited, &previous);
  const pid_t parent = ::getpid();
  std::vector<pid_t> running;
  bool failed = false;
  for (int index = 0; index < count; ++index) {
    const pid_t pid = ::fork();
    if (pid == 0)
      run_child(index, who, body, previous, parent);
    if (pid < 0) {
      failed = true;
      std::cerr << who << ": fork failed: " << std::strerror(errno) << "\n";
      break;
    }
    running.push_back(pid);
  }
  const sigset_t termination = termination_signals();
  while (!running.empty()) {
    std::erase_if(running, [&](pid_t pid) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) != pid)
        return false;
      failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
      return true;
    });
    if (running.empty())
      break;
    const timespec tick{1, 0}; // SIGCHLD wakes us sooner; the tick only bounds a lost one
    const int sig = sigtimedwait(&waited, nullptr, &tick);
    if (sig > 0 && sigismember(&termination, sig)) {
      for (pid_t pid : running)
        ::kill(pid, SIGKILL);
      for (pid_t pid : running)
        ::waitpid(pid, nullptr, 0);
      cleanup();
      std::signal(sig, SIG_DFL);
      sigprocmask(SIG_SETMASK, &previous, nullptr);
      ::raise(sig);
      _exit(128 + sig); // if the signal was blocked by whoever started us
    }
  }
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  return !failed;
}

} // namespace trimcheck::cli
