#include "trimcheck/props/scenario.hpp"

#include <stdexcept>

namespace trimcheck::props {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string &out, std::uint64_t value, int digits) {
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4)
    out += kHex[value >> shift & 0xf];
}

[[noreturn]] void bad_code(std::string_view code, const std::string &what) {
  throw std::invalid_argument("scenario \"" + std::string(code.substr(0, 60)) +
                              (code.size() > 60 ? "..." : "") + "\": " + what);
}

// The value of `name=` at the start of `rest`, which then moves past it and one space.
std::string_view take_field(std::string_view code, std::string_view &rest, std::string_view name) {
  if (rest.substr(0, name.size() + 1) != std::string(name) + "=")
    bad_code(code, "expected " + std::string(name) + "=");
  rest.remove_prefix(name.size() + 1);
  const std::size_t end = std::min(rest.find(' '), rest.size());
  std::string_view value = rest.substr(0, end);
  rest.remove_prefix(std::min(end + 1, rest.size()));
  return value;
}

std::uint64_t parse_hex(std::string_view code, std::string_view digits, std::string_view what) {
  std::uint64_t value = 0;
  for (char c : digits) {
    const char *at = std::char_traits<char>::find(kHex, 16, c);
    if (at == nullptr)
      bad_code(code, std::string(what) + ": '" + c + "' is not a lowercase hex digit");
    value = value << 4 | static_cast<std::uint64_t>(at - kHex);
  }
  return value;
}

} // namespace

std::string scenario_code(const Scenario &scenario) {
  std::string code = "config=";
  for (bool ConfigChoice::*flag : kConfigChoiceFlags)
    code += scenario.config.*flag ? '1' : '0';
  code += " swarm=";
  append_hex(code, scenario.swarm.left_out, 8);
  code += " choices=";
  for (const Choice &choice : scenario.choices) {
    append_hex(code, choice.kind, 2);
    append_hex(code, choice.a, 2);
    append_hex(code, choice.b, 2);
    append_hex(code, choice.c, 2);
  }
  return code;
}

Scenario scenario_from_code(std::string_view code) {
  Scenario scenario;
  std::string_view rest = code;
  const std::string_view flags = take_field(code, rest, "config");
  if (flags.size() != std::size(kConfigChoiceFlags) ||
      flags.find_first_not_of("01") != std::string_view::npos)
    bad_code(code, "config: expected " + std::to_string(std::size(kConfigChoiceFlags)) +
                       " digits 0 or 1");
  for (std::size_t i = 0; i < flags.size(); ++i)
    scenario.config.*kConfigChoiceFlags[i] = flags[i] == '1';
  const std::string_view swarm = take_field(code, rest, "swarm");
  if (swarm.size() != 8)
    bad_code(code, "swarm: expected 8 hex digits");
  scenario.swarm.left_out = static_cast<std::uint32_t>(parse_hex(code, swarm, "swarm"));
  if (scenario.swarm.left_out >> Swarm::kKinds != 0)
    bad_code(code, "swarm: only the low " + std::to_string(Swarm::kKinds) + " bits name kinds");
  const std::string_view choices = take_field(code, rest, "choices");
  if (!rest.empty())
    bad_code(code, "unexpected text after the choices");
  if (choices.size() % 8 != 0)
    bad_code(code, "choices: expected 8 hex digits per choice");
  for (std::size_t at = 0; at < choices.size(); at += 8) {
    const std::uint64_t bits = parse_hex(code, choices.substr(at, 8), "choices");
    const Choice choice{static_cast<std::uint8_t>(bits >> 24),
                        static_cast<std::uint8_t>(bits >> 16), static_cast<std::uint8_t>(bits >> 8),
                        static_cast<std::uint8_t>(bits)};
    if (choice.kind >= Swarm::kKinds)
      bad_code(code, "choices: kind " + std::to_string(choice.kind) + " of choice " +
                         std::to_string(at / 8) + " is not below " + std::to_string(Swarm::kKinds));
    scenario.choices.push_back(choice);
  }
  return scenario;
}

} // namespace trimcheck::props
