// Comparing one observation of the kernel with the model.
#pragma once

#include "trimcheck/conform/kernel_under_test.hpp"
#include "trimcheck/model/machine.hpp"

#include <optional>
#include <string>

namespace trimcheck::conform::detail {

// A call's result: return value (or -errno) and the bytes a read returned.
std::optional<std::string> compare_outcome(const KernelAnswer &kernel, const model::Outcome &model);

// The state both show: counters, PCR 10 of every bank, every bank's binary list and the
// ascii list of the ima_hash bank (lists only when the version lets a reader in).
std::optional<std::string> compare_state(KernelUnderTest &kernel, const model::KernelState &state);

// The model's PCR banks filled with the kernel's PCRs 0-9 (the boot_aggregate input).
model::PcrBanks firmware_pcrs(KernelUnderTest &kernel, const model::BankLayout &layout);

} // namespace trimcheck::conform::detail
