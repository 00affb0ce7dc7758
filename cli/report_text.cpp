#include "report_pages.hpp"

#include <sstream>

namespace trimcheck::cli {

using namespace props;

namespace {

constexpr std::size_t kMailWidth = 72;

void wrapped(std::ostringstream &out, const std::string &prefix, const std::string &text) {
  bool first = true;
  for (const std::string &line : wrap_words(text, kMailWidth - prefix.size())) {
    out << (first ? prefix : std::string(prefix.size(), ' ')) << line << "\n";
    first = false;
  }
}

std::string step_line(const ReportStep &step) {
  return step.name + ": " + (step.status == ReportStep::Status::ok ? "" : "FAILED: ") + step.detail;
}

std::string budget_line(const CheckBudget &budget) {
  return "trimcheck " + std::string(TRIMCHECK_VERSION) + ", seed " + std::to_string(budget.seed) +
         ", " + std::to_string(budget.runs) + " runs per regime, scenarios of at most " +
         std::to_string(budget.max_size) + " choices.";
}

void mail_matrix(std::ostringstream &out, const Grid &grid) {
  out << letter_matrix(grid, false) << "\nProperties:\n";
  for (const std::string &row : grid.rows)
    if (const Property *property = find_property(row))
      wrapped(out, "  " + row + std::string(5 - std::min<std::size_t>(row.size(), 4), ' '),
              std::string(property->title));
}

std::string engine_line(const EngineOutput &row) {
  return std::string(model::proposal_info(row.proposal).key) + " " + row.property + ": " +
         row.result +
         (row.check_verdict ? ", check: " + std::string(verdict_name(*row.check_verdict))
                            : std::string()) +
         (row.missed_by_check() ? " -- MISSED BY CHECK" : "");
}

} // namespace

std::string report_markdown(const Report &report) {
  std::ostringstream out;
  out << "# trimcheck report: " << report.subject << "\n\n"
      << budget_line(report.budget) << " Open `index.html` for the coloured matrix and the "
      << "sequence diagrams.\n\n## Steps\n\n";
  for (const ReportStep &step : report.steps)
    out << "- " << step_line(step) << "\n";
  out << "\n## Verdict matrix\n\nH holds, C conditional, V violated, - not applicable; V and "
         "C cells link to their trace.\n\n"
      << matrix_markdown(report.outputs, true) << kernel_column_markdown(report.kernel)
      << "\n## Counterexamples\n"
      << counterexamples_markdown(report.outputs);
  for (const EngineSection &section : report.engines) {
    out << "\n## " << section.title << "\n\n"
        << section.intro
        << " MISSED BY CHECK marks a counterexample the random search did not find.\n\n";
    for (const EngineOutput &row : section.rows)
      out << "- " << engine_line(row)
          << (row.trace_path ? " ([trace](" + *row.trace_path + "))" : std::string()) << "\n";
  }
  return out.str();
}

std::string report_mail(const Report &report) {
  const Grid grid(report.outputs);
  std::ostringstream out;
  wrapped(out, "", "trimcheck report: " + report.subject);
  wrapped(out, "", budget_line(report.budget));
  out << "\n";
  for (const ReportStep &step : report.steps)
    wrapped(out, "  ", step_line(step));
  out << "\n";
  if (!grid.rows.empty())
    mail_matrix(out, grid);
  out << kernel_column_mail(report.kernel);
  for (const std::string &row : grid.rows)
    for (model::ProposalId column : grid.columns) {
      const PairResult *result = grid.at(row, column);
      if (result == nullptr || !result->trace)
        continue;
      out << "\n" << std::string(kMailWidth, '-') << "\n";
      if (result->condition)
        wrapped(out, "conditional: ", *result->condition);
      out << render_text(*result->trace);
      wrapped(out, "replay: ", "trimcheck replay traces/" + trace_stem(*result->trace) + ".json");
    }
  for (const EngineSection &section : report.engines) {
    out << "\n" << std::string(kMailWidth, '-') << "\n" << section.title << ":\n";
    for (const EngineOutput &row : section.rows)
      wrapped(out, "  ", engine_line(row));
    for (const EngineOutput &row : section.rows)
      if (row.trace) {
        out << "\n" << std::string(kMailWidth, '-') << "\n" << render_text(*row.trace);
        wrapped(out, "replay: ",
                "trimcheck replay " + row.trace_path.value_or("") + section.replay_options);
      }
  }
  return out.str();
}

} // namespace trimcheck::cli
