// The byte-level write grammar of the Sassu series (spec 2.7-2.14): the checks of the
// write handler, in the order the handler makes them, up to the queue call.
#include "trimcheck/model/detail/hex.hpp"
#include "trimcheck/model/detail/sassu.hpp"

#include <limits>
#include <string>

namespace trimcheck::model::detail::sassu {
namespace {

constexpr std::size_t kRequestLength = 21; // STAGED_REQ_LENGTH
constexpr std::uint64_t kUlongMax = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kLongMax = std::numeric_limits<std::int64_t>::max();

Parsed fail(std::int64_t error) {
  return {.error = error};
}

bool is_x(char c) {
  return c == 'x' || c == 'X';
}

std::int64_t clamp_count(std::uint64_t value) {
  return value > kLongMax ? static_cast<std::int64_t>(kLongMax) : static_cast<std::int64_t>(value);
}

Op number_op(NCommand command) {
  switch (command) {
  case NCommand::stage_prefix:
    return Op::stage;
  case NCommand::delete_staged_prefix:
    return Op::delete_staged_prefix;
  case NCommand::stage_all_then_delete_prefix:
    return Op::stage_all_then_delete_prefix;
  case NCommand::delete_live_prefix:
    return Op::delete_live_prefix;
  }
  return Op::stage;
}

// The numeric request "<N>" (or the N of RFC v2's "-<N>"), after placement was checked.
Parsed parse_number(const SassuTraits &traits, std::string_view text, bool flush, Op op) {
  if (traits.flush_forbids_n == FlushForbidsN::before_parsing && flush)
    return fail(-kEINVAL);
  const KstrtoulResult number = kstrtoul(text, traits.number_base);
  if (number.error < 0)
    return fail(number.error);
  const std::uint64_t value = number.value;
  std::int64_t n = clamp_count(value);
  switch (traits.number_rule) {
  case NumberRule::any: // 0 fails the walk later; ULONG_MAX is ima_queue_stage(ULONG_MAX)
    if (value == kUlongMax)
      n = kAll;
    break;
  case NumberRule::one_to_long_max:
    if (value == 0 || value > kLongMax)
      return fail(-kEINVAL);
    if (value == kLongMax)
      n = kAll;
    break;
  case NumberRule::one_below_ulong_max:
    if (value == kUlongMax)
      return fail(-kERANGE);
    if (value == 0)
      return fail(-kEINVAL);
    break;
  case NumberRule::at_least_one:
    if (value == 0)
      return fail(-kEINVAL);
    break;
  }
  if (traits.flush_forbids_n == FlushForbidsN::after_number_checks && flush)
    return fail(-kEINVAL);
  return {.error = 0, .op = op, .n = n};
}

} // namespace

KstrtoulResult kstrtoul(std::string_view text, unsigned base) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '+')
    ++i;
  auto at = [&](std::size_t pos) { return pos < text.size() ? text[pos] : '\0'; };
  if (base == 0) { // _parse_integer_fixup_radix
    if (at(i) == '0')
      base = is_x(at(i + 1)) && detail::hex_digit_value(at(i + 2)) >= 0 ? 16 : 8;
    else
      base = 10;
  }
  if (base == 16 && at(i) == '0' && is_x(at(i + 1)))
    i += 2;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  bool overflow = false;
  for (; i < text.size(); ++i, ++digits) {
    const int digit = detail::hex_digit_value(text[i]);
    if (digit < 0 || static_cast<unsigned>(digit) >= base)
      break;
    if (value > (kUlongMax - static_cast<std::uint64_t>(digit)) / base)
      overflow = true;
    value = value * base + static_cast<std::uint64_t>(digit);
  }
  if (overflow)
    return {.error = -kERANGE};
  if (digits == 0)
    return {.error = -kEINVAL};
  if (at(i) == '\n')
    ++i;
  if (i < text.size())
    return {.error = -kEINVAL};
  return {.error = 0, .value = value};
}

Parsed parse_write(const SassuTraits &traits, Iface iface, const Bytes &input, bool ppos_nonzero,
                   bool flush) {
  const std::size_t len = input.size();
  if ((traits.ppos_checked && ppos_nonzero) || len < 2 || len > kRequestLength)
    return fail(-kEINVAL);
  // copy_from_user cannot fault in the model: user buffers are always valid (no EFAULT).
  std::string request(input.begin(), input.end());
  if (traits.newline_mandatory) {
    if (request.back() != '\n')
      return fail(-kEINVAL);
    request.back() = '\0';
  } else {
    // RFC v1: strsep(&req, "\n") ends the string at its first '\n'. Without one the
    // kernel's buffer is unterminated and the parse reads stack bytes past the input;
    // the model reads the input as if a NUL followed it (docs/proposals/sassu.md).
    const std::size_t newline = request.find('\n');
    if (newline < request.find('\0'))
      request[newline] = '\0';
  }
  const std::string_view text(request.c_str()); // the C string the handler parses
  const bool one_letter = len == 2 && request[1] == '\0';
  switch (request[0]) {
  case 'A':
    if (!one_letter || iface != traits.a_iface)
      return fail(-kEINVAL);
    return {.error = 0, .op = Op::stage, .n = kAll};
  case 'D':
    if (!one_letter || iface != traits.d_iface)
      return fail(-kEINVAL);
    return {.error = 0,
            .op = traits.d_command == DCommand::delete_all ? Op::delete_staged
                                                           : Op::delete_staged_prefix,
            .n = kAll};
  case '-':
    if (traits.trim_command)
      return iface == traits.n_iface ? parse_number(traits, text.substr(1), flush, Op::trim)
                                     : fail(-kEINVAL);
    break;
  default:
    break;
  }
  if (iface != traits.n_iface)
    return fail(-kEINVAL);
  return parse_number(traits, text, flush, number_op(traits.n_command));
}

} // namespace trimcheck::model::detail::sassu
