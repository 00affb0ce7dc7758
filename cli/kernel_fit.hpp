// A model configuration fitted to the kernel a command boots (conform, confirm, replay
// --kernel): the model takes the kernel's base tree, and the kernel must have been built
// with every option the configuration needs. And what a recording says of that kernel.
#pragma once

#include "trimcheck/conform/conform.hpp"
#include "trimcheck/model/config.hpp"
#include "trimcheck/model/proposal.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace trimcheck::cli {

// `config` with the base tree of the kernel at `bzimage` (`base` if given, else the
// release in the config file beside it, else as posted). Throws std::invalid_argument
// (exit 2) when the kernel's build lacks an option the configuration needs.
model::KernelConfig fit_to_kernel(const std::string &bzimage, model::ProposalId proposal,
                                  model::KernelConfig config, std::optional<model::BaseTree> base,
                                  const std::string &config_name);

// The --kernel-info file (empty path: {}); prints "trimcheck <command>: ..." and returns
// nullopt if it cannot be read or is not a JSON object.
std::optional<nlohmann::json> read_kernel_info(std::string_view command, const std::string &path);

// What a transcript says of the kernel: the --kernel-info object, plus what the files
// beside the bzImage tell (release, the IMA, TPM, kexec, configfs and KASAN options, the
// series' subjects and Message-IDs), the base tree the model took and the command line.
nlohmann::json kernel_identity(const std::string &bzimage, const conform::RunOptions &run,
                               const nlohmann::json &info);

} // namespace trimcheck::cli
