// The process a trace step acts for.
#pragma once

#include "trimcheck/props/trace.hpp"

namespace trimcheck::props {

// The calling process of a trace action (a Continue names the process whose call resumes;
// pid 0: the kernel's own, e.g. a kexec).
model::Pid actor_of(const TraceAction &action);

} // namespace trimcheck::props
