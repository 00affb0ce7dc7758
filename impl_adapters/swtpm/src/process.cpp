#include "trimcheck/swtpm/process.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace trimcheck::swtpm {

namespace {

// Resolves an executable in PATH before forking (only async-signal-safe calls after fork).
std::string find_program(const std::string &name) {
  const char *path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (std::size_t start = 0; start <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  throw SwtpmError(name + " not found in PATH (install it with scripts/setup-deps)");
}

bool socket_accepts(const std::string &path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  const bool ok = connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

// The guardian, in the forked child: only async-signal-safe calls from here on.
[[noreturn]] void run_guardian(int lifeline, int report, const std::vector<char *> &swtpm_argv,
                               const std::vector<char *> &rm_argv) {
  setpgid(0, 0);
  for (int fd = 3; fd < 1024; ++fd)
    if (fd != lifeline && fd != report)
      close(fd);
  const pid_t swtpm = fork();
  if (swtpm == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close(lifeline);
    close(report);
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    execv(swtpm_argv[0], swtpm_argv.data());
    _exit(127);
  }
  (void)!write(report, &swtpm, sizeof swtpm);
  close(report);
  for (char byte;;) {
    const ssize_t got = read(lifeline, &byte, 1);
    if (got == 0 || (got < 0 && errno != EINTR))
      break; // every write end is closed: the owner is gone
  }
  if (swtpm > 0) {
    kill(swtpm, SIGTERM);
    int status;
    for (int i = 0; i < 200 && waitpid(swtpm, &status, WNOHANG) == 0; ++i) {
      const timespec pause{0, 10'000'000};
      nanosleep(&pause, nullptr);
    }
    kill(swtpm, SIGKILL);
    waitpid(swtpm, &status, 0);
  }
  execv(rm_argv[0], rm_argv.data());
  _exit(127);
}

} // namespace

SwtpmProcess SwtpmProcess::start() {
  SwtpmProcess process{[] {
    try {
      return process::ScratchDir("trimcheck-swtpm");
    } catch (const std::runtime_error &error) {
      throw SwtpmError(error.what());
    }
  }()};
  const std::string dir = process.directory().string(), socket = dir + "/swtpm.sock";
  std::vector<std::string> swtpm_args = {find_program("swtpm"),
                                         "socket",
                                         "--tpm2",
                                         "--tpmstate",
                                         "dir=" + dir,
                                         "--server",
                                         "type=unixio,path=" + socket,
                                         "--ctrl",
                                         "type=unixio,path=" + socket + ".ctrl",
                                         "--flags",
                                         "not-need-init",
                                         "--log",
                                         "file=" + dir + "/swtpm.log,level=1"};
  std::vector<std::string> rm_args = {find_program("rm"), "-rf", "--", dir};
  auto argv = [](std::vector<std::string> &args) {
    std::vector<char *> out;
    for (std::string &arg : args)
      out.push_back(arg.data());
    out.push_back(nullptr);
    return out;
  };
  const std::vector<char *> swtpm_argv = argv(swtpm_args), rm_argv = argv(rm_args);
  int lifeline[2], report[2];
  if (pipe2(lifeline, O_CLOEXEC) != 0 || pipe2(report, O_CLOEXEC) != 0)
    throw SwtpmError(std::string("pipe: ") + std::strerror(errno));
  const pid_t guardian = fork();
  if (guardian == 0) {
    close(lifeline[1]);
    close(report[0]);
    run_guardian(lifeline[0], report[1], swtpm_argv, rm_argv);
  }
  close(lifeline[0]);
  close(report[1]);
  process.lifeline_ = lifeline[1];
  process.guardian_pid_ = guardian;
  if (guardian < 0) {
    close(report[0]);
    process.stop();
    throw SwtpmError(std::string("fork: ") + std::strerror(errno));
  }
  pid_t swtpm = -1;
  const bool reported = read(report[0], &swtpm, sizeof swtpm) == sizeof swtpm;
  close(report[0]);
  process.swtpm_pid_ = swtpm;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (reported && swtpm > 0 && !socket_accepts(socket)) {
    if (std::chrono::steady_clock::now() > deadline || kill(swtpm, 0) != 0) {
      process.stop();
      throw SwtpmError("swtpm did not start (socket " + socket + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return process;
}

SwtpmProcess::SwtpmProcess(SwtpmProcess &&other) noexcept
    : directory_(std::move(other.directory_)), guardian_pid_(other.guardian_pid_),
      swtpm_pid_(other.swtpm_pid_), lifeline_(other.lifeline_) {
  other.guardian_pid_ = other.swtpm_pid_ = -1;
  other.lifeline_ = -1;
}

SwtpmProcess::~SwtpmProcess() {
  stop();
}

void SwtpmProcess::stop() {
  if (lifeline_ >= 0) {
    close(lifeline_);
    lifeline_ = -1;
  }
  if (guardian_pid_ > 0) {
    int status;
    while (waitpid(guardian_pid_, &status, 0) < 0 && errno == EINTR) {
    }
    guardian_pid_ = -1;
  }
}

std::string SwtpmProcess::tcti() const {
  return "swtpm:path=" + (directory() / "swtpm.sock").string();
}

} // namespace trimcheck::swtpm
