#include "kernel_fit.hpp"

#include "trimcheck/conform/kernel_setup.hpp"

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

} // namespace trimcheck::cli
