#include "report_steps.hpp"

#include "trimcheck/conform/conform.hpp"

#include <iostream>

namespace trimcheck::cli {

void run_conform_step(Report &report, const ConformStepOptions &options) {
  const std::string key(model::proposal_info(options.proposal).key);
  EngineSection section{"conform",
                        "Conformance on a real kernel",
                        "Random operation sequences run on " + options.kernel +
                            " (QEMU + swtpm) and on the model of " + key +
                            " side by side; every return value, counter, PCR 10 of every bank "
                            "and list byte is compared (docs/vm.md). A mismatch is shrunk in "
                            "fresh VMs.",
                        {}};
  try {
    conform::ConformOptions conform_options;
    conform_options.run.vm = vm::VmOptions::defaults_for(options.kernel);
    conform_options.run.proposal = options.proposal;
    conform_options.runs = options.runs;
    conform_options.seed = options.seed;
    conform_options.progress = report.quiet ? nullptr : &std::cerr;
    const conform::ConformResult result = conform::conform(conform_options);
    const std::string runs = std::to_string(result.runs_done) + " runs, " +
                             std::to_string(result.actions_done) + " actions, seed " +
                             std::to_string(options.seed);
    EngineOutput row{options.proposal, "conform", "conforms (" + runs + ")", false, "", {}, {}, {}};
    if (result.first_mismatch) {
      props::Trace trace = result.first_mismatch->trace;
      trace.seed = options.seed;
      trace.violation = result.first_mismatch->mismatch->what;
      row.result = "MISMATCH (shrunk from " + std::to_string(result.original.size()) + " to " +
                   std::to_string(result.first_mismatch->executed.size()) + " actions)";
      row.violated = true;
      row.note = result.first_mismatch->mismatch->category + ": " + trace.violation;
      row.trace = std::move(trace);
      write_engine_trace(report, section.name, row);
    }
    report.steps.push_back(
        {"conform", ReportStep::Status::ok, key + " on the kernel: " + row.result});
    section.rows.push_back(std::move(row));
  } catch (const vm::VmInterrupted &error) {
    report.steps.push_back(
        {"conform", ReportStep::Status::failed, std::string(error.what()) + " (VM stopped)"});
    report.interrupted_by = error.signal();
  } catch (const std::exception &error) {
    report.steps.push_back({"conform", ReportStep::Status::failed, error.what()});
  }
  report.engines.push_back(std::move(section));
}

} // namespace trimcheck::cli
