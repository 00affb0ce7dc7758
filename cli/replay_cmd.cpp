#include "commands.hpp"

#include "trimcheck/props/check.hpp"

#include <fstream>
#include <iostream>

namespace trimcheck::cli {

void add_replay(CLI::App &app, int &exit_code) {
  auto path = std::make_shared<std::string>();
  auto *cmd = app.add_subcommand(
      "replay", "Re-execute a trace (from check, explore or prove) on the model and report "
                "whether its violation still reproduces.");
  cmd->add_option("TRACE", *path, "Trace file (JSON, docs/trace-format.md)")->required();
  cmd->footer("Example:\n  trimcheck replay trimcheck-out/chen-v5-P5.json\n\n"
              "Exit codes: 1 the violation reproduces, 0 it no longer does, 2 the trace is\n"
              "malformed or a step is not possible on this model.");
  cmd->callback([path, &exit_code] {
    std::ifstream in(*path);
    if (!in) {
      std::cerr << "trimcheck replay: cannot read " << *path << "\n";
      exit_code = kExitBadInput;
      return;
    }
    try {
      nlohmann::json json;
      try {
        json = nlohmann::json::parse(in);
      } catch (const nlohmann::json::parse_error &error) {
        throw props::TraceFormatError(std::string("not JSON: ") + error.what());
      }
      props::Trace trace = props::trace_from_json(json);
      const std::string violation = props::replay(trace);
      if (violation.empty()) {
        std::cout << "does not reproduce: " << trace.property << " holds on "
                  << model::proposal_info(trace.proposal).key << " for these " << trace.steps.size()
                  << " steps\n";
        exit_code = kExitOk;
        return;
      }
      trace.violation = violation;
      std::cout << props::render_text(trace);
      exit_code = kExitFinding;
    } catch (const props::TraceFormatError &error) {
      std::cerr << "trimcheck replay: " << *path << ": " << error.what() << "\n";
      exit_code = kExitBadInput;
    } catch (const std::invalid_argument &error) {
      std::cerr << "trimcheck replay: " << *path << ": " << error.what() << "\n";
      exit_code = kExitBadInput;
    }
  });
}

} // namespace trimcheck::cli
