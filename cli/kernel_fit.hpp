// A model configuration fitted to the kernel a command boots (conform, replay --kernel):
// the model takes the kernel's base tree, and the kernel must have been built with
// every option the configuration needs.
#pragma once

#include "trimcheck/model/config.hpp"
#include "trimcheck/model/proposal.hpp"

#include <optional>
#include <string>

namespace trimcheck::cli {

// `config` with the base tree of the kernel at `bzimage` (`base` if given, else the
// release in the config file beside it, else as posted). Throws std::invalid_argument
// (exit 2) when the kernel's build lacks an option the configuration needs.
model::KernelConfig fit_to_kernel(const std::string &bzimage, model::ProposalId proposal,
                                  model::KernelConfig config, std::optional<model::BaseTree> base,
                                  const std::string &config_name);

} // namespace trimcheck::cli
