#include "chen_grammar.hpp"

#include "trimcheck/model/detail/kernel_ops.hpp"
#include "trimcheck/model/detail/kstrtox.hpp"

#include <limits>

namespace trimcheck::model::detail {
namespace {

// IMA_LOG_TRIM_REQ_LENGTH (v1-v3) and IMA_LOG_TRIM_REQ_TOTAL_LENGTH (v4/v5).
constexpr std::size_t kShortRequestMax = 11;
constexpr std::size_t kTotalRequestMax = 32;
constexpr std::size_t kRequestMin = 2;

bool is_digit(std::uint8_t byte) {
  return byte >= '0' && byte <= '9';
}

// v1/v2: every byte is a decimal digit; no sign, no newline (2.2).
ChenRequest parse_digits(const Bytes &input) {
  std::int64_t n = 0;
  for (std::uint8_t byte : input) {
    if (!is_digit(byte))
      return {-kEINVAL};
    n = n * 10 + (byte - '0');
  }
  return {0, n};
}

// v3: kstrtol_from_user copies the bytes and NUL-terminates them (2.4).
ChenRequest parse_kstrtol(const Bytes &input) {
  std::string_view text(reinterpret_cast<const char *>(input.data()), input.size());
  ParsedSigned parsed = kstrtoll(c_string(text), 10);
  return {parsed.error, parsed.value};
}

// v4/v5 "T:N" (2.5): T by hand (digits up to ':' or the end of the string, overflow of a
// long is ERANGE), T == trimcount, then N = kstrtoul(rest, 0) stored in a long. The
// kernel does not NUL-terminate its copy; the model reads the bytes after the user data
// as NUL (docs/proposals/chen.md).
ChenRequest parse_total_colon_n(const Bytes &input, std::int64_t trimcount) {
  std::string_view text =
      c_string(std::string_view(reinterpret_cast<const char *>(input.data()), input.size()));
  constexpr std::int64_t kLongMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != ':'; ++i) {
    if (!is_digit(static_cast<std::uint8_t>(text[i])))
      return {-kEINVAL};
    const int digit = text[i] - '0';
    if (total > (kLongMax - digit) / 10)
      return {-kERANGE};
    total = total * 10 + digit;
  }
  if (i == text.size())
    return {-kEINVAL}; // no ':'
  if (total != trimcount)
    return {-kEINVAL};
  ParsedUnsigned n = kstrtoull(text.substr(i + 1), 0);
  if (n.error != 0)
    return {n.error};
  return {0, static_cast<std::int64_t>(n.value)}; // N > LONG_MAX becomes negative
}

} // namespace

ChenRequest parse_trim_request(ChenGrammar grammar, const Bytes &input, std::uint64_t pos,
                               std::int64_t trimcount) {
  const std::size_t max_len =
      grammar == ChenGrammar::total_colon_n ? kTotalRequestMax : kShortRequestMax;
  if (pos > 0 || input.size() > max_len || input.size() < kRequestMin)
    return {-kEINVAL};
  switch (grammar) {
  case ChenGrammar::digits_only:
    return parse_digits(input);
  case ChenGrammar::kstrtol_base10:
    return parse_kstrtol(input);
  case ChenGrammar::total_colon_n:
    return parse_total_colon_n(input, trimcount);
  }
  return {-kEINVAL};
}

} // namespace trimcheck::model::detail
