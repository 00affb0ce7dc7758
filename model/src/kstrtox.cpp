#include "trimcheck/model/detail/kstrtox.hpp"

#include "trimcheck/model/detail/kernel_ops.hpp"

#include <limits>
#include <optional>

namespace trimcheck::model::detail {
namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_xdigit(char c) {
  c = lower(c);
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

std::optional<unsigned> digit_value(char c) {
  c = lower(c);
  if (c >= '0' && c <= '9')
    return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f')
    return static_cast<unsigned>(c - 'a' + 10);
  return std::nullopt;
}

char at(std::string_view text, std::size_t i) {
  return i < text.size() ? text[i] : '\0';
}

// kstrtoull without the leading '+': radix detection, digits, optional newline, end.
ParsedUnsigned parse_unsigned(std::string_view text, unsigned base) {
  if (base == 0) {
    if (at(text, 0) == '0')
      base = lower(at(text, 1)) == 'x' && is_xdigit(at(text, 2)) ? 16 : 8;
    else
      base = 10;
  }
  if (base == 16 && at(text, 0) == '0' && lower(at(text, 1)) == 'x')
    text.remove_prefix(2);

  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  std::size_t digits = 0;
  bool overflow = false;
  while (digits < text.size()) {
    std::optional<unsigned> digit = digit_value(text[digits]);
    if (!digit || *digit >= base)
      break;
    if (value > (kMax - *digit) / base)
      overflow = true;
    value = value * base + *digit;
    ++digits;
  }
  if (overflow)
    return {-kERANGE};
  if (digits == 0)
    return {-kEINVAL};
  text.remove_prefix(digits);
  if (at(text, 0) == '\n')
    text.remove_prefix(1);
  if (!text.empty())
    return {-kEINVAL};
  return {0, value};
}

} // namespace

std::string_view c_string(std::string_view bytes) {
  return bytes.substr(0, bytes.find('\0'));
}

ParsedUnsigned kstrtoull(std::string_view text, unsigned base) {
  if (at(text, 0) == '+')
    text.remove_prefix(1);
  return parse_unsigned(text, base);
}

ParsedSigned kstrtoll(std::string_view text, unsigned base) {
  constexpr std::uint64_t kMagnitudeLimit =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1;
  if (at(text, 0) == '-') {
    ParsedUnsigned magnitude = parse_unsigned(text.substr(1), base);
    if (magnitude.error != 0)
      return {magnitude.error};
    if (magnitude.value > kMagnitudeLimit)
      return {-kERANGE};
    if (magnitude.value == kMagnitudeLimit)
      return {0, std::numeric_limits<std::int64_t>::min()};
    return {0, -static_cast<std::int64_t>(magnitude.value)};
  }
  ParsedUnsigned parsed = kstrtoull(text, base);
  if (parsed.error != 0)
    return {parsed.error};
  if (parsed.value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return {-kERANGE};
  return {0, static_cast<std::int64_t>(parsed.value)};
}

} // namespace trimcheck::model::detail
