// A write handler's copy of the user buffer. User space may pass a buffer that faults
// after some readable bytes (Write::fault_after); copy_from_user copies what it can and
// fills the rest of the kernel buffer with zeros, and returns how many bytes it could not
// copy. Whether a handler checks that return value is the version's business (unchecked:
// chen-v1/v2 and Sassu RFC v1). Either way a parse must read only the bytes user space
// delivered (P21): a byte beyond them is a zero from the fault or, past the written
// length, whatever the kernel's buffer held before (a stack buffer: an earlier call's
// bytes, or zeros on kernels built to zero stack variables). The model answers as the
// zeroing kernels do and reports the read (Outcome::read_past_user_data).
#pragma once

#include "trimcheck/model/kernel.hpp"

#include <algorithm>
#include <cstddef>

namespace trimcheck::model::detail {

struct UserCopy {
  Bytes bytes;               // the written length: the delivered bytes, then zeros
  std::size_t delivered = 0; // bytes copied from user space

  bool faulted() const { return delivered < bytes.size(); }
  // Whether a parse that read `reach` bytes from the start of the buffer read beyond
  // what user space delivered.
  bool read_past_delivered(std::size_t reach) const { return reach > delivered; }
};

// copy_from_user of a write request's whole buffer.
inline UserCopy copy_from_user(const Request &request) {
  UserCopy copy{request.input, request.input.size()};
  if (request.fault_after && *request.fault_after < copy.bytes.size()) {
    copy.delivered = *request.fault_after;
    std::fill(copy.bytes.begin() + static_cast<std::ptrdiff_t>(copy.delivered), copy.bytes.end(),
              std::uint8_t{0});
  }
  return copy;
}

} // namespace trimcheck::model::detail
