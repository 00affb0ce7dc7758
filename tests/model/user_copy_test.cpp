// The handlers' copies of user buffers (detail/user_copy.hpp; spec 2.2-2.14, P21): what
// each version does with a buffer that faults part way, and which parses read past the
// bytes user space delivered.
#include "harness.hpp"

#include "trimcheck/model/proposal.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace trimcheck::test {
namespace {

using namespace model;
using namespace std::string_literals;
using enum ProposalId;

const std::string kTrimLog = "ima_trim_log";
const std::string kStaged = "binary_runtime_measurements_staged";
const std::string kLive = "binary_runtime_measurements";

KernelState booted(ProposalId id) {
  KernelState state = boot(id, {});
  measure_files(state, 5); // L: boot_aggregate and 5 files
  return state;
}

struct Case {
  ProposalId id;
  std::string file;
  std::string written;
  std::optional<std::uint32_t> fault_after;
  std::int64_t ret; // 0: the written length
  bool read_past;
  std::size_t removed_or_staged; // records of L no longer in it (a trim may add its event)
};

void check(const Case &c) {
  KernelState state = booted(c.id);
  const auto before = state.list;
  const WriteResult result = write_user_buffer(state, 1, c.file, bytes(c.written), c.fault_after);
  SCOPED_TRACE(std::string(proposal_info(c.id).key) + " write \"" + c.written + "\"" +
               (c.fault_after ? " faulting after " + std::to_string(*c.fault_after) : ""));
  EXPECT_EQ(result.ret, c.ret == 0 ? static_cast<std::int64_t>(c.written.size()) : c.ret);
  EXPECT_EQ(result.read_past_user_data, c.read_past);
  const auto gone = std::count_if(before.begin(), before.end(), [&](NodeId node) {
    return std::find(state.list.begin(), state.list.end(), node) == state.list.end();
  });
  EXPECT_EQ(static_cast<std::size_t>(gone), c.removed_or_staged);
}

TEST(UserCopy, ChenV1AndV2ParseTheZerosOfAFaultedCopy) {
  for (ProposalId id : {chen_v1, chen_v2}) {
    check({id, kTrimLog, "02", std::nullopt, 0, false, 2});
    check({id, kTrimLog, "02", 1, kEINVAL, true, 0});  // '0' then a zero byte: not a digit
    check({id, kTrimLog, "x2", 1, kEINVAL, false, 0}); // stops before the fault
  }
}

TEST(UserCopy, ChenV3ToV5RefuseAFaultedCopy) {
  check({chen_v3, kTrimLog, "2\n", 1, kEFAULT, false, 0});
  for (ProposalId id : {chen_v4, chen_v5})
    check({id, kTrimLog, "0:2", 2, kEFAULT, false, 0});
}

TEST(UserCopy, ChenTotalColonNReadsPastAnUnterminatedCopy) {
  for (ProposalId id : {chen_v4, chen_v5}) {
    check({id, kTrimLog, "0:2", std::nullopt, 0, true, 2});     // kstrtoul reads byte 3
    check({id, kTrimLog, "0:2\n", std::nullopt, 0, true, 2});   // ... after the newline
    check({id, kTrimLog, "0:2\0"s, std::nullopt, 0, false, 2}); // user space wrote the NUL
    check({id, kTrimLog, "0:2x", std::nullopt, kEINVAL, false, 0});
    check({id, kTrimLog, "02", std::nullopt, kEINVAL, true, 0}); // T runs to the end
    check({id, kTrimLog, "1:2", std::nullopt, kEINVAL, false, 0});
  }
  check({chen_v3, kTrimLog, "2\n", std::nullopt, 0, false, 2}); // kstrtol_from_user ends it
}

TEST(UserCopy, SassuRfc1ParsesPastAnUnterminatedOrFaultedCopy) {
  check({sassu_rfc1, kStaged, "A\n", std::nullopt, 0, false, 6});
  check({sassu_rfc1, kStaged, "02", std::nullopt, 0, true, 2}); // strsep finds no '\n'
  check({sassu_rfc1, kStaged, "2\n", std::nullopt, 0, false, 2});
  // The copy's result is compared with < 0 (never true): "A" and a zero stage everything.
  check({sassu_rfc1, kStaged, "A\n", 1, 0, true, 6});
}

TEST(UserCopy, SassuRfc2OnRefuseAFaultedCopy) {
  for (ProposalId id : {sassu_rfc2, sassu_v3, sassu_v4, sassu_v5, sassu_v6, sassu_v7}) {
    check({id, kStaged, "A\n", 1, kEFAULT, false, 0});
    check({id, id >= sassu_v5 ? kLive : kStaged, "2\n", 0, kEFAULT, false, 0});
  }
}

TEST(UserCopy, MsConfigfsTakesTheBytesBeforeTheFault) {
  KernelState state = booted(ms_rfc1);
  const WriteResult none =
      write_user_buffer(state, 1, "/sys/kernel/config/ima/pcrs", bytes("sha256:10:00"), 0);
  EXPECT_EQ(none.ret, kEFAULT); // configfs copied nothing: the store is not called
  const WriteResult part =
      write_user_buffer(state, 1, "/sys/kernel/config/ima/pcrs", bytes("sha256:10:00"), 3);
  EXPECT_EQ(part.ret, kEINVAL); // the store parses "sha": not a target
  EXPECT_FALSE(part.read_past_user_data);
}

TEST(UserCopy, ThePolicyWriteRefusesAFaultedCopy) {
  KernelState state = booted(baseline_6_12);
  EXPECT_EQ(write_user_buffer(state, 1, "policy", bytes("measure func=FILE_CHECK\n"), 4).ret,
            kEFAULT);
}

} // namespace
} // namespace trimcheck::test
