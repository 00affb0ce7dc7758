// The reviewer's report (`trimcheck report`): one run of the requested steps rendered
// three ways for the three ways reviewers read it: index.html in a browser, report.md in
// a forge or CI summary, mail.txt pasted into a reply on the list.
#pragma once

#include "report_io.hpp"
#include "trimcheck/prove/prove.hpp"

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

// One `prove` run of the report (`--prove`): a (version, property) pair the SMT encoding
// covers, with the check verdict of the same pair beside it.
struct ProofOutput {
  model::ProposalId proposal;
  std::string property;
  prove::ProveResult result;
  std::optional<std::string> trace_path; // relative to the report directory
  std::optional<props::Verdict> check_verdict;
  // check found nothing (holds) where prove has a replayed counterexample: random search
  // missed it, and the check verdict of this pair is too optimistic.
  bool missed_by_check() const {
    return result.result == prove::Result::violated && check_verdict == props::Verdict::holds;
  }
};

struct Report {
  std::string subject; // e.g. "chen-v5, sassu-v7" or "all versions"
  props::CheckBudget budget;
  std::vector<ReportStep> steps;
  std::vector<PairOutput> outputs; // check results; traces live in <out>/traces/
  std::vector<ProofOutput> proofs; // --prove results; traces in <out>/traces/prove/
  std::filesystem::path dir;       // where the report is written (SVGs are read back)
};

// A self-contained page: inline CSS, inline SVG sequence diagrams, in-page links from
// every V and C cell to its trace; only the trace JSON files are linked outside it.
std::string report_html(const Report &report);
std::string report_markdown(const Report &report);
// Plain text wrapped at 72 columns with the minimal traces inline.
std::string report_mail(const Report &report);

} // namespace trimcheck::cli
