// Help text in 80 columns: CLI11 prints option and subcommand descriptions on one line
// and descriptions and footers as written; this formatter fills prose to the width.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::cli {

inline constexpr std::size_t kHelpWidth = 80;

// Fills the prose of `text` to `width` columns: lines of a paragraph that do not start
// with a space are joined and refilled; indented lines (examples, commands) and blank
// lines are kept as they are. Each output line after the first starts with `indent`
// spaces; the caller places the first.
std::string fill(std::string_view text, std::size_t width, std::size_t indent = 0);

class HelpFormatter : public CLI::Formatter {
public:
  HelpFormatter();
  std::string make_option(const CLI::Option *opt, bool is_positional) const override;
  std::string make_subcommand(const CLI::App *sub) const override;
  std::string make_description(const CLI::App *app) const override;
  std::string make_footer(const CLI::App *app) const override;
};

} // namespace trimcheck::cli
