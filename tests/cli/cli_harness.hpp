// Running the trimcheck binary from tests as users and CI run it.
#pragma once

#include "../support/temp_dir.hpp"

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace trimcheck::test {

namespace fs = std::filesystem;

struct CliRun {
  int code;
  std::string out;
};

// Runs a shell command and collects its stdout.
inline CliRun run_shell(const std::string &command) {
  FILE *pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Runs the binary with `args` through the shell; stderr is folded into out if asked.
// `environment` (e.g. "TMPDIR=/x") is set for the binary only.
inline CliRun run(const std::string &args, bool with_stderr = false,
                  const std::string &environment = "") {
  return run_shell(environment + (environment.empty() ? "" : " ") + TRIMCHECK_BINARY + " " + args +
                   (with_stderr ? " 2>&1" : " 2>/dev/null"));
}

inline std::string slurp(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Starts `trimcheck ARGS` in the background with TMPDIR=tmp (which also marks its
// processes), the default action for SIGINT, SIGTERM and SIGHUP as from an interactive
// shell, and its output discarded; returns its pid.
inline pid_t start_in_background(const fs::path &tmp, const std::vector<std::string> &args) {
  const pid_t pid = fork();
  if (pid == 0) {
    setenv("TMPDIR", tmp.c_str(), 1);
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
      signal(sig, SIG_DFL);
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    std::vector<char *> argv{const_cast<char *>(TRIMCHECK_BINARY)};
    for (const std::string &arg : args)
      argv.push_back(const_cast<char *>(arg.c_str()));
    argv.push_back(nullptr);
    execv(TRIMCHECK_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

} // namespace trimcheck::test
