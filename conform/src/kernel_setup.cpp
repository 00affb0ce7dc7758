#include "trimcheck/conform/kernel_setup.hpp"

#include "trimcheck/props/explore.hpp"
#include "trimcheck/props/scenario.hpp"
#include "trimcheck/vm/protocol.hpp"

#include <fstream>
#include <regex>
#include <stdexcept>

namespace trimcheck::conform {

using model::BaseTree;

namespace {
// The subject of the patch that brought reboot suspend in 6.14 (posted 2024-11).
constexpr std::string_view kRebootSuspendSubject =
    "ima: Suspend PCR extends and log appends when rebooting";
} // namespace

model::BaseTree KernelBuild::base() const {
  // Only the release is known here; a 6.12 tree carrying the 6.14 reboot-suspend patch
  // is told apart by `conform --base 6.14`.
  int major = 0, minor = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2)
    return BaseTree::as_posted;
  const int version = major * 100 + minor;
  if (version >= 615)
    return BaseTree::linux_6_15;
  if (version >= 614)
    return BaseTree::linux_6_14;
  for (const std::string &line : series)
    if (line.find(kRebootSuspendSubject) != std::string::npos)
      return BaseTree::linux_6_14;
  return BaseTree::linux_6_12;
}

std::optional<KernelBuild> read_kernel_build(const std::filesystem::path &bzimage) {
  const std::filesystem::path path = bzimage.parent_path() / "config";
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  KernelBuild build;
  static const std::regex kHeader(R"(^# Linux/\S+ (\S+) Kernel Configuration$)");
  static const std::regex kSet(R"(^(CONFIG_[A-Za-z0-9_]+)=(.*)$)");
  static const std::regex kUnset(R"(^# CONFIG_[A-Za-z0-9_]+ is not set$)");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::smatch match;
    if (std::regex_match(line, match, kHeader))
      build.release = match[1];
    else if (std::regex_match(line, match, kSet))
      build.options[match[1]] = match[2];
    else if (!line.empty() && line[0] != '#')
      throw std::invalid_argument(path.string() + ":" + std::to_string(number) +
                                  ": not a kernel config line: " + line.substr(0, 80));
  }
  if (build.release.empty())
    throw std::invalid_argument(path.string() +
                                ": no '# Linux/<arch> <release> Kernel Configuration' header");
  std::ifstream series(bzimage.parent_path() / "series");
  while (std::getline(series, line))
    if (!line.empty())
      build.series.push_back(line);
  return build;
}

KernelSetup kernel_setup(model::ProposalId proposal, const model::KernelConfig &config) {
  KernelSetup setup;
  setup.required = {"CONFIG_IMA=y"};
  if (config.ima_kexec)
    setup.required.push_back("CONFIG_IMA_KEXEC=y");
  else
    setup.forbidden.push_back("CONFIG_IMA_KEXEC");
  if (config.disable_htable)
    setup.required.push_back("CONFIG_IMA_DISABLE_HTABLE=y");
  else
    setup.forbidden.push_back("CONFIG_IMA_DISABLE_HTABLE");
  if (const auto option = model::feature_kconfig(proposal)) {
    const bool on = model::feature_enabled(proposal, config);
    if (on)
      setup.required.push_back(std::string(*option) + "=y");
    else
      setup.forbidden.push_back(std::string(*option));
    if (on && proposal_info(proposal).family == model::Family::ms)
      setup.required.push_back("CONFIG_CONFIGFS_FS=y");
  }
  auto word = [&](const std::string &text) {
    setup.cmdline += (setup.cmdline.empty() ? "" : " ") + text;
  };
  // ima_hash before ima_template: the template's setup checks the hash chosen so far.
  word("ima_hash=" + std::string(model::hash_name(config.banks.ima_hash)));
  if (config.flush_htable)
    word("ima_flush_htable");
  if (config.template_kind != model::TemplateKind::ima_ng)
    word("ima_template=" + std::string(model::template_name(config.template_kind)));
  if (config.critical_data_rule)
    word(vm::protocol::kCriticalDataParameter);
  return setup;
}

vm::VmOptions vm_options(vm::VmOptions vm, model::ProposalId proposal,
                         const model::KernelConfig &config) {
  const std::string words = kernel_setup(proposal, config).cmdline;
  if (!words.empty())
    vm.cmdline += " " + words;
  return vm;
}

std::optional<std::string> unmet(const KernelSetup &setup, const KernelBuild &build) {
  for (const std::string &option : setup.required) {
    const auto equals = option.find('=');
    const auto found = build.options.find(option.substr(0, equals));
    if (found == build.options.end() || found->second != option.substr(equals + 1))
      return "the kernel lacks " + option;
  }
  for (const std::string &option : setup.forbidden)
    if (build.options.contains(option))
      return "the kernel has " + option + "=" + build.options.at(option) +
             ", which the configuration turns off";
  return std::nullopt;
}

std::optional<model::KernelConfig> named_config(model::ProposalId proposal, std::string_view name) {
  bool critical_data = true;
  std::string flags;
  std::string_view rest = name;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view flag = rest.substr(0, comma);
    if (flag == "no_critical_data")
      critical_data = false;
    else
      flags += (flags.empty() ? "" : ",") + std::string(flag);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  }
  const auto choice = props::config_choice_from_names(flags.empty() ? "default" : flags);
  if (!choice || choice->small_kexec_margin) // the margin is a build option of 6.15 only
    return std::nullopt;
  model::KernelConfig config = props::make_config(proposal, *choice);
  config.critical_data_rule = critical_data;
  return config;
}

std::vector<std::string> config_names_for(model::ProposalId proposal) {
  std::vector<std::string> names{"default", "no_critical_data", "legacy_template"};
  if (model::has_flush_htable(proposal))
    names.push_back("flush_htable");
  if (model::feature_kconfig(proposal))
    names.push_back("feature_off");
  names.push_back("disable_htable");
  return names;
}

} // namespace trimcheck::conform
