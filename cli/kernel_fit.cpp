#include "kernel_fit.hpp"

#include "trimcheck/conform/conform.hpp"
#include "trimcheck/conform/kernel_setup.hpp"

#include <fstream>
#include <iostream>
#include <stdexcept>

namespace trimcheck::cli {

model::KernelConfig fit_to_kernel(const std::string &bzimage, model::ProposalId proposal,
                                  model::KernelConfig config, std::optional<model::BaseTree> base,
                                  const std::string &config_name) {
  const auto build = conform::read_kernel_build(bzimage);
  if (build) {
    if (auto why = conform::unmet(conform::kernel_setup(proposal, config), *build))
      throw std::invalid_argument(*why + ", which the configuration " + config_name + " of " +
                                  std::string(model::proposal_info(proposal).key) +
                                  " needs (kernel " + build->release + ", " + bzimage + ")");
  }
  config.wall_clock.clear(); // a new run on a kernel reads its own clock: learned again
  if (base)
    config.base = *base;
  else if (build && model::proposal_info(proposal).family != model::Family::baseline)
    config.base = build->base();
  return config;
}

std::optional<nlohmann::json> read_kernel_info(std::string_view command, const std::string &path) {
  if (path.empty())
    return nlohmann::json::object();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "trimcheck " << command << ": --kernel-info " << path << " cannot be read\n";
    return std::nullopt;
  }
  nlohmann::json info = nlohmann::json::parse(in, nullptr, false);
  if (info.is_discarded() || !info.is_object()) {
    std::cerr << "trimcheck " << command << ": --kernel-info " << path
              << ": expected a JSON object\n";
    return std::nullopt;
  }
  return info;
}

nlohmann::json kernel_identity(const std::string &bzimage, const conform::RunOptions &run,
                               const nlohmann::json &info) {
  nlohmann::json identity = info;
  if (const auto build = conform::read_kernel_build(bzimage)) {
    identity["release"] = build->release;
    nlohmann::json options = nlohmann::json::object();
    for (const auto &[option, value] : build->options)
      for (const char *prefix :
           {"CONFIG_IMA", "CONFIG_TCG", "CONFIG_KEXEC", "CONFIG_CONFIGFS", "CONFIG_KASAN"})
        if (option.rfind(prefix, 0) == 0)
          options[option] = value;
    identity["config_options"] = options;
    if (!build->series.empty())
      identity["series_patches"] = build->series;
  }
  identity["base_tree"] = model::base_tree_name(run.config.base);
  identity["cmdline"] = conform::vm_options(run.vm, run.proposal, run.config).cmdline;
  return identity;
}

} // namespace trimcheck::cli
