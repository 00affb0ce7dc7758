// One configuration on both sides: build options, command line, policy, base tree.
#include "trimcheck/conform/kernel_setup.hpp"
#include "trimcheck/vm/protocol.hpp"

#include "../support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace trimcheck::conform {
namespace {

using model::ProposalId;

bool contains(const std::vector<std::string> &items, const std::string &item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

KernelSetup setup_of(ProposalId proposal, const std::string &name) {
  const auto config = named_config(proposal, name);
  EXPECT_TRUE(config) << name;
  return kernel_setup(proposal, config.value_or(model::KernelConfig{}));
}

TEST(KernelSetup, DefaultNeedsTheFeatureOptionAndMeasuresCriticalData) {
  const KernelSetup setup = setup_of(ProposalId::sassu_v7, "default");
  EXPECT_TRUE(contains(setup.required, "CONFIG_IMA_STAGING=y"));
  EXPECT_TRUE(contains(setup.required, "CONFIG_IMA_KEXEC=y"));
  EXPECT_TRUE(contains(setup.forbidden, "CONFIG_IMA_DISABLE_HTABLE"));
  EXPECT_EQ(setup.cmdline, "ima_hash=sha256 " + std::string(vm::protocol::kCriticalDataParameter));
}

TEST(KernelSetup, BootOptionsGoOnTheCommandLine) {
  EXPECT_EQ(setup_of(ProposalId::chen_v5, "flush_htable,no_critical_data").cmdline,
            "ima_hash=sha256 ima_flush_htable");
  // The kernel takes the legacy template only with sha1 as ima_hash, set before it.
  EXPECT_EQ(setup_of(ProposalId::baseline_6_12, "legacy_template,no_critical_data").cmdline,
            "ima_hash=sha1 ima_template=ima");
}

TEST(KernelSetup, FeatureOffForbidsTheVersionsOption) {
  EXPECT_TRUE(
      contains(setup_of(ProposalId::chen_v5, "feature_off").forbidden, "CONFIG_IMA_LOG_TRIMMING"));
  EXPECT_TRUE(contains(setup_of(ProposalId::ms_rfc1, "default").required, "CONFIG_IMA_PCRS=y"));
  EXPECT_TRUE(contains(setup_of(ProposalId::ms_rfc1, "default").required, "CONFIG_CONFIGFS_FS=y"));
  // Chen v2 has no Kconfig option: nothing to require or forbid for its feature.
  const KernelSetup chen_v2 = setup_of(ProposalId::chen_v2, "default");
  EXPECT_FALSE(contains(chen_v2.required, "CONFIG_IMA_LOG_TRIMMING=y"));
}

TEST(KernelSetup, UnmetNamesTheMissingOrUnwantedOption) {
  KernelBuild build;
  build.release = "6.12.57";
  build.options = {{"CONFIG_IMA", "y"}, {"CONFIG_IMA_KEXEC", "y"}};
  const auto missing = unmet(setup_of(ProposalId::sassu_v7, "default"), build);
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("CONFIG_IMA_STAGING=y"), std::string::npos) << *missing;
  EXPECT_FALSE(unmet(setup_of(ProposalId::sassu_v7, "feature_off"), build));
  build.options["CONFIG_IMA_STAGING"] = "y";
  EXPECT_FALSE(unmet(setup_of(ProposalId::sassu_v7, "default"), build));
  const auto unwanted = unmet(setup_of(ProposalId::sassu_v7, "feature_off"), build);
  ASSERT_TRUE(unwanted);
  EXPECT_NE(unwanted->find("CONFIG_IMA_STAGING=y"), std::string::npos) << *unwanted;
}

TEST(KernelSetup, NamedConfigurations) {
  const auto config = named_config(ProposalId::sassu_v7, "flush_htable,no_critical_data");
  ASSERT_TRUE(config);
  EXPECT_TRUE(config->flush_htable);
  EXPECT_FALSE(config->critical_data_rule);
  EXPECT_FALSE(named_config(ProposalId::sassu_v7, "flush"));
  EXPECT_FALSE(named_config(ProposalId::sassu_v7, "small_kexec_margin"));
  const auto baseline = config_names_for(ProposalId::baseline_6_12);
  EXPECT_FALSE(contains(baseline, "flush_htable"));
  EXPECT_FALSE(contains(baseline, "feature_off"));
  const auto sassu = config_names_for(ProposalId::sassu_v7);
  EXPECT_TRUE(contains(sassu, "flush_htable"));
  EXPECT_TRUE(contains(sassu, "feature_off"));
  EXPECT_FALSE(contains(config_names_for(ProposalId::chen_v1), "flush_htable"));
  for (ProposalId proposal : {ProposalId::baseline_6_12, ProposalId::chen_v5, ProposalId::ms_rfc1})
    for (const std::string &name : config_names_for(proposal))
      EXPECT_TRUE(named_config(proposal, name)) << name;
}

class KernelBuildFiles : public ::testing::Test {
protected:
  void write(const std::string &name, const std::string &text) {
    std::ofstream(dir_.path() / name) << text;
  }
  std::filesystem::path bzimage() const { return dir_.path() / "bzImage"; }
  trimcheck::test::TempDir dir_{"trimcheck-kernel-build"};
};

constexpr const char *kConfig = "#\n# Automatically generated file; DO NOT EDIT.\n"
                                "# Linux/x86 6.12.57 Kernel Configuration\n#\n"
                                "CONFIG_IMA=y\nCONFIG_IMA_STAGING=y\n"
                                "# CONFIG_IMA_DISABLE_HTABLE is not set\n\n";

TEST_F(KernelBuildFiles, ReleaseOptionsAndBase) {
  EXPECT_FALSE(read_kernel_build(bzimage()));
  write("config", kConfig);
  auto build = read_kernel_build(bzimage());
  ASSERT_TRUE(build);
  EXPECT_EQ(build->release, "6.12.57");
  EXPECT_EQ(build->options.at("CONFIG_IMA_STAGING"), "y");
  EXPECT_FALSE(build->options.contains("CONFIG_IMA_DISABLE_HTABLE"));
  EXPECT_EQ(build->base(), model::BaseTree::linux_6_12);
  write("series", "Subject: [PATCH v3] ima: Suspend PCR extends and log appends when rebooting\n"
                  "Message-ID: <x@y>\n");
  build = read_kernel_build(bzimage());
  ASSERT_TRUE(build);
  EXPECT_EQ(build->series.size(), 2u);
  EXPECT_EQ(build->base(), model::BaseTree::linux_6_14);
}

TEST_F(KernelBuildFiles, AFileThatIsNotAConfigIsNamedWithItsLine) {
  write("config", std::string(kConfig) + "this is not a config line\n");
  try {
    read_kernel_build(bzimage());
    FAIL() << "accepted";
  } catch (const std::invalid_argument &error) {
    EXPECT_NE(std::string(error.what()).find("config:9: not a kernel config line"),
              std::string::npos)
        << error.what();
  }
  write("config", "CONFIG_IMA=y\n");
  EXPECT_THROW(read_kernel_build(bzimage()), std::invalid_argument); // no header
}

} // namespace
} // namespace trimcheck::conform
