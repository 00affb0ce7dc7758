#include "help_format.hpp"

#include <sstream>

namespace trimcheck::cli {
namespace {

constexpr std::size_t kColumn = 30; // where option and subcommand descriptions start

// One option or subcommand line: the name, then the description from column kColumn.
std::string entry(const std::string &name, const std::string &description) {
  std::string out = "  " + fill(name, kHelpWidth - 2, 6);
  const std::size_t last_line = out.size() - (out.rfind('\n') + 1); // npos + 1 == 0
  if (!description.empty()) {
    if (last_line >= kColumn)
      out += "\n" + std::string(kColumn, ' ');
    else
      out += std::string(kColumn - last_line, ' ');
    out += fill(description, kHelpWidth - kColumn, kColumn);
  }
  return out + "\n";
}

// CLI11's description or footer (text and one newline, or nothing) filled to the width.
std::string refill(const std::string &text) {
  if (text.empty())
    return text;
  return fill(std::string_view(text).substr(0, text.size() - 1), kHelpWidth) + "\n";
}

} // namespace

std::string fill(std::string_view text, std::size_t width, std::size_t indent) {
  std::vector<std::string> lines;
  std::string paragraph;
  auto flush = [&] {
    if (paragraph.empty())
      return;
    std::istringstream words(paragraph);
    std::string line;
    for (std::string word; words >> word;) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        lines.push_back(line);
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    lines.push_back(line);
    paragraph.clear();
  };
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    if (line.empty() || line.front() == ' ') {
      flush();
      lines.emplace_back(line);
    } else {
      paragraph += (paragraph.empty() ? "" : " ") + std::string(line);
    }
    start = end + 1;
  }
  flush();
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0)
      out += "\n" + std::string(lines[i].empty() ? 0 : indent, ' ');
    out += lines[i];
  }
  return out;
}

HelpFormatter::HelpFormatter() {
  column_width(kColumn);
}

std::string HelpFormatter::make_option(const CLI::Option *opt, bool is_positional) const {
  return entry(make_option_name(opt, is_positional) + make_option_opts(opt), make_option_desc(opt));
}

std::string HelpFormatter::make_subcommand(const CLI::App *sub) const {
  // The list of subcommands shows the first sentence; `help CMD` shows the rest.
  const std::string &description = sub->get_description();
  std::size_t end = description.size();
  for (std::size_t dot = description.find('.'); dot != std::string::npos;
       dot = description.find('.', dot + 1))
    if (dot + 1 == description.size() || description[dot + 1] == ' ' ||
        description[dot + 1] == '\n') {
      end = dot + 1;
      break;
    }
  return entry(sub->get_display_name(true), description.substr(0, end));
}

std::string HelpFormatter::make_description(const CLI::App *app) const {
  return refill(CLI::Formatter::make_description(app));
}

std::string HelpFormatter::make_footer(const CLI::App *app) const {
  return refill(CLI::Formatter::make_footer(app));
}

} // namespace trimcheck::cli
