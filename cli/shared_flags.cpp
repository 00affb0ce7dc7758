#include "commands.hpp"

namespace trimcheck::cli {

void add_json_flag(CLI::App &cmd, bool &json, std::string_view what) {
  cmd.add_flag("--json", json,
               "Print " + std::string(what) + " as one JSON document on stdout (docs/json.md)");
}

void add_quiet_flag(CLI::App &cmd, bool &quiet, std::string_view progress) {
  cmd.add_flag("--quiet", quiet, "No progress on stderr (otherwise " + std::string(progress) + ")");
}

} // namespace trimcheck::cli
