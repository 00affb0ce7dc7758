#include "report_pages.hpp"

#include <fstream>
#include <sstream>

namespace trimcheck::cli {

using namespace props;

namespace {

constexpr const char *kStyle = R"css(
body { font-family: sans-serif; margin: 2em; color: #1d1d1d; max-width: 110em; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table.matrix { border-collapse: collapse; font-size: 14px; }
.matrix th, .matrix td { border: 1px solid #aaa; padding: 4px 7px; text-align: center; }
.matrix th.version { font-weight: normal; font-family: monospace; }
.matrix th.property { text-align: left; font-weight: normal; white-space: nowrap; }
td.holds { background: #c8ebc8; } td.conditional { background: #ffe49a; }
td.violated { background: #f3a9a9; } td.na { background: #eeeeee; color: #999; }
td a { display: block; color: #000; font-weight: bold; text-decoration: none; }
td a:hover { text-decoration: underline; }
ul.steps li.ok::before { content: "\2713  "; color: #207020; }
ul.steps li.failed { color: #a00000; font-weight: bold; }
ul.steps li.failed::before { content: "\2717  "; }
section.trace { margin: 1.5em 0; padding-top: 0.5em; border-top: 1px dashed #bbb; }
pre { background: #f5f5f5; padding: 0.8em; overflow-x: auto; font-size: 13px; }
div.diagram { overflow-x: auto; border: 1px solid #ddd; padding: 0.5em; }
table.engine { border-collapse: collapse; font-size: 14px; }
.engine th, .engine td { border: 1px solid #aaa; padding: 4px 7px; text-align: left; }
tr.missed td { background: #f3a9a9; font-weight: bold; }
tr.unconfirmed td { background: #fff3c4; }
)css";

std::string css_class(Verdict verdict) {
  return verdict == Verdict::not_applicable ? "na" : std::string(verdict_name(verdict));
}

// The SVG graphviz wrote for a trace, without its XML prolog, or empty.
std::string inline_svg(const std::filesystem::path &svg_path) {
  std::ifstream in(svg_path, std::ios::binary);
  if (!in)
    return {};
  std::string svg{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::size_t start = svg.find("<svg");
  return start == std::string::npos ? std::string() : svg.substr(start);
}

void write_matrix(std::ostringstream &out, const Grid &grid) {
  out << "<table class=\"matrix\" id=\"matrix\">\n<tr><th></th>";
  for (model::ProposalId column : grid.columns)
    out << "<th class=\"version\">" << model::proposal_info(column).key << "</th>";
  out << "</tr>\n";
  for (const std::string &row : grid.rows) {
    const Property *property = find_property(row);
    out << "<tr><th class=\"property\" title=\""
        << markup_escape(property ? std::string(property->statement) : "") << "\">" << row << " "
        << markup_escape(property ? std::string(property->title) : "") << "</th>";
    for (model::ProposalId column : grid.columns) {
      const PairResult *result = grid.at(row, column);
      if (result == nullptr) {
        out << "<td></td>";
        continue;
      }
      const std::string label = row + " on " + std::string(model::proposal_info(column).key) +
                                ": " + std::string(verdict_name(result->verdict));
      out << "<td class=\"" << css_class(result->verdict) << "\" title=\""
          << markup_escape(label + (result->condition ? " (" + *result->condition + ")" : ""))
          << "\">";
      if (result->trace)
        out << "<a href=\"#" << trace_stem(*result->trace) << "\">" << verdict_code(*result)
            << "</a>";
      else
        out << verdict_code(*result);
      out << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</table>\n<p>H holds &middot; C conditional &middot; V violated &middot; - not "
         "applicable. Click a V or C cell for its minimal trace.</p>\n";
}

// A trace with its diagram; `subdir` is where under <out>/traces its files are, and the
// section id is the subdir-prefixed stem.
void write_trace_section(std::ostringstream &out, const Report &report, const Trace &trace,
                         const std::string &heading, const std::optional<std::string> &condition,
                         const std::string &subdir, const std::string &replay_options = "") {
  const std::string stem = trace_stem(trace);
  const std::string files = "traces/" + (subdir.empty() ? "" : subdir + "/") + stem;
  out << "<section class=\"trace\" id=\"" << (subdir.empty() ? "" : subdir + "-") << stem
      << "\">\n<h3>" << markup_escape(heading) << "</h3>\n";
  if (condition)
    out << "<p><b>Condition:</b> " << markup_escape(*condition) << "</p>\n";
  out << "<p><b>Why:</b> " << markup_escape(trace.violation) << "</p>\n";
  const std::string svg = inline_svg(report.dir / (files + ".svg"));
  if (svg.empty())
    out << "<p><i>No sequence diagram: graphviz <code>dot</code> was not found.</i></p>\n";
  else
    out << "<div class=\"diagram\">" << svg << "</div>\n";
  out << "<pre>" << markup_escape(render_text(trace)) << "</pre>\n"
      << "<p><a href=\"" << files << ".json\">trace JSON</a> &middot; replay with "
      << "<code>trimcheck replay " << files << ".json" << markup_escape(replay_options)
      << "</code> &middot; "
      << "<a href=\"#matrix\">back to the matrix</a></p>\n</section>\n";
}

void write_engine_section(std::ostringstream &out, const Report &report,
                          const EngineSection &section) {
  out << "<h2 id=\"" << section.name << "\">" << markup_escape(section.title) << "</h2>\n<p>"
      << markup_escape(section.intro)
      << " A red row is a counterexample the random search of <code>check</code> missed: its "
         "check verdict is too optimistic.</p>\n<table class=\"engine\">\n<tr><th>Version</th>"
         "<th>Property</th><th>"
      << section.name << "</th><th>check</th><th>Note</th></tr>\n";
  for (const EngineOutput &row : section.rows) {
    const std::string key(model::proposal_info(row.proposal).key);
    out << "<tr" << (row.missed_by_check() ? " class=\"missed\"" : "") << "><td>" << key
        << "</td><td>" << row.property << "</td><td>";
    if (row.trace)
      out << "<a href=\"#" << section.name << "-" << trace_stem(*row.trace) << "\">"
          << markup_escape(row.result) << "</a>";
    else
      out << markup_escape(row.result);
    out << "</td><td>" << (row.check_verdict ? std::string(verdict_name(*row.check_verdict)) : "")
        << "</td><td>" << markup_escape(row.note) << "</td></tr>\n";
  }
  out << "</table>\n";
  for (const EngineOutput &row : section.rows)
    if (row.trace)
      write_trace_section(out, report, *row.trace,
                          row.property + " on " +
                              std::string(model::proposal_info(row.proposal).key) + ": " +
                              row.result + " (" + section.name + ")",
                          std::nullopt, section.name, section.replay_options);
}

} // namespace

std::string report_html(const Report &report) {
  const Grid grid(report.outputs);
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<title>trimcheck report: " << markup_escape(report.subject) << "</title>\n<style>"
      << kStyle
      << "</style>\n</head>\n<body>\n<h1>trimcheck report: " << markup_escape(report.subject)
      << "</h1>\n<p>trimcheck " << TRIMCHECK_VERSION << ", seed " << report.budget.seed << ", "
      << report.budget.runs << " runs per regime, scenarios of at most " << report.budget.max_size
      << " choices. Same options, same report.</p>\n<h2>Steps</h2>\n<ul class=\"steps\">\n";
  for (const ReportStep &step : report.steps)
    out << "<li class=\"" << (step.status == ReportStep::Status::ok ? "ok" : "failed") << "\">"
        << markup_escape(step.name) << ": " << markup_escape(step.detail) << "</li>\n";
  out << "</ul>\n<h2>Verdict matrix</h2>\n";
  if (grid.rows.empty())
    out << "<p>No results.</p>\n";
  else
    write_matrix(out, grid);
  out << kernel_column_html(report.kernel) << "<h2>Counterexamples</h2>\n";
  std::size_t traces = 0;
  for (const std::string &row : grid.rows)
    for (model::ProposalId column : grid.columns)
      if (const PairResult *result = grid.at(row, column); result && result->trace) {
        write_trace_section(out, report, *result->trace,
                            result->property + " on " +
                                std::string(model::proposal_info(result->proposal).key) + ": " +
                                std::string(verdict_name(result->verdict)),
                            result->condition, "");
        ++traces;
      }
  if (traces == 0)
    out << "<p>None: no property was violated.</p>\n";
  for (const EngineSection &section : report.engines)
    write_engine_section(out, report, section);
  out << "</body>\n</html>\n";
  return out.str();
}

} // namespace trimcheck::cli
