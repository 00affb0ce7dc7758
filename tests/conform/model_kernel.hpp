// A fake kernel under test for tests without a VM: it answers from a second model state,
// so a conformance run against it must show no mismatch. It can be told to fail like a
// crashing guest at a given call.
#pragma once

#include "trimcheck/conform/kernel_under_test.hpp"

#include <optional>

namespace trimcheck::conform::test {

// Firmware PCRs 0-9 that are not all zero (so the boot_aggregate is not trivial).
model::PcrBanks sample_firmware(const model::BankLayout &layout);

class ModelKernel : public KernelUnderTest {
public:
  ModelKernel(model::ProposalId proposal, const model::KernelConfig &config);

  // From the `call`-th call on (0-based), every call throws vm::VmFailure(kind, report).
  void fail_from(std::size_t call, vm::VmFailure::Kind kind, std::string report);

  KernelAnswer apply(const model::Action &action) override;
  std::vector<model::HashAlgo> banks() override;
  model::Digest pcr(model::HashAlgo bank, std::size_t index) override;
  KernelAnswer cat(const std::string &path, bool in_full = false) override;

private:
  void count_call();

  model::KernelState state_;
  std::size_t calls_ = 0;
  std::optional<std::size_t> fail_from_;
  vm::VmFailure::Kind fail_kind_ = vm::VmFailure::Kind::kernel_crash;
  std::string fail_report_;
};

} // namespace trimcheck::conform::test
