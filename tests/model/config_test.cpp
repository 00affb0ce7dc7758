// KernelConfig::describe names every field that is not at its default, so that the text of
// a trace shows the whole configuration it ran in (issue 20 item 12).
#include "trimcheck/model/config.hpp"
#include "trimcheck/model/field_count.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <set>

namespace trimcheck::model {
namespace {

TEST(KernelConfigDescribe, EveryFieldAwayFromItsDefaultIsNamed) {
  const std::vector<std::pair<std::string, std::function<void(KernelConfig &)>>> changes = {
      {"banks", [](KernelConfig &c) { c.banks = BankLayout{}; }},
      {"banks.ima_hash", [](KernelConfig &c) { c.banks.ima_hash = HashAlgo::sha1; }},
      {"template_kind", [](KernelConfig &c) { c.template_kind = TemplateKind::ima; }},
      {"ima_kexec", [](KernelConfig &c) { c.ima_kexec = false; }},
      {"disable_htable", [](KernelConfig &c) { c.disable_htable = true; }},
      {"flush_htable", [](KernelConfig &c) { c.flush_htable = true; }},
      {"staging", [](KernelConfig &c) { c.staging = false; }},
      {"log_trimming", [](KernelConfig &c) { c.log_trimming = false; }},
      {"ima_pcrs", [](KernelConfig &c) { c.ima_pcrs = false; }},
      {"critical_data_rule", [](KernelConfig &c) { c.critical_data_rule = false; }},
      {"kexec_extra_bytes", [](KernelConfig &c) { c.kexec_extra_bytes = 1; }},
      {"ram_bytes", [](KernelConfig &c) { c.ram_bytes = 4096; }},
      {"measure_pcr", [](KernelConfig &c) { c.measure_pcr = 11; }},
      {"base", [](KernelConfig &c) { c.base = BaseTree::linux_6_12; }},
      {"wall_clock", [](KernelConfig &c) { c.wall_clock = {1}; }},
      {"firmware_pcrs",
       [](KernelConfig &c) {
         c.firmware_pcrs = {{HashAlgo::sha1, 0, Bytes(20, 1)}};
       }},
      {"test_wrong_restore_hashed", [](KernelConfig &c) { c.test_wrong_restore_hashed = true; }},
  };
  // One row per field, and one more for the bank layout's second member.
  ASSERT_EQ(changes.size(), field_count<KernelConfig>() + 1) << "a field has no row here";
  EXPECT_EQ(KernelConfig{}.describe(), "default");
  std::set<std::string> seen;
  for (const auto &[field, change] : changes) {
    KernelConfig config;
    change(config);
    ASSERT_FALSE(config == KernelConfig{}) << field << ": the change changes nothing";
    const std::string text = config.describe();
    EXPECT_NE(text, "default") << field << " is not described";
    EXPECT_TRUE(seen.insert(text).second) << field << " reads like another field: " << text;
  }
}

} // namespace
} // namespace trimcheck::model
