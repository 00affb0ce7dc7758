// Writing check results: the verdict matrix, the JSON contract, JUnit XML and traces.
#pragma once

#include "trimcheck/props/check.hpp"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

namespace trimcheck::cli {

struct PairOutput {
  props::PairResult result;
  std::optional<std::string> trace_path; // JSON trace written under --out
};

// The results as a matrix: versions as columns, properties as rows, in first-seen order.
struct Grid {
  explicit Grid(const std::vector<PairOutput> &outputs);
  const props::PairResult *at(const std::string &property, model::ProposalId proposal) const;
  std::vector<model::ProposalId> columns;
  std::vector<std::string> rows;
  std::map<std::pair<std::string, model::ProposalId>, const props::PairResult *> cells;
};

// A file or directory that cannot be written (an --out, --dot, --junit or --markdown path):
// bad input, exit 2, one message naming the path (cli/main.cpp).
struct OutputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Writes `text` to `path` byte for byte; throws OutputError naming the path.
void write_file(const std::filesystem::path &path, const std::string &text);
// std::filesystem::create_directories, throwing OutputError naming the directory.
void make_directories(const std::filesystem::path &dir);
// One letter per verdict: H, C, V, - (n/a).
std::string verdict_code(const props::PairResult &result);
// Escapes <, >, & and " for XML and HTML.
std::string markup_escape(const std::string &text);
// <proposal>-<property>: the file stem of a pair's trace files and its report anchor.
std::string trace_stem(const props::Trace &trace);

// Writes <dir>/<proposal>-<property>.{json,txt,dot} (and .svg when graphviz `dot` is on
// PATH); returns the JSON path.
// `condition`: the trace is a conditional cell's (its .txt says so).
std::string write_trace(const std::filesystem::path &dir, const props::Trace &trace,
                        const std::optional<std::string> &condition = std::nullopt);

// Properties as rows, one letter column per version (keyed below the matrix) so that
// fifteen versions fit in 72 columns; with_titles appends each property's title.
std::string letter_matrix(const Grid &grid, bool with_titles);
std::string render_matrix(const std::vector<PairOutput> &outputs);
nlohmann::json results_json(std::uint64_t seed, const std::vector<PairOutput> &outputs);
std::string junit_xml(const std::vector<PairOutput> &outputs);
// The matrix as a Markdown table; with `link_traces`, V and C cells link to
// traces/<stem>.txt.
std::string matrix_markdown(const std::vector<PairOutput> &outputs, bool link_traces);
// One section per trace: verdict, condition, why, and the trace in text form.
std::string counterexamples_markdown(const std::vector<PairOutput> &outputs);
// docs/verdicts.md: the matrix and, for every violated or conditional cell, the trace in
// text form and why.
std::string verdicts_markdown(const props::CheckBudget &budget,
                              const std::vector<PairOutput> &outputs);
// docs/properties.md: the property catalogue.
std::string properties_markdown();

// Where a counterexample was found, in every --json result that can carry a trace (check,
// explore, prove, replay): {"regime": "protocol" or "arbitrary", "config": "default" or what
// differs from the version's default}; null without a trace. Tools that compare engines
// (tests/scripts/engines_agree.py) read it instead of the trace's text header.
nlohmann::json found_in_json(const props::Trace *trace);

// Serialisation of a result between worker processes (--jobs).
nlohmann::json result_to_json(const props::PairResult &result);
props::PairResult result_from_json(const nlohmann::json &json);

} // namespace trimcheck::cli
