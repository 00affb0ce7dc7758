#include "report_prove.hpp"

#include <iostream>

namespace trimcheck::cli {

namespace fs = std::filesystem;

namespace {

std::string proof_summary(const std::vector<ProofOutput> &proofs) {
  std::size_t counts[4] = {}, missed = 0;
  for (const ProofOutput &proof : proofs) {
    ++counts[static_cast<int>(proof.result.result)];
    missed += proof.missed_by_check() ? 1 : 0;
  }
  return std::to_string(proofs.size()) + " encoded pairs: " + std::to_string(counts[0]) +
         " proved, " + std::to_string(counts[1]) + " holds to depth, " + std::to_string(counts[2]) +
         " violated (" + std::to_string(missed) + " missed by check), " +
         std::to_string(counts[3]) + " unknown";
}

} // namespace

void run_prove_step(Report &report, const std::vector<Pair> &pairs,
                    const prove::ProveOptions &options) {
  try {
    std::size_t done = 0;
    for (const Pair &pair : pairs) {
      if (!prove::encoded(pair.proposal, pair.property->id))
        continue;
      ProofOutput proof{pair.proposal, std::string(pair.property->id),
                        prove::prove(pair.proposal, *pair.property, options), std::nullopt,
                        std::nullopt};
      for (const PairOutput &output : report.outputs)
        if (output.result.proposal == pair.proposal && output.result.property == proof.property)
          proof.check_verdict = output.result.verdict;
      if (proof.result.trace)
        proof.trace_path =
            fs::relative(write_trace(report.dir / "traces" / "prove", *proof.result.trace),
                         report.dir)
                .string();
      std::cerr << "[prove " << ++done << "] " << model::proposal_info(pair.proposal).key << " "
                << proof.property << ": " << prove::result_name(proof.result.result) << "\n";
      if (proof.result.replay_mismatch)
        throw std::runtime_error(std::string(model::proposal_info(pair.proposal).key) + " " +
                                 proof.property +
                                 ": the SMT counterexample does not reproduce on the concrete "
                                 "model: " +
                                 proof.result.note);
      report.proofs.push_back(std::move(proof));
    }
    report.steps.push_back({"prove", ReportStep::Status::ok, proof_summary(report.proofs)});
  } catch (const std::exception &error) {
    report.steps.push_back({"prove", ReportStep::Status::failed, error.what()});
  }
}

std::string proof_cell(const ProofOutput &proof) {
  std::string text(prove::result_name(proof.result.result));
  if (proof.result.result == prove::Result::proved)
    text += " (k=" + std::to_string(proof.result.induction_k) + ")";
  else if (proof.result.result != prove::Result::unknown)
    text += " (depth " + std::to_string(proof.result.depth) + ")";
  return text;
}

} // namespace trimcheck::cli
