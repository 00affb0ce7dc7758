// trimcheck help [SUBCOMMAND], and the "did you mean" answer to a mistyped subcommand.
#include "commands.hpp"

#include <algorithm>
#include <iostream>
#include <numeric>

namespace trimcheck::cli {
namespace {

// Edit distance (insertions, deletions, substitutions), for suggestions only.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::vector<std::string> subcommand_names(const CLI::App &app) {
  std::vector<std::string> names;
  for (const CLI::App *sub : app.get_subcommands({}))
    names.push_back(sub->get_name());
  return names;
}

} // namespace

std::optional<std::string> unknown_subcommand(const CLI::App &app, std::string_view word) {
  const std::vector<std::string> names = subcommand_names(app);
  if (std::find(names.begin(), names.end(), word) != names.end())
    return std::nullopt;
  const std::string message = "unknown subcommand '" + std::string(word) + "'";
  // The names it begins; failing those, the nearest within two edits.
  std::vector<std::string> closest;
  for (const std::string &name : names)
    if (!word.empty() && name.starts_with(word))
      closest.push_back(name);
  for (std::size_t distance = 1; distance <= 2 && closest.empty(); ++distance)
    for (const std::string &name : names)
      if (edit_distance(word, name) == distance)
        closest.push_back(name);
  if (!closest.empty()) {
    std::string suggestion = "'" + closest[0] + "'";
    for (std::size_t i = 1; i < closest.size(); ++i)
      suggestion += (i + 1 == closest.size() ? " or '" : ", '") + closest[i] + "'";
    return message + "; did you mean " + suggestion + "?";
  }
  std::string list;
  for (const std::string &name : names)
    list += (list.empty() ? "" : ", ") + name;
  return message + "; the subcommands are " + list + " (`trimcheck help` explains them)";
}

void add_help(CLI::App &app, int &exit_code) {
  auto *cmd = app.add_subcommand(
      "help", "Print the help of trimcheck, or of one subcommand (the same as its --help)");
  auto subcommand = std::make_shared<std::string>();
  cmd->add_option("subcommand", *subcommand, "A subcommand, e.g. check");
  cmd->footer("Examples:\n  trimcheck help\n  trimcheck help check\n\n"
              "Exit codes: 0 the help was printed, 2 no such subcommand.");
  cmd->callback([&app, subcommand, &exit_code] {
    if (subcommand->empty()) {
      // app.help() would print this subcommand's help: it is the one selected.
      std::cout << app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
      return;
    }
    if (const auto message = unknown_subcommand(app, *subcommand)) {
      std::cerr << "trimcheck help: " << *message << "\n";
      exit_code = kExitBadInput;
      return;
    }
    std::cout << app.get_subcommand(*subcommand)->help(app.get_name());
  });
}

} // namespace trimcheck::cli
