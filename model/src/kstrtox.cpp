#include "trimcheck/model/detail/kstrtox.hpp"

#include "trimcheck/model/detail/kernel_ops.hpp"

#include <algorithm>
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

// The C string being parsed, remembering the furthest byte read (the NUL after the text
// counts as read once the parse looks at it).
class Scan {
public:
  explicit Scan(std::string_view text) : text_(text) {}
  char at(std::size_t i) {
    reach_ = std::max(reach_, i + 1);
    return i < text_.size() ? text_[i] : '\0';
  }
  std::size_t reach() const { return reach_; }

private:
  std::string_view text_;
  std::size_t reach_ = 0;
};

// kstrtoull from byte `start` (after any sign): radix detection, digits, optional
// newline, end.
ParsedUnsigned parse_unsigned(Scan &scan, std::size_t start, unsigned base) {
  std::size_t i = start;
  if (base == 0) {
    if (scan.at(i) == '0')
      base = lower(scan.at(i + 1)) == 'x' && is_xdigit(scan.at(i + 2)) ? 16 : 8;
    else
      base = 10;
  }
  if (base == 16 && scan.at(i) == '0' && lower(scan.at(i + 1)) == 'x')
    i += 2;

  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  std::size_t digits = 0;
  bool overflow = false;
  for (;; ++digits) {
    std::optional<unsigned> digit = digit_value(scan.at(i + digits));
    if (!digit || *digit >= base)
      break;
    if (value > (kMax - *digit) / base)
      overflow = true;
    value = value * base + *digit;
  }
  if (overflow)
    return {-kERANGE, 0, scan.reach()};
  if (digits == 0)
    return {-kEINVAL, 0, scan.reach()};
  i += digits;
  if (scan.at(i) == '\n')
    ++i;
  if (scan.at(i) != '\0')
    return {-kEINVAL, 0, scan.reach()};
  return {0, value, scan.reach()};
}

ParsedUnsigned parse_unsigned_with_plus(Scan &scan, unsigned base) {
  return parse_unsigned(scan, scan.at(0) == '+' ? 1 : 0, base);
}

} // namespace

std::string_view c_string(std::string_view bytes) {
  return bytes.substr(0, bytes.find('\0'));
}

ParsedUnsigned kstrtoull(std::string_view text, unsigned base) {
  Scan scan(text);
  return parse_unsigned_with_plus(scan, base);
}

ParsedSigned kstrtoll(std::string_view text, unsigned base) {
  constexpr std::uint64_t kMagnitudeLimit =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1;
  Scan scan(text);
  if (scan.at(0) == '-') {
    ParsedUnsigned magnitude = parse_unsigned(scan, 1, base);
    if (magnitude.error != 0)
      return {magnitude.error, 0, magnitude.reach};
    if (magnitude.value > kMagnitudeLimit)
      return {-kERANGE, 0, magnitude.reach};
    if (magnitude.value == kMagnitudeLimit)
      return {0, std::numeric_limits<std::int64_t>::min(), magnitude.reach};
    return {0, -static_cast<std::int64_t>(magnitude.value), magnitude.reach};
  }
  ParsedUnsigned parsed = parse_unsigned_with_plus(scan, base);
  if (parsed.error != 0)
    return {parsed.error, 0, parsed.reach};
  if (parsed.value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return {-kERANGE, 0, parsed.reach};
  return {0, static_cast<std::int64_t>(parsed.value), parsed.reach};
}

} // namespace trimcheck::model::detail
