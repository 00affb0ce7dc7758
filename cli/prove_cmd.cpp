// trimcheck prove: BMC and k-induction of one (version, property) pair with Z3.
#include "commands.hpp"
#include "json_document.hpp"
#include "progress_line.hpp"
#include "report_io.hpp"

#include "trimcheck/props/scenario.hpp"
#include "trimcheck/prove/prove.hpp"

#include <filesystem>
#include <iostream>

namespace trimcheck::cli {
namespace {

struct ProveArgs {
  std::string proposal, property, out;
  int depth = 8;
  double timeout = 60;
  bool json = false;
  bool quiet = false;
};

int run_prove(const ProveArgs &args) {
  const auto proposal = model::proposal_from_key(args.proposal);
  if (!proposal) {
    std::cerr << "trimcheck prove: unknown proposal \"" << args.proposal
              << "\" (see `trimcheck list`)\n";
    return kExitBadInput;
  }
  const props::Property *property = props::find_property(args.property);
  if (property == nullptr) {
    std::cerr << "trimcheck prove: unknown property \"" << args.property
              << "\" (see `trimcheck list`)\n";
    return kExitBadInput;
  }
  if (!property->applies(*proposal, props::make_config(*proposal, props::ConfigChoice{}))) {
    std::cerr << "trimcheck prove: " << args.property << " does not apply to " << args.proposal
              << " (n/a in the verdict matrix)\n";
    return kExitBadInput;
  }
  if (args.depth < 0 || args.depth > 200 || !(args.timeout > 0)) {
    std::cerr << "trimcheck prove: --depth must be 0..200 and --timeout positive\n";
    return kExitBadInput;
  }
  prove::ProveOptions options;
  options.depth = args.depth;
  options.timeout_seconds = args.timeout;
  prove::ProveResult result;
  {
    ProgressLine progress("prove", args.quiet);
    options.progress = [&progress](const std::string &status) { progress.set(status); };
    result = prove::prove(*proposal, *property, options);
  }

  std::optional<std::string> trace_path;
  if (result.trace) {
    const std::filesystem::path dir = args.out.empty() ? "trimcheck-out" : args.out;
    make_directories(dir);
    const auto path = dir / (args.proposal + "-" + args.property + "-prove.json");
    write_file(path, props::to_json(*result.trace).dump(2) + "\n");
    trace_path = path.string();
    prove::write_symbolic_states(path, result);
  }
  if (args.json) {
    nlohmann::json out = json_document("prove", {});
    out.update({{"proposal", args.proposal},
                {"property", args.property},
                {"verdict", std::string(prove::result_name(result.result))},
                {"depth", result.depth},
                {"seconds", result.seconds},
                {"trace", trace_path ? nlohmann::json(*trace_path) : nlohmann::json()},
                {"found_in", found_in_json(result.trace ? &*result.trace : nullptr)}});
    if (result.result == prove::Result::proved) {
      out["induction_k"] = result.induction_k;
      out["lemmas"] = result.lemmas;
    }
    if (!result.note.empty())
      out["note"] = result.note;
    if (result.replay_mismatch)
      out["replay_mismatch"] = true;
    std::cout << out.dump() << "\n";
  } else {
    std::cout << args.property << " on " << args.proposal << ": "
              << prove::result_name(result.result);
    if (result.result == prove::Result::holds_to_depth)
      std::cout << " " << result.depth;
    if (result.result == prove::Result::proved)
      std::cout << " (k-induction, k = " << result.induction_k << ", BMC to depth " << result.depth
                << ")";
    std::cout << " in " << result.seconds << " s\n";
    for (const std::string &lemma : result.lemmas)
      std::cout << "  lemma: " << lemma << "\n";
    if (!result.note.empty())
      std::cout << "  note: " << result.note << "\n";
    if (result.trace && !result.replay_mismatch)
      std::cout << props::render_text(*result.trace);
    if (trace_path)
      std::cout << "trace: " << *trace_path << "\n";
  }
  if (result.replay_mismatch) {
    std::cerr << "trimcheck prove: MISMATCH between the SMT encoding and the concrete model: "
              << result.note << "; the decoded trace is " << trace_path.value_or("?")
              << " and the symbolic states are beside it (*-prove-smt-states.txt)\n";
    return kExitInternal; // the two encodings of one version disagree: a bug in trimcheck
  }
  switch (result.result) {
  case prove::Result::proved:
  case prove::Result::holds_to_depth:
    return kExitOk;
  case prove::Result::violated:
    return kExitFinding;
  case prove::Result::unknown:
    return kExitInconclusive;
  }
  return kExitInconclusive;
}

} // namespace

void add_prove(CLI::App &app, int &exit_code) {
  auto args = std::make_shared<ProveArgs>();
  auto *cmd = app.add_subcommand(
      "prove",
      "Bounded model checking to --depth, interleaved with k-induction (a proof at k ends\n"
      "the run after BMC depth k), of one property on one version,\n"
      "over a symbolic (Z3) encoding of the version's transition relation. A counterexample\n"
      "is decoded into a trace and replayed on the concrete model. Encoded: P2, P3a, P7 on\n"
      "every version, B1-B4 on the baselines (docs/prove.md).");
  cmd->add_option("--proposal", args->proposal, "Version id (trimcheck list)")->required();
  cmd->add_option("--property", args->property, "Property id, e.g. P2")->required();
  cmd->add_option("--depth", args->depth, "BMC bound in symbolic steps (default 8)");
  cmd->add_option("--timeout", args->timeout, "Seconds for the whole run (default 60)");
  add_json_flag(*cmd, args->json, "the result");
  add_quiet_flag(*cmd, args->quiet, "a line every 2 s: the BMC depth or induction step at work");
  cmd->add_option("--out", args->out, "Directory for the trace (default trimcheck-out)")
      ->check(writable_directory());
  cmd->footer(with_example_ids(
      "Results: proved (k-induction closed), holds-to-depth K (no counterexample in K steps),\n"
      "violated (trace written and reproduced on the concrete model), unknown (not encoded,\n"
      "or Z3 gave up; the note says why).\n\n"
      "Example:\n  trimcheck prove --proposal {newest-chen} --property P7 --depth 6\n"
      "  trimcheck prove --proposal {newest} --property P2 --json --out traces\n\n"
      "Exit codes: 0 proved or holds-to-depth, 1 violated, 2 bad input, 3 unknown, 70 the\n"
      "SMT counterexample does not reproduce on the concrete model (a bug in trimcheck)."));
  cmd->callback([args, &exit_code] { exit_code = run_prove(*args); });
}

} // namespace trimcheck::cli
