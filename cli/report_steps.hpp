// The report's optional steps beyond check: each appends one EngineSection and one
// ReportStep to the report. A failure (an engine error, a VM that does not start, a
// counterexample that does not replay on the concrete model) becomes a failed step.
#pragma once

#include "check_run.hpp"
#include "report_pages.hpp"

#include "trimcheck/props/explore.hpp"
#include "trimcheck/prove/prove.hpp"

namespace trimcheck::cli {

// `--explore`: breadth-first exploration of every selected version within `bounds`
// (configuration default, protocol regime), judging the selected properties.
void run_explore_step(Report &report, const std::vector<Pair> &pairs,
                      const props::ExploreBounds &bounds, int threads);

// `--prove`: Z3 on every selected pair the SMT encoding covers.
void run_prove_step(Report &report, const std::vector<Pair> &pairs,
                    const prove::ProveOptions &options);

// `--conform-kernel`: random operation sequences on the kernel (QEMU + swtpm) and on the
// model of `proposal`, every observation compared.
struct ConformStepOptions {
  std::string kernel;
  model::ProposalId proposal = model::baseline_proposal();
  int runs = 5;
  std::uint64_t seed = 1;
};
void run_conform_step(Report &report, const ConformStepOptions &options);

} // namespace trimcheck::cli
