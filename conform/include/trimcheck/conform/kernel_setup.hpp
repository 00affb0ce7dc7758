// One configuration on both sides. A model configuration (what `check` draws:
// ima_flush_htable, IMA_DISABLE_HTABLE, the version's feature Kconfig off, the legacy
// `ima` template, critical data measured or not, the base tree) is, on a real kernel,
// some build options, some words on the command line and the guest's policy. This
// header maps one to the other and checks a built kernel against what a configuration
// needs, so that conform and `replay --kernel` set the VM up exactly as the model.
#pragma once

#include "trimcheck/model/config.hpp"
#include "trimcheck/model/proposal.hpp"
#include "trimcheck/vm/machine.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace trimcheck::conform {

// What a kernel was built with, from the files scripts/build-kernel leaves beside the
// bzImage: `config` (the .config, read as option -> value: "y", "m", a number, a
// string) and `series` (the Subject and Message-ID lines of the patches applied).
struct KernelBuild {
  std::string release;                        // "6.12.57", from the config's header
  std::map<std::string, std::string> options; // CONFIG_X -> value; unset options absent
  std::vector<std::string> series;            // "Subject: ...", "Message-ID: <...>"
  // The base tree the model takes for this kernel: its release, raised to 6.14 when
  // the series carries the 6.14 reboot-suspend patch.
  model::BaseTree base() const;
};
// Reads `<dir of bzImage>/config` (and `series` if present); nullopt when there is no
// config.
// Throws std::invalid_argument naming the file and line when it is not a kernel config.
std::optional<KernelBuild> read_kernel_build(const std::filesystem::path &bzimage);

struct KernelSetup {
  std::vector<std::string> required;  // options that must be set, "CONFIG_X=y"
  std::vector<std::string> forbidden; // options that must not be set, "CONFIG_X"
  std::string cmdline;                // words added to the kernel command line
};
KernelSetup kernel_setup(model::ProposalId proposal, const model::KernelConfig &config);
// `vm` with the configuration's words on the kernel command line.
vm::VmOptions vm_options(vm::VmOptions vm, model::ProposalId proposal,
                         const model::KernelConfig &config);

// Why `build` cannot run `config` ("the kernel lacks CONFIG_IMA_STAGING=y, which the
// configuration default of <version> needs"), or nullopt when it can.
std::optional<std::string> unmet(const KernelSetup &setup, const KernelBuild &build);

// A named configuration of `conform --config`: the names of `explore --config`
// (comma-separated flags, or "default") plus "no_critical_data" (the policy measures
// no critical data). nullopt for an unknown name.
std::optional<model::KernelConfig> named_config(model::ProposalId proposal, std::string_view name);
// The names `conform --config all` runs for a version: the configurations a kernel can
// be set up for by command line and policy alone, on a kernel built with the version's
// feature option (flush only where the version has ima_flush_htable).
std::vector<std::string> config_names_for(model::ProposalId proposal);

} // namespace trimcheck::conform
