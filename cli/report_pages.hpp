// The reviewer's report (`trimcheck report`): one run of the requested steps rendered
// three ways for the three ways reviewers read it: index.html in a browser, report.md in
// a forge or CI summary, mail.txt pasted into a reply on the list.
#pragma once

#include "report_io.hpp"

#include <map>
#include <string>
#include <vector>

namespace trimcheck::cli {

// A sub-step of the report (check, and explore, prove and conform when requested). A
// failed step is shown in every rendering, never dropped.
struct ReportStep {
  enum class Status : std::uint8_t { ok, failed };
  std::string name;
  Status status = Status::ok;
  std::string detail; // what ran, or the error of a failed step
};

// One result of a further engine (explore, prove, conform) on a version, with the check
// verdict of the same pair beside it. The engines answer differently (holds within
// bounds, proved, conforms), but each either found a counterexample, which is a trace
// that replays, or did not.
struct EngineOutput {
  model::ProposalId proposal;
  std::string property; // a property id; "conform" for the kernel comparison
  std::string result;   // e.g. "proved (k=1)", "violated (4 steps)", "conforms (20 runs)"
  bool violated = false;
  std::string note;
  std::optional<props::Trace> trace;     // the counterexample, when violated
  std::optional<std::string> trace_path; // relative to the report directory
  std::optional<props::Verdict> check_verdict;
  // check found nothing (holds), or only a violation outside the protocol (conditional),
  // where this engine has a replayed counterexample (under the protocol, for the latter):
  // random search missed it, and the check verdict of this pair is too optimistic.
  bool missed_by_check() const {
    return violated && (check_verdict == props::Verdict::holds ||
                        (check_verdict == props::Verdict::conditional && trace &&
                         trace->regime == props::Regime::protocol));
  }
};

// The results of one engine, rendered as one section of every page.
struct EngineSection {
  std::string name;           // the step name, the traces/ subdirectory and the anchor prefix
  std::string title;          // the section heading
  std::string intro;          // one paragraph: what the engine did and how to read the table
  std::string replay_options; // appended to `trimcheck replay TRACE` (e.g. --kernel)
  std::vector<EngineOutput> rows;
};

// A check cell's counterexample replayed on a kernel of its version (`trimcheck confirm`,
// recorded under tests/data/real-kernel/confirmations): the report's kernel column.
struct KernelCell {
  model::ProposalId proposal;
  std::string property;
  props::Verdict verdict = props::Verdict::violated; // this report's check verdict
  std::string outcome; // "reproduced at step 5", or "not confirmed" (no recording)
  bool reproduced = false;
  bool other_trace = false; // the recorded trace is not this report's trace of the cell
  std::string detail;
};

// The kernel column: one cell per violated or conditional cell of a version that has
// recorded confirmations, and per such version the kernel that gave them (the legend).
struct KernelColumn {
  std::string source; // the directory read, empty if none
  std::vector<KernelCell> cells;
  std::map<model::ProposalId, std::string> kernels; // "6.12.118, <version>: [PATCH v5 ...]"
};

struct Report {
  std::string subject; // e.g. "<version>, <version>" or "all versions"
  props::CheckBudget budget;
  std::vector<ReportStep> steps;
  std::vector<PairOutput> outputs;    // check results; traces live in <out>/traces/
  std::vector<EngineSection> engines; // explore, prove, conform; traces in traces/<name>/
  std::filesystem::path dir;          // where the report is written (SVGs are read back)
  std::optional<int> interrupted_by;  // a signal stopped a step (the VM was cleaned up)
  KernelColumn kernel;                // from recorded confirmations, if any
  bool quiet = false;                 // --quiet: no progress lines on stderr
};

// Reads the confirmation files under `dir` (recursively) and fills report.kernel for the
// check outputs; throws std::runtime_error naming a malformed file.
void attach_kernel_column(Report &report, const std::filesystem::path &dir);
// The kernel column as Markdown (table + legend), as text for mail, as an HTML section,
// and as JSON for results.json; empty (null) when no version has confirmations.
std::string kernel_column_markdown(const KernelColumn &column);
std::string kernel_column_mail(const KernelColumn &column);
std::string kernel_column_html(const KernelColumn &column);
nlohmann::json kernel_column_json(const KernelColumn &column);

// The check verdict of (proposal, property) in `report`, if check ran that pair.
std::optional<props::Verdict> check_verdict_of(const Report &report, model::ProposalId proposal,
                                               const std::string &property);
// Writes a row's trace under traces/<section name>/ and sets its trace_path.
void write_engine_trace(const Report &report, const std::string &section, EngineOutput &row);

// A self-contained page: inline CSS, inline SVG sequence diagrams, in-page links from
// every V and C cell to its trace; only the trace JSON files are linked outside it.
std::string report_html(const Report &report);
std::string report_markdown(const Report &report);
// Plain text wrapped at 72 columns with the minimal traces inline.
std::string report_mail(const Report &report);

} // namespace trimcheck::cli
