// Reading a trace that a user names on the command line (replay TRACE, explore --cover).
#pragma once

#include "trimcheck/props/trace.hpp"

#include <string>
#include <string_view>

namespace trimcheck::cli {

// The trace in `path`: a trace file of check, explore or prove, or the trace of a kernel
// confirmation (confirm, said on stderr under `command`'s name); either may be
// gzip-compressed. Throws props::TraceFormatError for a malformed trace and
// std::runtime_error naming the file when it cannot be read as JSON.
props::Trace read_trace_file(const std::string &path, std::string_view command);

} // namespace trimcheck::cli
