// The adapter on the baseline 6.12 kernel: every operation reaches the kernel and comes
// back with the system call's result (no model involved here).
#include "kernel_path.hpp"
#include "trimcheck/model/list_format.hpp"
#include "trimcheck/vm/kernel.hpp"

#include <gtest/gtest.h>

namespace trimcheck::vm {
namespace {

using namespace model;

std::int64_t count(VmKernel &kernel) {
  const auto read = kernel.cat("runtime_measurements_count");
  return std::stoll(std::string(read.data.begin(), read.data.end()));
}

std::vector<ListEntry> list(VmKernel &kernel) {
  const auto read = kernel.cat("binary_runtime_measurements_sha256");
  return parse_binary(read.data, 32);
}

class KernelVm : public ::testing::Test {
protected:
  VmKernel kernel{VmOptions::defaults_for(test::baseline_kernel())};
};

TEST_F(KernelVm, BootsWithFourBanksAndOnlyTheBootAggregate) {
  EXPECT_EQ(kernel.banks(), (std::vector<HashAlgo>{HashAlgo::sha1, HashAlgo::sha256,
                                                   HashAlgo::sha384, HashAlgo::sha512}));
  EXPECT_NE(kernel.vm().ready_line().find("policy=0"), std::string::npos);
  const auto entries = list(kernel);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(count(kernel), 1);
  EXPECT_EQ(kernel.pcr(HashAlgo::sha256, 10).size(), 32u);
}

TEST_F(KernelVm, MeasuresExactlyTheModelsRecordsAndDeduplicates) {
  EXPECT_EQ(kernel.apply(Measure{7, 1}).ret, 0);
  EXPECT_EQ(kernel.apply(Measure{7, 1}).ret, 0); // duplicate template digest
  EXPECT_EQ(kernel.apply(Measure{7, 2}).ret, 0);
  const auto entries = list(kernel);
  ASSERT_EQ(entries.size(), 3u);
  const KernelConfig config;
  EXPECT_EQ(entries[1].data, measured_template(config, 7, 1, false));
  EXPECT_EQ(entries[2].data, measured_template(config, 7, 2, false));
}

// A path of 3500 bytes (model::measured_path: 14 directories above /f4) is recorded whole
// by ima-ng, as the model says; the agent removes the file and its directories afterwards,
// and the file created again at the same path is the same record, a duplicate.
TEST_F(KernelVm, MeasuresAFileAtALongPathAsTheModelDoes) {
  EXPECT_EQ(kernel.apply(Measure{4, 0, 3500}).ret, 0);
  EXPECT_EQ(kernel.apply(Measure{4, 0, 3500}).ret, 0);
  EXPECT_EQ(kernel.apply(Measure{4, 0}).ret, 0);
  const auto entries = list(kernel);
  ASSERT_EQ(entries.size(), 3u);
  const KernelConfig config;
  EXPECT_EQ(entries[1].data, measured_template(config, 4, 0, false, 3500));
  EXPECT_EQ(entries[2].data, measured_template(config, 4, 0, false));
}

TEST_F(KernelVm, ViolationRecordsZeroDigestThenTheFile) {
  kernel.apply(MeasureViolation{3});
  const auto entries = list(kernel);
  ASSERT_EQ(entries.size(), 3u);
  const KernelConfig config;
  EXPECT_EQ(entries[1].data, measured_template(config, 3, 0, true));
  EXPECT_EQ(entries[1].template_digest, Digest(32, 0));
  EXPECT_EQ(entries[2].data, measured_template(config, 3, 0, false));
  const auto violations = kernel.cat("violations");
  EXPECT_EQ(std::string(violations.data.begin(), violations.data.end()), "1\n");
}

TEST_F(KernelVm, ProcessesShareAndPassFileDescriptions) {
  EXPECT_EQ(kernel.apply(Open{1, "runtime_measurements_count", Access::read}).ret, 3);
  const Outcome first = kernel.apply(Read{1, 3, 100});
  EXPECT_EQ(first.ret, 2);
  EXPECT_EQ(first.data, to_bytes("1\n"));
  EXPECT_EQ(kernel.apply(Fork{1}).ret, 2);
  EXPECT_EQ(kernel.apply(Read{2, 3, 100}).ret, 0); // the offset is shared
  EXPECT_EQ(kernel.apply(Seek{2, 3}).ret, 0);
  EXPECT_EQ(kernel.apply(Spawn{false}).ret, 3);
  EXPECT_EQ(kernel.apply(PassFd{2, 3, 3}).ret, 3);
  EXPECT_EQ(kernel.apply(Read{3, 3, 100}).data, to_bytes("1\n"));
  EXPECT_EQ(kernel.apply(Write{3, 3, to_bytes("1\n")}).ret, -9); // opened read-only: EBADF
  EXPECT_EQ(kernel.apply(Open{3, "violations", Access::write}).ret, 4);
  EXPECT_EQ(kernel.apply(Write{3, 4, to_bytes("1\n")}).ret, -22); // no write method
  EXPECT_EQ(kernel.apply(Exit{1}).ret, 0);
  EXPECT_EQ(kernel.apply(Close{2, 3}).ret, 0);
  EXPECT_EQ(kernel.apply(Close{2, 3}).ret, -9);
  EXPECT_EQ(kernel.apply(Open{2, "no_such_file", Access::read}).ret, -2);
  EXPECT_EQ(kernel.apply(DropCap{2}).ret, 0);
}

TEST_F(KernelVm, KexecCarriesTheListAndAppendsABootAggregate) {
  kernel.apply(Measure{1, 1});
  EXPECT_EQ(kernel.apply(KexecLoad{}).ret, 0);
  const auto before = list(kernel);
  EXPECT_EQ(kernel.apply(KexecExecute{}).ret, 0);
  const auto after = list(kernel);
  ASSERT_EQ(after.size(), before.size() + 1);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin()));
  EXPECT_EQ(after.back(), before.front()); // the same boot_aggregate, PCRs 0-9 unchanged
  EXPECT_EQ(kernel.apply(Open{1, "violations", Access::read}).ret, 3); // a fresh pid 1
}

} // namespace
} // namespace trimcheck::vm
