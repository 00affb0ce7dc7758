// Parsing a JSON input file: every nlohmann exception becomes one InputError naming the
// file (and the byte offset for syntax errors).
#pragma once

#include "trimcheck/verify/input_error.hpp"

#include <nlohmann/json.hpp>

#include <span>
#include <string>

namespace trimcheck::verify::detail {

inline nlohmann::json parse_json(const std::string &name, std::span<const std::uint8_t> bytes) {
  try {
    return nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::parse_error &error) {
    throw InputError(name, "byte " + std::to_string(error.byte) + ": not valid JSON");
  } catch (const nlohmann::json::exception &error) {
    throw InputError(name, std::string("not valid JSON: ") + error.what());
  }
}

} // namespace trimcheck::verify::detail
