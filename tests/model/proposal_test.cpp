// The versions named by their role (proposal.hpp): what the other layers default to and
// what the help texts' examples show, derived from the version table.
#include "trimcheck/model/proposal.hpp"

#include <gtest/gtest.h>

namespace trimcheck::model {
namespace {

TEST(Proposal, TheBaselineIsTheOldestUpstreamTree) {
  EXPECT_EQ(baseline_proposal(), ProposalId::baseline_6_12);
}

TEST(Proposal, EveryVersionIsFoundByItsId) {
  for (const ProposalInfo &info : all_proposals())
    EXPECT_EQ(proposal_info(info.id).key, info.key);
  EXPECT_THROW(proposal_info(static_cast<ProposalId>(all_proposals().size())), std::logic_error);
}

TEST(Proposal, TheNewestIsTheLatestPostedVersion) {
  EXPECT_EQ(newest_proposal(), ProposalId::sassu_v7);
  for (const ProposalInfo &info : all_proposals())
    EXPECT_LE(info.date, proposal_info(newest_proposal()).date) << info.key;
  EXPECT_EQ(newest_proposal(Family::chen), ProposalId::chen_v5);
  EXPECT_EQ(newest_proposal(Family::ms), ProposalId::ms_rfc1);
  EXPECT_EQ(newest_proposal(Family::baseline), ProposalId::baseline_6_15);
}

TEST(Proposal, ThePreviousVersionIsTheFamilysOnePostedBefore) {
  EXPECT_EQ(previous_proposal(ProposalId::sassu_v7), ProposalId::sassu_v6);
  EXPECT_EQ(previous_proposal(ProposalId::sassu_v3), ProposalId::sassu_rfc2);
  EXPECT_EQ(previous_proposal(ProposalId::chen_v2), ProposalId::chen_v1);
  EXPECT_EQ(previous_proposal(ProposalId::baseline_6_15), ProposalId::baseline_6_12);
  EXPECT_EQ(previous_proposal(ProposalId::chen_v1), std::nullopt);
  EXPECT_EQ(previous_proposal(ProposalId::ms_rfc1), std::nullopt);
}

} // namespace
} // namespace trimcheck::model
