#include "report_steps.hpp"

#include <iostream>

namespace trimcheck::cli {

namespace {

// "proved (k=2)", "holds-to-depth (depth 6)", "violated (depth 4)", "unknown".
std::string proof_result(const prove::ProveResult &result) {
  std::string text(prove::result_name(result.result));
  if (result.result == prove::Result::proved)
    text += " (k=" + std::to_string(result.induction_k) + ")";
  else if (result.result != prove::Result::unknown)
    text += " (depth " + std::to_string(result.depth) + ")";
  return text;
}

std::string proof_summary(const std::vector<prove::ProveResult> &results,
                          const EngineSection &section) {
  std::size_t counts[4] = {}, missed = 0;
  for (const prove::ProveResult &result : results)
    ++counts[static_cast<int>(result.result)];
  for (const EngineOutput &row : section.rows)
    missed += row.missed_by_check() ? 1 : 0;
  return std::to_string(results.size()) + " encoded pairs: " + std::to_string(counts[0]) +
         " proved, " + std::to_string(counts[1]) + " holds to depth, " + std::to_string(counts[2]) +
         " violated (" + std::to_string(missed) + " missed by check), " +
         std::to_string(counts[3]) + " unknown";
}

} // namespace

void run_prove_step(Report &report, const std::vector<Pair> &pairs,
                    const prove::ProveOptions &options) {
  EngineSection section{"prove",
                        "Proofs (Z3)",
                        "BMC and k-induction over the symbolic encoding (docs/prove.md), depth " +
                            std::to_string(options.depth) + ", " +
                            std::to_string(static_cast<int>(options.timeout_seconds)) +
                            " s per pair. A counterexample is replayed on the concrete model "
                            "before it is shown.",
                        "",
                        {}};
  std::vector<prove::ProveResult> results;
  try {
    for (const Pair &pair : pairs) {
      if (!prove::encoded(pair.proposal, pair.property->id))
        continue;
      prove::ProveResult result = prove::prove(pair.proposal, *pair.property, options);
      const std::string key(model::proposal_info(pair.proposal).key);
      if (!report.quiet)
        std::cerr << "[prove " << results.size() + 1 << "] " << key << " " << pair.property->id
                  << ": " << prove::result_name(result.result) << "\n";
      EngineOutput row{pair.proposal,
                       std::string(pair.property->id),
                       proof_result(result),
                       result.result == prove::Result::violated,
                       result.note,
                       result.trace,
                       std::nullopt,
                       check_verdict_of(report, pair.proposal, std::string(pair.property->id))};
      // A mismatch's decoded trace and symbolic states are kept, as `prove` keeps them.
      write_engine_trace(report, section.name, row);
      const std::optional<std::filesystem::path> trace =
          row.trace_path ? std::optional(report.dir / *row.trace_path) : std::nullopt;
      const auto states = trace ? prove::write_symbolic_states(*trace, result) : std::nullopt;
      if (result.replay_mismatch)
        throw std::runtime_error(
            key + " " + std::string(pair.property->id) +
            ": the SMT counterexample does not reproduce on the concrete model: " + result.note +
            (trace ? "; the decoded trace is " + trace->string() : std::string()) +
            (states ? " and the symbolic states are " + states->string() : std::string()));
      section.rows.push_back(std::move(row));
      results.push_back(std::move(result));
    }
    report.steps.push_back({"prove", ReportStep::Status::ok, proof_summary(results, section)});
  } catch (const std::exception &error) {
    report.steps.push_back({"prove", ReportStep::Status::failed, error.what()});
  }
  report.engines.push_back(std::move(section));
}

} // namespace trimcheck::cli
