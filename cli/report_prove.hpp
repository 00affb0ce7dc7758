// The report's `prove` step: Z3 on every selected pair the SMT encoding covers.
#pragma once

#include "check_run.hpp"
#include "report_pages.hpp"

namespace trimcheck::cli {

// Appends a ProofOutput per encoded pair and a "prove" step to `report`; a failure (or a
// counterexample that does not replay on the concrete model) becomes a failed step.
void run_prove_step(Report &report, const std::vector<Pair> &pairs,
                    const prove::ProveOptions &options);

// "proved (k=2)", "holds-to-depth (depth 6)", "violated (depth 4)", "unknown".
std::string proof_cell(const ProofOutput &proof);

} // namespace trimcheck::cli
