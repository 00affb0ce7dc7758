#include "commands.hpp"

#include "trimcheck/model/proposal.hpp"

#include <utility>

namespace trimcheck::cli {

namespace {

std::string id_of(model::ProposalId id) {
  return std::string(model::proposal_info(id).key);
}

// scripts/build-kernel's arguments for a kernel with the series of `id` (in <id>/) and
// the option its removal interface needs, if any.
std::string series_arguments(model::ProposalId id) {
  const std::optional<std::string_view> kconfig = model::feature_kconfig(id);
  return "--series " + id_of(id) + "/" +
         (kconfig ? " --option " + std::string(*kconfig) + "=y" : std::string());
}

} // namespace

std::string with_example_ids(std::string text) {
  const model::ProposalId newest = model::newest_proposal(),
                          newest_chen = model::newest_proposal(model::Family::chen);
  const std::pair<std::string, std::string> replacements[] = {
      {"{baseline}", id_of(model::baseline_proposal())},
      {"{newest}", id_of(newest)},
      {"{previous}", id_of(model::previous_proposal(newest).value())},
      {"{newest-chen}", id_of(newest_chen)},
      {"{newest-series}", series_arguments(newest)},
      {"{newest-chen-series}", series_arguments(newest_chen)},
  };
  for (const auto &[placeholder, value] : replacements)
    for (std::size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size()))
      text.replace(at, placeholder.size(), value);
  return text;
}

} // namespace trimcheck::cli
