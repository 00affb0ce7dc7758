// The one machine interface: what every subcommand prints with --json is one JSON object
// that says what it is (docs/json.md; the schema is docs/trimcheck-output.schema.json).
// The same things have the same names in every document: "proposal" and "property" ids,
// "verdict", "trace" (a trace file's path or null), "trace_length", "seconds".
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace trimcheck::cli {

// Raised when a document changes incompatibly (a member renamed, removed or retyped);
// adding a member does not change it.
inline constexpr int kJsonSchemaVersion = 1;

// `body` with {"schema_version": kJsonSchemaVersion, "command": command,
// "trimcheck": "<version>"} added.
inline nlohmann::json json_document(std::string_view command, nlohmann::json body) {
  body["schema_version"] = kJsonSchemaVersion;
  body["command"] = command;
  body["trimcheck"] = TRIMCHECK_VERSION;
  return body;
}

} // namespace trimcheck::cli
