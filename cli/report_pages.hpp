// The reviewer's report (`trimcheck report`): one run of the requested steps rendered
// three ways for the three ways reviewers read it: index.html in a browser, report.md in
// a forge or CI summary, mail.txt pasted into a reply on the list.
#pragma once

#include "report_io.hpp"

#include <string>
#include <vector>

namespace trimcheck::cli {

// A sub-step of the report (check today; explore, prove and conform as they are
// requested). A failed step is shown in every rendering, never dropped.
struct ReportStep {
  enum class Status : std::uint8_t { ok, failed };
  std::string name;
  Status status = Status::ok;
  std::string detail; // what ran, or the error of a failed step
};

struct Report {
  std::string subject; // e.g. "chen-v5, sassu-v7" or "all versions"
  props::CheckBudget budget;
  std::vector<ReportStep> steps;
  std::vector<PairOutput> outputs; // check results; traces live in <out>/traces/
  std::filesystem::path dir;       // where the report is written (SVGs are read back)
};

// A self-contained page: inline CSS, inline SVG sequence diagrams, in-page links from
// every V and C cell to its trace; only the trace JSON files are linked outside it.
std::string report_html(const Report &report);
std::string report_markdown(const Report &report);
// Plain text wrapped at 72 columns with the minimal traces inline.
std::string report_mail(const Report &report);

} // namespace trimcheck::cli
