// The `arbitrary` user-space regime: what one choice makes any process do (open any file
// in any mode, read, write a command from a vocabulary covering every version's grammar
// and its edge cases, seek, close, fork, pass fds, drop CAP_SYS_ADMIN, exit). Used by the
// RapidCheck scenario driver and by explore, so both search the same actions.
#pragma once

#include "trimcheck/props/scenario.hpp"

namespace trimcheck::props::detail {

// The action a choice of kind 7-16 stands for in this state (always valid there), or
// nothing when the choice makes no sense (e.g. a read without an open fd).
std::optional<TraceAction> arbitrary_action(const model::KernelState &state, const Choice &choice);

} // namespace trimcheck::props::detail
