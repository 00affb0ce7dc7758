// The kernel's string-to-integer conversions (lib/kstrtox.c) as the trimming interfaces
// use them on user input: kstrtoull/kstrtoul, kstrtoll/kstrtol (64-bit longs).
//
// Input is the C string the kernel parses: the caller passes the bytes up to the first
// NUL. Rules: an optional '+' (kstrtoull) or '-' (kstrtoll); base 0 detects "0x"/"0X"
// followed by a hex digit (16), a leading '0' (8) or decimal; base 16 skips a "0x"
// prefix; at least one digit; one optional trailing '\n'; nothing else. A value that
// does not fit is ERANGE, anything malformed EINVAL (ERANGE is checked first).
#pragma once

#include <cstdint>
#include <string_view>

namespace trimcheck::model::detail {

// `reach`: how far into `text` the parse read, as a count of bytes from its start; a
// parse that read the terminator after the text (text.size()) has reach text.size() + 1.
// The caller tells from it whether the parse read bytes user space did not write.
struct ParsedUnsigned {
  std::int64_t error = 0; // 0 or -errno
  std::uint64_t value = 0;
  std::size_t reach = 0;
};
struct ParsedSigned {
  std::int64_t error = 0; // 0 or -errno
  std::int64_t value = 0;
  std::size_t reach = 0;
};

ParsedUnsigned kstrtoull(std::string_view text, unsigned base);
ParsedSigned kstrtoll(std::string_view text, unsigned base);

// The bytes a C parser sees: everything before the first NUL.
std::string_view c_string(std::string_view bytes);

// The kernel's isdigit(): '0'..'9' only, whatever the locale.
inline bool is_digit(std::uint8_t byte) {
  return byte >= '0' && byte <= '9';
}

} // namespace trimcheck::model::detail
