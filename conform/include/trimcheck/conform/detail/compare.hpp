// Comparing one observation of the kernel with the model.
#pragma once

#include "trimcheck/conform/kernel_under_test.hpp"
#include "trimcheck/model/machine.hpp"

#include <optional>
#include <string>
#include <vector>

namespace trimcheck::conform::detail {

// A call's result: return value (or -errno) and the bytes a read returned.
std::optional<std::string> compare_outcome(const KernelAnswer &kernel, const model::Outcome &model);

// The state both show: counters, PCR 10 of every bank, every bank's binary list and the
// ascii list of the ima_hash bank (lists only when the version lets a reader in).
std::optional<std::string> compare_state(KernelUnderTest &kernel, const model::KernelState &state);

// The kernel's clock readings the model's last `wanted` readings stand for: the times in
// the last `wanted` critical-data records of the kernel's list whose buffer starts with
// "time=" (Chen's trim records), read from the first bank's binary list in full. nullopt
// while the model predicts the list refused (learn later); an error message when the
// kernel's list does not show them.
struct ClockReadings {
  std::vector<std::uint64_t> readings;
  std::string error; // non-empty: the kernel's list does not show the readings
};
std::optional<ClockReadings>
kernel_clock_readings(KernelUnderTest &kernel, const model::KernelState &state, std::size_t wanted);

// The kernel's TPM's PCRs 0-9 (the boot_aggregate input), as KernelConfig::firmware_pcrs.
std::vector<model::FirmwarePcr> firmware_pcrs(KernelUnderTest &kernel,
                                              const model::BankLayout &layout);

} // namespace trimcheck::conform::detail
