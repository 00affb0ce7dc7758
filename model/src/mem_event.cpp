#include "trimcheck/model/kernel.hpp"

namespace trimcheck::model {

bool leaves_kernel_undefined(MemEventKind kind) {
  switch (kind) {
  case MemEventKind::use_after_free:
  case MemEventKind::unlink_garbage:
  case MemEventKind::list_corruption:
    return true;
  case MemEventKind::free_without_grace:
  case MemEventKind::leak:
    return false;
  }
  return true;
}

const MemEvent *first_undefined_event(const KernelState &state) {
  for (const MemEvent &event : state.events)
    if (leaves_kernel_undefined(event.kind))
      return &event;
  return nullptr;
}

} // namespace trimcheck::model
