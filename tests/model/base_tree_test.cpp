// The base tree under a version's changes: what a 6.12 port lacks of 6.14 and 6.15.
#include "harness.hpp"

#include "trimcheck/model/template.hpp"

namespace trimcheck::model {
namespace {

// The number of ima-buf records named `event` in the live list.
std::size_t critical_data(const KernelState &state, std::string_view event) {
  std::size_t found = 0;
  for (NodeId node : state.list) {
    const Record &record = state.contents.at(state.nodes.at(node).serial);
    if (record.data.kind == TemplateKind::ima_buf && record.data.fields[1] == field_name(event))
      ++found;
  }
  return found;
}

KernelState loaded(ProposalId proposal, BaseTree base) {
  KernelConfig config;
  config.base = base;
  KernelState state = boot(proposal, config);
  apply(state, Measure{1, 1});
  apply(state, KexecLoad{});
  return state;
}

TEST(BaseTree, SeriesAsPostedRecordTheKexecLoadAndA612PortDoesNot) {
  for (ProposalId proposal : {ProposalId::sassu_v7, ProposalId::chen_v5, ProposalId::ms_rfc1}) {
    EXPECT_EQ(critical_data(loaded(proposal, BaseTree::as_posted), "kexec_load"), 1u);
    EXPECT_EQ(critical_data(loaded(proposal, BaseTree::linux_6_15), "kexec_load"), 1u);
    EXPECT_EQ(critical_data(loaded(proposal, BaseTree::linux_6_14), "kexec_load"), 0u);
    EXPECT_EQ(critical_data(loaded(proposal, BaseTree::linux_6_12), "kexec_load"), 0u);
  }
}

TEST(BaseTree, RebootSuspendFrom614On) {
  for (BaseTree base : {BaseTree::linux_6_12, BaseTree::linux_6_14}) {
    KernelState state = loaded(ProposalId::sassu_v7, base);
    apply(state, KexecExecute{}); // the reboot notifiers ran; the dump is next
    EXPECT_EQ(state.suspended, base == BaseTree::linux_6_14) << base_tree_name(base);
  }
}

TEST(BaseTree, ABaselineIsItsOwnTree) {
  KernelConfig config;
  config.base = BaseTree::linux_6_15;
  EXPECT_THROW(boot(ProposalId::baseline_6_12, config), std::invalid_argument);
  config.base = BaseTree::linux_6_12;
  EXPECT_NO_THROW(boot(ProposalId::baseline_6_12, config));
  EXPECT_THROW(boot(ProposalId::baseline_6_15, config), std::invalid_argument);
}

TEST(BaseTree, NamesRoundTrip) {
  for (BaseTree base :
       {BaseTree::as_posted, BaseTree::linux_6_12, BaseTree::linux_6_14, BaseTree::linux_6_15})
    EXPECT_EQ(base_tree_from_name(base_tree_name(base)), base);
  EXPECT_FALSE(base_tree_from_name("6.13"));
}

} // namespace
} // namespace trimcheck::model
