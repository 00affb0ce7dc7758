#include "trimcheck/vm/detail/console.hpp"

#include <array>
#include <utility>

namespace trimcheck::vm::detail {
namespace {

struct Pattern {
  std::string_view text;
  ConsoleEvent event;
};

constexpr std::array kPatterns{
    Pattern{"Oops:", ConsoleEvent::kernel_crash},
    Pattern{"BUG:", ConsoleEvent::kernel_crash},
    Pattern{"general protection fault", ConsoleEvent::kernel_crash},
    Pattern{"KASAN:", ConsoleEvent::kernel_crash},
    Pattern{"Kernel panic", ConsoleEvent::kernel_crash},
    Pattern{"kernel BUG at", ConsoleEvent::kernel_crash},
    Pattern{"blocked for more than", ConsoleEvent::hung},
    Pattern{"soft lockup", ConsoleEvent::hung},
    Pattern{"rcu_sched self-detected stall", ConsoleEvent::hung},
};

} // namespace

std::optional<ConsoleReport> scan_console(std::string_view console, std::size_t max_lines) {
  std::size_t first = std::string_view::npos;
  ConsoleEvent event = ConsoleEvent::kernel_crash;
  for (const Pattern &pattern : kPatterns) {
    const std::size_t at = console.find(pattern.text);
    if (at < first) {
      first = at;
      event = pattern.event;
    }
  }
  if (first == std::string_view::npos)
    return std::nullopt;
  // A soft lockup or stall is a hang even if it is printed with "BUG:".
  const std::size_t line_start = console.rfind('\n', first);
  std::size_t begin = line_start == std::string_view::npos ? 0 : line_start + 1;
  std::string_view line = console.substr(begin, console.find('\n', first) - begin);
  if (line.find("soft lockup") != std::string_view::npos)
    event = ConsoleEvent::hung;
  std::size_t end = begin;
  for (std::size_t n = 0; n < max_lines && end < console.size(); ++n) {
    const std::size_t next = console.find('\n', end);
    end = next == std::string_view::npos ? console.size() : next + 1;
  }
  return ConsoleReport{event, std::string(console.substr(begin, end - begin))};
}

std::string console_tail(std::string_view console, std::size_t max_lines) {
  std::size_t begin = console.size();
  if (begin > 0 && console[begin - 1] == '\n')
    --begin;
  for (std::size_t n = 0; n < max_lines && begin > 0; ++n) {
    const std::size_t at = console.rfind('\n', begin - 1);
    begin = at == std::string_view::npos ? 0 : at;
    if (begin == 0)
      break;
  }
  if (begin > 0)
    ++begin;
  return std::string(console.substr(begin));
}

} // namespace trimcheck::vm::detail
