// The byte-level grammars of a write(2) to ima_trim_log (spec 2.2-2.6). Internal to the
// Chen family.
#pragma once

#include "trimcheck/model/detail/chen.hpp"
#include "trimcheck/model/detail/user_copy.hpp"
#include "trimcheck/model/hash.hpp"

#include <cstdint>

namespace trimcheck::model::detail {

using chen::ChenGrammar;

// What the write handler hands to the trim function: N as the kernel's `long`, or an
// error that ends the write before anything is trimmed.
struct ChenRequest {
  std::int64_t error = 0;           // 0 or -errno
  std::int64_t n = 0;               // may be negative (v3 "-5"; v4/v5 N > LONG_MAX wraps)
  bool read_past_user_data = false; // the parse read bytes user space did not deliver
};

// `input` is the handler's copy of the user buffer, `pos` the file's *ppos, `trimcount`
// the kernel's current value (checked by T:N).
ChenRequest parse_trim_request(ChenGrammar grammar, const UserCopy &input, std::uint64_t pos,
                               std::int64_t trimcount);

} // namespace trimcheck::model::detail
