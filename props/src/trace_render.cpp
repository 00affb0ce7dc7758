#include "trimcheck/props/trace.hpp"

#include <sstream>

namespace trimcheck::props {

using namespace model;

std::string describe(const TraceAction &action) {
  if (const Quote *quote = std::get_if<Quote>(&action))
    return "p" + std::to_string(quote->pid) + " takes a TPM quote";
  return model::describe(std::get<Action>(action));
}

namespace {

constexpr std::size_t kWidth = 72;

} // namespace

std::vector<std::string> wrap_words(const std::string &text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    while (word.size() > width) {
      if (!line.empty())
        lines.push_back(line), line.clear();
      lines.push_back(word.substr(0, width));
      word = word.substr(width);
    }
    if (line.size() + (line.empty() ? 0 : 1) + word.size() > width)
      lines.push_back(line), line.clear();
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty())
    lines.push_back(line);
  return lines;
}

namespace {

std::string result_text(const TraceStep &step) {
  if (std::holds_alternative<Quote>(step.action))
    return "";
  if (!step.outcome.done)
    return "(blocked)";
  return "-> " + model::return_text(step.outcome.ret);
}

} // namespace

std::string render_text(const Trace &trace, const std::optional<std::string> &condition) {
  std::ostringstream out;
  auto emit = [&](const std::string &prefix, const std::string &text) {
    bool first = true;
    for (const std::string &line : wrap_words(text, kWidth - prefix.size())) {
      out << (first ? prefix : std::string(prefix.size(), ' ')) << line << "\n";
      first = false;
    }
  };
  emit("", "trimcheck: " + trace.property + (condition ? " conditional on " : " violated on ") +
               std::string(proposal_info(trace.proposal).key) + " (" +
               std::string(regime_name(trace.regime)) + " user space)");
  if (condition)
    emit("condition: ", *condition);
  emit("config: ", trace.config.describe());
  emit("found by: ", trace.source + ", seed " + std::to_string(trace.seed) + ", " +
                         std::to_string(trace.steps.size()) + " steps");
  out << "\n";
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    char number[24];
    std::snprintf(number, sizeof number, "%3zu. ", i + 1);
    std::string text = describe(trace.steps[i].action);
    std::string result = result_text(trace.steps[i]);
    emit(number, result.empty() ? text : text + " " + result);
  }
  out << "\n";
  emit("violation: ", trace.violation);
  return out.str();
}

std::string render_dot(const Trace &trace) {
  // One lifeline per participant; each step is a message from its actor to the kernel.
  std::vector<std::string> actors{"kernel"};
  auto actor_of = [](const TraceAction &action) -> std::string {
    if (const Quote *quote = std::get_if<Quote>(&action))
      return "p" + std::to_string(quote->pid);
    return std::visit(
        [](const auto &a) -> std::string {
          if constexpr (requires { a.pid; })
            return a.pid == 0 ? "kernel" : "p" + std::to_string(a.pid);
          else if constexpr (requires { a.from; })
            return "p" + std::to_string(a.from);
          else
            return "kernel";
        },
        std::get<Action>(action));
  };
  for (const TraceStep &step : trace.steps) {
    std::string actor = actor_of(step.action);
    if (std::find(actors.begin(), actors.end(), actor) == actors.end())
      actors.push_back(actor);
  }
  auto escape = [](const std::string &text) {
    std::string out;
    for (char c : text)
      out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    return out;
  };
  std::ostringstream dot;
  dot << "digraph trace {\n  rankdir=TB;\n  node [shape=plaintext fontname=monospace];\n"
      << "  edge [fontname=monospace fontsize=10];\n  label=\""
      << escape(trace.property + " on " + std::string(proposal_info(trace.proposal).key) + ": " +
                trace.violation.substr(0, 100))
      << "\";\n  labelloc=t;\n";
  const std::size_t rows = trace.steps.size() + 1;
  for (std::size_t a = 0; a < actors.size(); ++a) {
    dot << "  " << actors[a] << "_0 [label=\"" << actors[a] << "\" shape=box];\n";
    for (std::size_t r = 1; r <= rows; ++r)
      dot << "  " << actors[a] << "_" << r << " [label=\"\" width=0 height=0];\n";
    dot << "  ";
    for (std::size_t r = 0; r <= rows; ++r)
      dot << actors[a] << "_" << r << (r == rows ? "" : " -> ");
    dot << " [style=dashed arrowhead=none];\n";
  }
  for (std::size_t r = 0; r <= rows; ++r) {
    dot << "  { rank=same;";
    for (const std::string &actor : actors)
      dot << " " << actor << "_" << r << ";";
    dot << " }\n";
  }
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    const TraceStep &step = trace.steps[i];
    std::string actor = actor_of(step.action);
    std::string label =
        std::to_string(i + 1) + ". " + describe(step.action) + " " + result_text(step);
    const bool last = i + 1 == trace.steps.size();
    dot << "  " << actor << "_" << i + 1 << " -> kernel_" << i + 1 << " [label=\"" << escape(label)
        << "\"" << (last ? " color=red fontcolor=red" : "")
        << (actor == "kernel" ? " dir=none" : "") << "];\n";
  }
  dot << "}\n";
  return dot.str();
}

} // namespace trimcheck::props
