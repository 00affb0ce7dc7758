// Subcommands of the trimcheck CLI. Each registers its options and returns the exit code
// through the callback it installs.
#pragma once

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace trimcheck::cli {

// Exit codes, the same for every subcommand (docs/cli.md, "Exit codes"). A run stopped by
// signal N exits 128 + N after it has cleaned up.
inline constexpr int kExitOk = 0;      // no finding: holds, verified, conforms, no reproduction
inline constexpr int kExitFinding = 1; // a violation, reproduction, mismatch or failed verification
inline constexpr int kExitBadInput = 2;     // malformed option, trace or file; unwritable output
inline constexpr int kExitInconclusive = 3; // no answer: memory limit, unknown, timeout, no VM
inline constexpr int kExitInternal = 70;    // an internal error (a bug), reported, never an abort

// For an unsigned option: the value must be digits only. CLI11 itself reads "-1" as
// 2^64 - 1 and "" as 0 (issue 20 item 12).
// An unsigned option: digits only (no sign, not empty) and at most `max`, which is checked
// here because the conversion saturates (2^64 would be read as 2^64 - 1).
inline CLI::Validator digits_only(std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
  return CLI::Validator(
      [max](const std::string &value) -> std::string {
        if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
          return "must be a whole number of digits, not '" + value + "'";
        std::uint64_t number = 0;
        const auto [end, error] =
            std::from_chars(value.data(), value.data() + value.size(), number);
        if (error == std::errc::result_out_of_range || number > max)
          return "must be at most " + std::to_string(max) + ", not " + value;
        return {};
      },
      "DIGITS");
}

// The two flags every subcommand shares, registered with one wording. `what` is what the
// JSON document holds ("the results"); `progress` what is printed without --quiet ("a line
// every 2 s: ...").
void add_json_flag(CLI::App &cmd, bool &json, std::string_view what);
void add_quiet_flag(CLI::App &cmd, bool &quiet, std::string_view progress);

// For an output option: the file (or directory) can be written, or created under its
// nearest existing ancestor; checked when the command line is parsed, so a run does not
// spend minutes before it finds that it cannot write its result (issue 20 item 8).
CLI::Validator writable_file();
CLI::Validator writable_directory();

// A help text's examples name versions by their role in model/, so that cli/ names none:
// `text` with {baseline} (model::baseline_proposal), {newest} (newest_proposal),
// {previous} (the newest's predecessor) and {newest-chen} (newest_proposal(Family::chen))
// replaced by their ids, and {newest-series} and {newest-chen-series} by the arguments of
// scripts/build-kernel for that version's kernel ("--series <id>/ --option <Kconfig>=y").
std::string with_example_ids(std::string text);

void add_list(CLI::App &app, int &exit_code);
void add_check(CLI::App &app, int &exit_code);
void add_replay(CLI::App &app, int &exit_code);
void add_report(CLI::App &app, int &exit_code);
void add_explore(CLI::App &app, int &exit_code);
void add_verify(CLI::App &app, int &exit_code);
void add_prove(CLI::App &app, int &exit_code);
void add_conform(CLI::App &app, int &exit_code);
void add_confirm(CLI::App &app, int &exit_code);
void add_help(CLI::App &app, int &exit_code);

// The message for a word in the subcommand's place that names none ("unknown subcommand
// 'chek'; did you mean 'check'?"), or nullopt if it names one.
std::optional<std::string> unknown_subcommand(const CLI::App &app, std::string_view word);

} // namespace trimcheck::cli
