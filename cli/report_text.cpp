#include "report_pages.hpp"
#include "report_prove.hpp"

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

std::string proof_line(const ProofOutput &proof) {
  return std::string(model::proposal_info(proof.proposal).key) + " " + proof.property + ": " +
         proof_cell(proof) +
         (proof.check_verdict ? ", check: " + std::string(verdict_name(*proof.check_verdict))
                              : std::string()) +
         (proof.missed_by_check() ? " -- MISSED BY CHECK" : "");
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
      << matrix_markdown(report.outputs, true) << "\n## Counterexamples\n"
      << counterexamples_markdown(report.outputs);
  if (!report.proofs.empty()) {
    out << "\n## Proofs (Z3)\n\nMISSED BY CHECK marks a counterexample the random search "
           "did not find.\n\n";
    for (const ProofOutput &proof : report.proofs)
      out << "- " << proof_line(proof)
          << (proof.trace_path ? " ([trace](" + *proof.trace_path + "))" : std::string()) << "\n";
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
  if (!report.proofs.empty()) {
    out << "\n" << std::string(kMailWidth, '-') << "\nProofs (Z3):\n";
    for (const ProofOutput &proof : report.proofs)
      wrapped(out, "  ", proof_line(proof));
    for (const ProofOutput &proof : report.proofs)
      if (proof.result.trace) {
        out << "\n" << std::string(kMailWidth, '-') << "\n" << render_text(*proof.result.trace);
        wrapped(out, "replay: ", "trimcheck replay " + proof.trace_path.value_or(""));
      }
  }
  return out.str();
}

} // namespace trimcheck::cli
