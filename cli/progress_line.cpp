#include "progress_line.hpp"

#include <unistd.h>

namespace trimcheck::cli {

namespace {
constexpr auto kInterval = std::chrono::seconds(2);
} // namespace

ProgressLine::ProgressLine(std::string command, bool quiet) : command_(std::move(command)) {
  if (!quiet)
    thread_ = std::jthread([this](std::stop_token stop) { print_every_two_seconds(stop); });
}

void ProgressLine::set(std::string status) {
  const std::lock_guard lock(mutex_);
  status_ = std::move(status);
}

void ProgressLine::print_every_two_seconds(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  for (auto next = start_ + kInterval;; next += kInterval) {
    if (wake_.wait_until(lock, stop, next, [] { return false; }) || stop.stop_requested())
      return;
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_);
    const std::string line = "trimcheck " + command_ + ": " +
                             (status_.empty() ? "working" : status_) + " (" +
                             std::to_string(seconds.count()) + " s)\n";
    // One write, so that the line does not interleave with other output on stderr.
    [[maybe_unused]] const auto written = ::write(STDERR_FILENO, line.data(), line.size());
  }
}

} // namespace trimcheck::cli
