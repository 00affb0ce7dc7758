#include "report_pages.hpp"

namespace trimcheck::cli {

std::optional<props::Verdict> check_verdict_of(const Report &report, model::ProposalId proposal,
                                               const std::string &property) {
  for (const PairOutput &output : report.outputs)
    if (output.result.proposal == proposal && output.result.property == property)
      return output.result.verdict;
  return std::nullopt;
}

void write_engine_trace(const Report &report, const std::string &section, EngineOutput &row) {
  if (row.trace)
    row.trace_path = std::filesystem::relative(
                         write_trace(report.dir / "traces" / section, *row.trace), report.dir)
                         .string();
}

} // namespace trimcheck::cli
