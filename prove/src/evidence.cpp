#include "trimcheck/prove/prove.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace trimcheck::prove {

namespace fs = std::filesystem;

std::optional<fs::path> write_symbolic_states(const fs::path &trace_json,
                                              const ProveResult &result) {
  fs::path path = trace_json;
  path.replace_filename(trace_json.stem().string() + "-smt-states.txt");
  if (result.symbolic_states.empty()) {
    std::error_code ignored;
    fs::remove(path, ignored);
    return std::nullopt;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string &line : result.symbolic_states)
    out << line << '\n';
  out.flush();
  if (!out)
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  return path;
}

} // namespace trimcheck::prove
