// trimcheck: a formal model and property checker for trimming the IMA measurement list.
#include "commands.hpp"
#include "help_format.hpp"
#include "report_io.hpp"

#include "trimcheck/model/proposal.hpp"

#include <cctype>
#include <filesystem>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace {

// "trimcheck <subcommand>", for the messages of errors a subcommand did not handle itself.
std::string command_name(const CLI::App &app) {
  std::string name = "trimcheck";
  for (const CLI::App *sub : app.get_subcommands())
    name += " " + sub->get_name();
  return name;
}

// The posted series, from model/'s table of versions, so that the overview names no
// version by hand: each family with its first and last version id, in table order.
std::string posted_series() {
  using trimcheck::model::Family;
  std::vector<std::pair<Family, std::vector<std::string_view>>> families;
  for (const trimcheck::model::ProposalInfo &info : trimcheck::model::all_proposals()) {
    if (info.family == Family::baseline)
      continue;
    if (families.empty() || families.back().first != info.family)
      families.push_back({info.family, {}});
    families.back().second.push_back(info.key);
  }
  std::string text;
  for (const auto &[family, keys] : families) {
    std::string name(trimcheck::model::family_name(family));
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    const bool last = &family == &families.back().first;
    text += (text.empty() ? ""
             : last       ? " and "
                          : ", ") +
            name + " (" + std::string(keys.front()) +
            (keys.size() > 1 ? " to " + std::string(keys.back()) : "") + ")";
  }
  return text;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{
      "trimcheck: checks the posted IMA measurement-list trimming patch series, " +
          posted_series() +
          ", against the review concerns P1-P23 and the baseline invariants B1-B5, on an "
          "executable model of every version.\n\n"
          "Start with `trimcheck list`, then `trimcheck check`. Every counterexample is a trace\n"
          "that `trimcheck replay` re-executes. `trimcheck help CMD` explains a subcommand.\n\n"
          "Exit codes, the same for every subcommand: 0 no finding (holds, verified, conforms,\n"
          "no reproduction), 1 a finding (a violation, a reproduction, a kernel mismatch, a\n"
          "failed verification), 2 bad input (an option, trace or file, or an output path that\n"
          "cannot be written), 3 inconclusive (a memory limit, an unknown answer, a timeout, a\n"
          "VM this machine could not run), 70 an internal error (a bug), 128+N stopped by\n"
          "signal N (after cleaning up). Each subcommand's --help says what 1 and 3 mean for it.\n",
      "trimcheck"};
  app.formatter(std::make_shared<trimcheck::cli::HelpFormatter>()); // before the subcommands
  app.set_version_flag("--version", std::string("trimcheck ") + TRIMCHECK_VERSION);
  app.require_subcommand(1);
  app.footer(trimcheck::cli::with_example_ids(
      "Examples:\n"
      "  trimcheck list\n"
      "  trimcheck check --proposal {newest} --proposal {newest-chen} --out traces\n"
      "  trimcheck check --json --seed 7 > verdicts.json\n"
      "  trimcheck explore --proposal {newest-chen} --max-depth 10\n"
      "  trimcheck prove --proposal {newest-chen} --property P7\n"
      "  trimcheck conform --kernel bzImage --proposal {baseline} --runs 5\n"
      "  trimcheck conform --transcripts tests/data/transcripts/fake-model\n"
      "  trimcheck replay traces/{newest-chen}-P5.json\n"
      "  trimcheck report --out review --proposal {newest}\n"
      "  trimcheck verify --chunk saved.bin --list now.bin --pcrs pcrs.yaml"));
  int exit_code = trimcheck::cli::kExitOk;
  trimcheck::cli::add_list(app, exit_code);
  trimcheck::cli::add_check(app, exit_code);
  trimcheck::cli::add_explore(app, exit_code);
  trimcheck::cli::add_prove(app, exit_code);
  trimcheck::cli::add_conform(app, exit_code);
  trimcheck::cli::add_confirm(app, exit_code);
  trimcheck::cli::add_replay(app, exit_code);
  trimcheck::cli::add_report(app, exit_code);
  trimcheck::cli::add_verify(app, exit_code);
  trimcheck::cli::add_help(app, exit_code);
  // A mistyped subcommand gets a suggestion, not CLI11's "arguments were not expected".
  if (argc > 1 && argv[1][0] != '-')
    if (const auto message = trimcheck::cli::unknown_subcommand(app, argv[1])) {
      std::cerr << "trimcheck: " << *message << "\n";
      return trimcheck::cli::kExitBadInput;
    }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : trimcheck::cli::kExitBadInput;
  } catch (const trimcheck::cli::OutputError &error) {
    std::cerr << command_name(app) << ": " << error.what() << "\n";
    return trimcheck::cli::kExitBadInput;
  } catch (const std::filesystem::filesystem_error &error) {
    std::cerr << command_name(app) << ": " << error.what() << "\n";
    return trimcheck::cli::kExitBadInput;
  } catch (const std::exception &error) {
    std::cerr << command_name(app) << ": internal error: " << error.what()
              << " (a bug in trimcheck; please report it with the command line)\n";
    return trimcheck::cli::kExitInternal;
  }
  return exit_code;
}
