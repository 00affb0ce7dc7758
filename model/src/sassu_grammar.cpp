// The byte-level write grammar of the Sassu series (spec 2.7-2.14): the checks of the
// write handler, in the order the handler makes them, up to the queue call.
#include "trimcheck/model/detail/kstrtox.hpp"
#include "trimcheck/model/detail/sassu.hpp"

#include <algorithm>
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
// `reach`: how far into the buffer the parse read (ParsedUnsigned::reach), set for the
// caller.
Parsed parse_number(const SassuTraits &traits, std::string_view text, bool flush, Op op,
                    std::size_t &reach) {
  if (traits.flush_forbids_n == FlushForbidsN::before_parsing && flush)
    return fail(-kEINVAL);
  const ParsedUnsigned number = kstrtoull(text, traits.number_base);
  reach = number.reach;
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

Parsed parse_write(const SassuTraits &traits, Iface iface, const UserCopy &input, bool ppos_nonzero,
                   bool flush) {
  const std::size_t len = input.bytes.size();
  if ((traits.ppos_checked && ppos_nonzero) || len < 2 || len > kRequestLength)
    return fail(-kEINVAL);
  if (traits.copy_checked && input.faulted())
    return fail(-kEFAULT);
  std::string request(input.bytes.begin(), input.bytes.end());
  std::size_t reach = 0; // bytes of the buffer the handler read
  if (traits.newline_mandatory) {
    if (request.back() != '\n')
      return fail(-kEINVAL);
    request.back() = '\0';
  } else {
    // RFC v1: strsep(&req, "\n") ends the string at its first '\n', reading up to it or
    // to the first NUL. Without either the kernel's buffer is unterminated: strsep and the
    // parse read stack bytes past the input, which the model reads as NUL.
    const std::size_t end = std::min(request.find('\n'), request.find('\0'));
    reach = end == std::string::npos ? len + 1 : end + 1;
    if (end != std::string::npos)
      request[end] = '\0';
  }
  const std::string_view text(request.c_str()); // the C string the handler parses
  const bool one_letter = len == 2 && request[1] == '\0';
  auto judged = [&](Parsed parsed, std::size_t parse_reach) {
    parsed.read_past_user_data = input.read_past_delivered(std::max(reach, parse_reach));
    return parsed;
  };
  switch (request[0]) {
  case 'A':
    if (!one_letter || iface != traits.a_iface)
      return judged(fail(-kEINVAL), 0);
    return judged({.error = 0, .op = Op::stage, .n = kAll}, 0);
  case 'D':
    if (!one_letter || iface != traits.d_iface)
      return judged(fail(-kEINVAL), 0);
    return judged({.error = 0,
                   .op = traits.d_command == DCommand::delete_all ? Op::delete_staged
                                                                  : Op::delete_staged_prefix,
                   .n = kAll},
                  0);
  case '-':
    if (traits.trim_command) {
      if (iface != traits.n_iface)
        return judged(fail(-kEINVAL), 0);
      std::size_t number_reach = 0;
      Parsed parsed = parse_number(traits, text.substr(1), flush, Op::trim, number_reach);
      return judged(parsed, number_reach == 0 ? 0 : 1 + number_reach);
    }
    break;
  default:
    break;
  }
  if (iface != traits.n_iface)
    return judged(fail(-kEINVAL), 0);
  std::size_t number_reach = 0;
  Parsed parsed = parse_number(traits, text, flush, number_op(traits.n_command), number_reach);
  return judged(parsed, number_reach);
}

} // namespace trimcheck::model::detail::sassu
