#include "trace_file.hpp"

#include "trimcheck/conform/detail/compressed_file.hpp"

#include <iostream>

namespace trimcheck::cli {

props::Trace read_trace_file(const std::string &path, std::string_view command) {
  nlohmann::json json = conform::detail::read_json_file(path);
  if (json.is_object() && json.value("format", "") == "trimcheck-kernel-confirmation") {
    if (!json.contains("trace"))
      throw props::TraceFormatError("a kernel confirmation without \"trace\"");
    std::cerr << "trimcheck " << command << ": the trace of the kernel confirmation in " << path
              << "\n";
    json = json["trace"];
  }
  return props::trace_from_json(json);
}

} // namespace trimcheck::cli
