// Writing check results: the verdict matrix, the JSON contract, JUnit XML and traces.
#pragma once

#include "trimcheck/props/check.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

namespace trimcheck::cli {

struct PairOutput {
  props::PairResult result;
  std::optional<std::string> trace_path; // JSON trace written under --out
};

// Writes <dir>/<proposal>-<property>.{json,txt,dot} (and .svg when graphviz `dot` is on
// PATH); returns the JSON path.
std::string write_trace(const std::filesystem::path &dir, const props::Trace &trace);

std::string render_matrix(const std::vector<PairOutput> &outputs);
nlohmann::json results_json(std::uint64_t seed, const std::vector<PairOutput> &outputs);
std::string junit_xml(const std::vector<PairOutput> &outputs);
// docs/verdicts.md: the matrix and, for every violated or conditional cell, the trace in
// text form and why.
std::string verdicts_markdown(const props::CheckBudget &budget,
                              const std::vector<PairOutput> &outputs);
// docs/properties.md: the property catalogue.
std::string properties_markdown();

// Serialisation of a result between worker processes (--jobs).
nlohmann::json result_to_json(const props::PairResult &result);
props::PairResult result_from_json(const nlohmann::json &json);

} // namespace trimcheck::cli
