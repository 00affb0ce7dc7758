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

// v1/v2: every byte is a decimal digit; no sign, no newline (2.2). The copy's result is
// not checked: after a fault the loop reads the zeros copy_from_user left.
ChenRequest parse_digits(const UserCopy &input) {
  std::int64_t n = 0;
  for (std::size_t i = 0; i < input.bytes.size(); ++i) {
    const std::uint8_t byte = input.bytes[i];
    if (!is_digit(byte))
      return {-kEINVAL, 0, input.read_past_delivered(i + 1)};
    n = n * 10 + (byte - '0');
  }
  return {0, n, false};
}

// v3: kstrtol_from_user copies the bytes and NUL-terminates them (2.4).
ChenRequest parse_kstrtol(const UserCopy &input) {
  if (input.faulted())
    return {-kEFAULT};
  std::string_view text(reinterpret_cast<const char *>(input.bytes.data()), input.bytes.size());
  ParsedSigned parsed = kstrtoll(c_string(text), 10);
  return {parsed.error, parsed.value, false};
}

// v4/v5 "T:N" (2.5): T by hand (digits up to ':' or the end of the string, overflow of a
// long is ERANGE), T == trimcount, then N = kstrtoul(rest, 0) stored in a long. The
// kernel does not NUL-terminate its copy: a parse that reaches the end of the written
// bytes reads the kernel's buffer past them, which the model reads as NUL
// (docs/proposals/chen.md) and reports.
ChenRequest parse_total_colon_n(const UserCopy &input, std::int64_t trimcount) {
  if (input.faulted())
    return {-kEFAULT};
  std::string_view text = c_string(
      std::string_view(reinterpret_cast<const char *>(input.bytes.data()), input.bytes.size()));
  auto answer = [&](std::int64_t error, std::int64_t n, std::size_t reach) {
    return ChenRequest{error, n, input.read_past_delivered(reach)};
  };
  constexpr std::int64_t kLongMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t total = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != ':'; ++i) {
    if (!is_digit(static_cast<std::uint8_t>(text[i])))
      return answer(-kEINVAL, 0, i + 1);
    const int digit = text[i] - '0';
    if (total > (kLongMax - digit) / 10)
      return answer(-kERANGE, 0, i + 1);
    total = total * 10 + digit;
  }
  if (i == text.size())
    return answer(-kEINVAL, 0, i + 1); // no ':' before the terminator
  if (total != trimcount)
    return answer(-kEINVAL, 0, i + 1);
  ParsedUnsigned n = kstrtoull(text.substr(i + 1), 0);
  const std::size_t reach = i + 1 + n.reach;
  if (n.error != 0)
    return answer(n.error, 0, reach);
  return answer(0, static_cast<std::int64_t>(n.value), reach); // N > LONG_MAX: negative
}

} // namespace

ChenRequest parse_trim_request(ChenGrammar grammar, const UserCopy &input, std::uint64_t pos,
                               std::int64_t trimcount) {
  const std::size_t max_len =
      grammar == ChenGrammar::total_colon_n ? kTotalRequestMax : kShortRequestMax;
  const std::size_t len = input.bytes.size();
  if (pos > 0 || len > max_len || len < kRequestMin)
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
