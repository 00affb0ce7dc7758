// Recognising a kernel crash or hang in the serial console output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace trimcheck::vm::detail {

enum class ConsoleEvent { kernel_crash, hung };

struct ConsoleReport {
  ConsoleEvent event;
  std::string lines; // the first lines of the report, from the line that announced it
};

// The first Oops, BUG, general protection fault, KASAN report, panic or hung-task /
// soft-lockup report in `console`, with up to `max_lines` lines from its first line.
std::optional<ConsoleReport> scan_console(std::string_view console, std::size_t max_lines = 12);

// The last `max_lines` lines of `console`.
std::string console_tail(std::string_view console, std::size_t max_lines = 12);

} // namespace trimcheck::vm::detail
