// Progress on stderr for runs longer than two seconds (docs/cli.md): a subcommand says
// what it is doing now; from 2 s on, "trimcheck CMD: <status> (N s)" is printed every two
// seconds. Nothing is printed for a shorter run, nor with --quiet. The line comes from a
// thread of its own, so that one long solver call or VM boot still shows that the run
// is alive and where it is.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

namespace trimcheck::cli {

class ProgressLine {
public:
  ProgressLine(std::string command, bool quiet);
  ProgressLine(const ProgressLine &) = delete;
  ProgressLine &operator=(const ProgressLine &) = delete;
  // Thread-safe: what the run is doing now ("BMC depth 5").
  void set(std::string status);

private:
  void print_every_two_seconds(std::stop_token stop);

  std::string command_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::string status_;
  std::jthread thread_; // last: it starts after the members it reads
};

} // namespace trimcheck::cli
