#include "report_io.hpp"

#include "trimcheck/props/scenario.hpp"

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace trimcheck::cli {

using namespace props;
namespace fs = std::filesystem;

void write_file(const fs::path &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush())
    throw OutputError("cannot write " + path.string());
}

void make_directories(const fs::path &dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error)
    throw OutputError("cannot create the directory " + dir.string() + ": " + error.message());
}

namespace {

// Renders `dot` as SVG into `svg` with graphviz `dot` found on PATH, without a shell (a
// path may hold quotes or spaces); false if `dot` is missing or fails.
bool render_svg(const fs::path &dot, const fs::path &svg) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::string program = "dot", format = "-Tsvg", input = dot.string(), flag = "-o",
              output = svg.string();
  char *argv[] = {program.data(), format.data(), input.data(), flag.data(), output.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0)
    return false;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

} // namespace

std::string verdict_code(const PairResult &result) {
  switch (result.verdict) {
  case Verdict::holds:
    return "H";
  case Verdict::conditional:
    return "C";
  case Verdict::violated:
    return "V";
  case Verdict::not_applicable:
    return "-";
  }
  return "?";
}

std::string markup_escape(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '&':
      out += "&amp;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

Grid::Grid(const std::vector<PairOutput> &outputs) {
  for (const PairOutput &output : outputs) {
    const PairResult &r = output.result;
    if (std::find(columns.begin(), columns.end(), r.proposal) == columns.end())
      columns.push_back(r.proposal);
    if (std::find(rows.begin(), rows.end(), r.property) == rows.end())
      rows.push_back(r.property);
    cells[{r.property, r.proposal}] = &r;
  }
}

const PairResult *Grid::at(const std::string &property, model::ProposalId proposal) const {
  auto it = cells.find({property, proposal});
  return it == cells.end() ? nullptr : it->second;
}

std::string trace_stem(const Trace &trace) {
  return std::string(model::proposal_info(trace.proposal).key) + "-" + trace.property;
}

std::string write_trace(const fs::path &dir, const Trace &trace,
                        const std::optional<std::string> &condition) {
  make_directories(dir);
  const std::string stem = trace_stem(trace);
  const fs::path json = dir / (stem + ".json");
  write_file(json, to_json(trace).dump(2) + "\n");
  write_file(dir / (stem + ".txt"), render_text(trace, condition));
  const fs::path dot = dir / (stem + ".dot");
  write_file(dot, render_dot(trace));
  const fs::path svg = dir / (stem + ".svg");
  if (!render_svg(dot, svg)) {
    std::error_code ignored;
    fs::remove(svg, ignored);
  }
  return json.string();
}

// What a C cell's counterexample needed, in a few words: arbitrary user space (a process
// that does not follow the documented protocol) and/or a non-default configuration.
std::string condition_summary(const Trace &trace) {
  const bool default_config = is_default_choice(trace.proposal, trace.config);
  if (trace.regime == Regime::arbitrary)
    return "by arbitrary user space" +
           (default_config ? std::string() : ", with " + trace.config.describe());
  return "with " + trace.config.describe();
}

nlohmann::json found_in_json(const Trace *trace) {
  if (trace == nullptr)
    return nullptr;
  return {{"regime", props::regime_name(trace->regime)},
          {"config", is_default_choice(trace->proposal, trace->config) ? std::string("default")
                                                                       : trace->config.describe()}};
}

std::string letter_matrix(const Grid &grid, bool with_titles) {
  std::ostringstream out;
  out << "Verdicts (H holds, C conditional, V violated, - n/a):\n\n     ";
  for (std::size_t c = 0; c < grid.columns.size(); ++c)
    out << " " << static_cast<char>('a' + c % 26);
  out << "\n";
  for (const std::string &row : grid.rows) {
    out << row << std::string(5 - std::min<std::size_t>(row.size(), 4), ' ');
    for (model::ProposalId column : grid.columns) {
      const PairResult *result = grid.at(row, column);
      out << " " << (result ? verdict_code(*result) : std::string(" "));
    }
    const Property *property = find_property(row);
    if (with_titles && property)
      out << "  " << property->title;
    out << "\n";
  }
  out << "\nColumns:\n";
  for (std::size_t c = 0; c < grid.columns.size(); ++c)
    out << "  " << static_cast<char>('a' + c % 26) << " "
        << model::proposal_info(grid.columns[c]).key << "\n";
  std::string conditions;
  for (const std::string &row : grid.rows)
    for (model::ProposalId column : grid.columns)
      if (const PairResult *result = grid.at(row, column);
          result && result->verdict == Verdict::conditional && result->trace)
        conditions += "  " + row + " " + std::string(model::proposal_info(column).key) + ": " +
                      condition_summary(*result->trace) + "\n";
  if (!conditions.empty())
    out << "\nC cells (holds by default; violated only ...):\n" << conditions;
  return out.str();
}

std::string render_matrix(const std::vector<PairOutput> &outputs) {
  std::string out = letter_matrix(Grid(outputs), true);
  std::size_t findings = 0;
  for (const PairOutput &output : outputs)
    findings += output.trace_path ? 1 : 0;
  if (findings > 0)
    out += "\n" + std::to_string(findings) +
           " counterexample trace(s) written; replay one with `trimcheck replay <trace.json>`.\n";
  return out;
}

nlohmann::json results_json(std::uint64_t seed, const std::vector<PairOutput> &outputs) {
  nlohmann::json results = nlohmann::json::array();
  for (const PairOutput &output : outputs) {
    const PairResult &r = output.result;
    results.push_back(
        {{"proposal", model::proposal_info(r.proposal).key},
         {"property", r.property},
         {"verdict", verdict_name(r.verdict)},
         {"condition", r.condition ? nlohmann::json(*r.condition) : nlohmann::json(nullptr)},
         {"found_in", found_in_json(r.trace ? &*r.trace : nullptr)},
         {"trace",
          output.trace_path ? nlohmann::json(*output.trace_path) : nlohmann::json(nullptr)},
         {"trace_length",
          r.trace ? nlohmann::json(r.trace->steps.size()) : nlohmann::json(nullptr)}});
  }
  return {{"seed", seed}, {"results", results}};
}

std::string junit_xml(const std::vector<PairOutput> &outputs) {
  std::size_t failures = 0, skipped = 0;
  for (const PairOutput &output : outputs) {
    failures += output.result.verdict == Verdict::violated;
    skipped += output.result.verdict == Verdict::not_applicable;
  }
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites><testsuite name=\"trimcheck\" tests=\"" << outputs.size() << "\" failures=\""
      << failures << "\" skipped=\"" << skipped << "\">\n";
  for (const PairOutput &output : outputs) {
    const PairResult &r = output.result;
    out << "  <testcase classname=\"" << model::proposal_info(r.proposal).key << "\" name=\""
        << r.property << "\">";
    if (r.verdict == Verdict::violated)
      out << "<failure message=\"" << markup_escape(r.trace ? r.trace->violation : "") << "\">"
          << markup_escape(r.trace ? render_text(*r.trace) : "") << "</failure>";
    else if (r.verdict == Verdict::not_applicable)
      out << "<skipped message=\"not applicable\"/>";
    else if (r.verdict == Verdict::conditional)
      out << "<system-out>" << markup_escape("conditional: " + r.condition.value_or(""))
          << "</system-out>";
    out << "</testcase>\n";
  }
  out << "</testsuite></testsuites>\n";
  return out.str();
}

std::string matrix_markdown(const std::vector<PairOutput> &outputs, bool link_traces) {
  const Grid grid(outputs);
  std::ostringstream out;
  out << "| |";
  for (model::ProposalId column : grid.columns)
    out << " " << model::proposal_info(column).key << " |";
  out << "\n|---|";
  for (std::size_t c = 0; c < grid.columns.size(); ++c)
    out << ":-:|";
  out << "\n";
  for (const std::string &row : grid.rows) {
    const Property *property = find_property(row);
    out << "| " << row << " " << (property ? property->title : "") << " |";
    for (model::ProposalId column : grid.columns) {
      const PairResult *result = grid.at(row, column);
      std::string cell = result ? verdict_code(*result) : std::string();
      if (link_traces && result && result->trace)
        cell = "[" + cell + "](traces/" + trace_stem(*result->trace) + ".txt)";
      out << " " << cell << " |";
    }
    out << "\n";
  }
  return out.str();
}

std::string counterexamples_markdown(const std::vector<PairOutput> &outputs) {
  const Grid grid(outputs);
  std::ostringstream out;
  for (const std::string &row : grid.rows)
    for (model::ProposalId column : grid.columns) {
      const PairResult *result = grid.at(row, column);
      if (result == nullptr || !result->trace)
        continue;
      out << "\n### " << result->property << " on " << model::proposal_info(column).key << ": "
          << verdict_name(result->verdict) << "\n\n";
      out << "Why: " << result->trace->violation << ".\n\n```\n"
          << render_text(*result->trace, result->condition) << "```\n";
    }
  return out.str();
}

std::string verdicts_markdown(const CheckBudget &budget, const std::vector<PairOutput> &outputs) {
  std::ostringstream out;
  out << "# Verdict matrix\n\n"
      << "Generated by `trimcheck check --seed " << budget.seed << " --runs " << budget.runs
      << " --max-size " << budget.max_size << (budget.seeds ? "" : " --no-seeds")
      << " --markdown docs/verdicts.md`; do not edit by "
      << "hand. H holds, C conditional, V violated, - not applicable. Every V and C cell "
      << "has its minimal trace below; replay it with `trimcheck replay`.\n\n"
      << matrix_markdown(outputs, false) << "\n## Counterexamples\n"
      << counterexamples_markdown(outputs);
  return out.str();
}

std::string properties_markdown() {
  std::ostringstream out;
  out << "# Property catalogue\n\n"
      << "Generated by `trimcheck list --markdown docs/properties.md` from `props/`; do not "
      << "edit by hand. Statements follow `../shared/spec/proposals.md` section 3.2 (P1-P23) "
      << "and 4.7 (B1-B5); each property is judged by a monitor in "
      << "`props/src/properties_*.cpp`.\n\n"
      << "| Id | Applies to |\n|---|---|\n";
  for (const Property &property : all_properties()) {
    std::string versions;
    for (const auto &info : model::all_proposals())
      if (property.applies(info.id, model::KernelConfig{}))
        versions += (versions.empty() ? "" : ", ") + std::string(info.key);
    out << "| " << property.id << " | " << versions << " |\n";
  }
  for (const Property &property : all_properties())
    out << "\n## " << property.id << " " << property.title << "\n\n"
        << property.statement << "\n\nFrom: " << property.sources << "\n";
  return out.str();
}

nlohmann::json result_to_json(const PairResult &result) {
  return {{"proposal", model::proposal_info(result.proposal).key},
          {"property", result.property},
          {"verdict", verdict_name(result.verdict)},
          {"condition", result.condition ? nlohmann::json(*result.condition) : nlohmann::json()},
          {"trace", result.trace ? to_json(*result.trace) : nlohmann::json()}};
}

PairResult result_from_json(const nlohmann::json &json) {
  PairResult result;
  result.proposal = *model::proposal_from_key(json.at("proposal").get<std::string>());
  result.property = json.at("property").get<std::string>();
  const std::string verdict = json.at("verdict").get<std::string>();
  for (Verdict v :
       {Verdict::holds, Verdict::conditional, Verdict::violated, Verdict::not_applicable})
    if (verdict_name(v) == verdict)
      result.verdict = v;
  if (json.at("condition").is_string())
    result.condition = json.at("condition").get<std::string>();
  if (!json.at("trace").is_null())
    result.trace = trace_from_json(json.at("trace"));
  return result;
}

} // namespace trimcheck::cli
