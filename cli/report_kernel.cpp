// The report's kernel column: each violated or conditional cell beside what its trace
// did on a real kernel of the version (recorded by `trimcheck confirm`).
#include "report_pages.hpp"

#include "trimcheck/conform/confirm.hpp"

#include <set>
#include <sstream>

namespace trimcheck::cli {

using namespace props;
namespace fs = std::filesystem;

namespace {

// "6.12.118, <version>: [PATCH v5 1/3..3/3] (2026-04-02)"
std::string kernel_name(const nlohmann::json &kernel) {
  const auto text = [&kernel](const char *key) {
    auto it = kernel.find(key);
    return it != kernel.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string name = text("release").empty() ? "unknown release" : text("release");
  if (auto options = kernel.find("config_options");
      options != kernel.end() && options->is_object() && options->value("CONFIG_KASAN", "") == "y")
    name += " with KASAN";
  if (!text("series").empty())
    name += ", " + text("series");
  return name;
}

// The actions of a trace: two traces of a cell are the same counterexample when these
// are equal (outcomes and the configuration's base tree may differ).
std::vector<TraceAction> actions_of(const Trace &trace) {
  std::vector<TraceAction> actions;
  for (const TraceStep &step : trace.steps)
    actions.push_back(step.action);
  return actions;
}

// The cell's check verdict as one letter (V, C), as in the matrix.
std::string letter(const KernelCell &cell) {
  return verdict_code(PairResult{cell.proposal, cell.property, cell.verdict, {}, {}});
}

std::string cell_text(const KernelCell &cell) {
  return cell.outcome + (cell.other_trace ? " (another trace of this cell)" : "");
}

} // namespace

void attach_kernel_column(Report &report, const fs::path &dir) {
  if (dir.empty() || !fs::is_directory(dir))
    return;
  report.kernel.source = dir.string();
  std::map<std::pair<model::ProposalId, std::string>, conform::Confirmation> recorded;
  std::vector<fs::path> files;
  for (const auto &entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file() && conform::is_transcript_file_name(entry.path()))
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path &file : files) {
    conform::Confirmation confirmation = conform::read_confirmation(file);
    const model::ProposalId proposal = confirmation.trace.proposal;
    // Several recordings of a cell (e.g. on a KASAN build too): a reproduction wins.
    const auto key = std::make_pair(proposal, confirmation.trace.property);
    auto it = recorded.find(key);
    if (it != recorded.end() && (it->second.outcome == conform::ConfirmOutcome::reproduced ||
                                 confirmation.outcome != conform::ConfirmOutcome::reproduced))
      continue;
    if (confirmation.transcript) {
      std::string &names = report.kernel.kernels[proposal];
      const std::string name = kernel_name(confirmation.transcript->kernel);
      if (names.find(name) == std::string::npos)
        names += (names.empty() ? "" : "; ") + name;
    }
    recorded.insert_or_assign(key, std::move(confirmation));
  }
  std::set<model::ProposalId> with_data;
  for (const auto &[key, confirmation] : recorded)
    with_data.insert(key.first);
  for (const PairOutput &output : report.outputs) {
    const PairResult &result = output.result;
    if (!result.trace || !with_data.contains(result.proposal))
      continue;
    KernelCell cell{result.proposal,
                    result.property,
                    result.verdict,
                    "not confirmed",
                    false,
                    false,
                    "no recorded confirmation of this cell"};
    if (auto it = recorded.find({result.proposal, result.property}); it != recorded.end()) {
      const conform::Confirmation &confirmation = it->second;
      cell.outcome = std::string(conform::confirm_outcome_name(confirmation.outcome));
      if (confirmation.step > 0)
        cell.outcome += " at step " + std::to_string(confirmation.step);
      cell.reproduced = confirmation.outcome == conform::ConfirmOutcome::reproduced;
      cell.other_trace = actions_of(confirmation.trace) != actions_of(*result.trace);
      cell.detail = confirmation.detail;
    }
    report.kernel.cells.push_back(std::move(cell));
  }
}

std::string kernel_column_markdown(const KernelColumn &column) {
  if (column.cells.empty())
    return {};
  std::ostringstream out;
  out << "\n## Kernel column\n\nEach violated (V) or conditional (C) cell's trace replayed on a "
         "kernel of the version with `trimcheck confirm` (recorded in "
      << column.source
      << ").\n\n| version | property | verdict | kernel | detail |\n|---|---|:-:|---|---|\n";
  for (const KernelCell &cell : column.cells)
    out << "| " << model::proposal_info(cell.proposal).key << " | " << cell.property << " | "
        << letter(cell) << " | " << cell_text(cell) << " | " << cell.detail << " |\n";
  out << "\nKernels:\n\n";
  for (const auto &[proposal, kernel] : column.kernels)
    out << "- " << model::proposal_info(proposal).key << ": " << kernel << "\n";
  return out.str();
}

std::string kernel_column_mail(const KernelColumn &column) {
  if (column.cells.empty())
    return {};
  std::ostringstream out;
  out << "\nOn a kernel of the version (trimcheck confirm):\n";
  for (const KernelCell &cell : column.cells) {
    std::string line = "  " + std::string(model::proposal_info(cell.proposal).key) + " " +
                       cell.property + " (" + letter(cell) + "): " + cell_text(cell);
    for (const std::string &wrapped : wrap_words(line, 72))
      out << wrapped << "\n";
  }
  out << "Kernels:\n";
  for (const auto &[proposal, kernel] : column.kernels)
    for (const std::string &wrapped :
         wrap_words("  " + std::string(model::proposal_info(proposal).key) + ": " + kernel, 72))
      out << wrapped << "\n";
  return out.str();
}

std::string kernel_column_html(const KernelColumn &column) {
  if (column.cells.empty())
    return {};
  std::ostringstream out;
  out << "<h2 id=\"kernel\">Kernel column</h2>\n<p>Each violated or conditional cell's trace "
         "replayed on a kernel of the version with <code>trimcheck confirm</code> (recorded in "
      << markup_escape(column.source)
      << ").</p>\n<table class=\"engine\">\n<tr><th>version</th><th>property</th><th>verdict</"
         "th><th>kernel</th><th>detail</th></tr>\n";
  for (const KernelCell &cell : column.cells)
    out << "<tr" << (cell.reproduced ? "" : " class=\"unconfirmed\"") << "><td>"
        << model::proposal_info(cell.proposal).key << "</td><td>" << cell.property << "</td><td>"
        << letter(cell) << "</td><td>" << markup_escape(cell_text(cell)) << "</td><td>"
        << markup_escape(cell.detail) << "</td></tr>\n";
  out << "</table>\n<p>Kernels:</p>\n<ul>\n";
  for (const auto &[proposal, kernel] : column.kernels)
    out << "<li>" << model::proposal_info(proposal).key << ": " << markup_escape(kernel)
        << "</li>\n";
  out << "</ul>\n";
  return out.str();
}

nlohmann::json kernel_column_json(const KernelColumn &column) {
  if (column.cells.empty())
    return nullptr;
  nlohmann::json cells = nlohmann::json::array();
  for (const KernelCell &cell : column.cells)
    cells.push_back({{"proposal", model::proposal_info(cell.proposal).key},
                     {"property", cell.property},
                     {"verdict", verdict_name(cell.verdict)},
                     {"kernel", cell.outcome},
                     {"reproduced", cell.reproduced},
                     {"other_trace", cell.other_trace},
                     {"detail", cell.detail}});
  nlohmann::json kernels = nlohmann::json::object();
  for (const auto &[proposal, kernel] : column.kernels)
    kernels[std::string(model::proposal_info(proposal).key)] = kernel;
  return {{"source", column.source}, {"cells", cells}, {"kernels", kernels}};
}

} // namespace trimcheck::cli
