// Build and boot options of the modelled kernel (Kconfig and command line).
#pragma once

#include "trimcheck/model/banks.hpp"
#include "trimcheck/model/template.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::model {

// The upstream tree under a version's own changes, as far as IMA's core is concerned.
// A series is modelled on the tree it was posted against; a kernel built here may carry
// it on an older tree, which lacks what came later:
//   6.14  the reboot notifier that suspends PCR extends and list appends on kexec
//   6.15  the kexec_load / kexec_execute critical-data records
// (The baselines are their own trees: baseline-6.12 is linux_6_12, baseline-6.15 is
// linux_6_15; asking for another base of a baseline is refused.)
enum class BaseTree : std::uint8_t {
  as_posted,  // the tree the series was posted against (>= 6.15 for every series)
  linux_6_12, // 6.12 (Debian linux-source-6.12): neither
  linux_6_14, // 6.12 plus the 6.14 reboot-suspend patch: suspend, no kexec records
  linux_6_15, // 6.15 and later: both
};
std::string_view base_tree_name(BaseTree base); // "as-posted", "6.12", "6.14", "6.15"
std::optional<BaseTree> base_tree_from_name(std::string_view name);

// One PCR of one TPM bank as firmware left it before the kernel started: PCRs 0-9, which
// the boot_aggregate hashes. A PCR that is not listed is zero.
struct FirmwarePcr {
  HashAlgo bank = HashAlgo::sha1;
  std::uint32_t pcr = 0;
  Digest value;
  bool operator==(const FirmwarePcr &) const = default;
};

struct KernelConfig {
  BankLayout banks = BankLayout::swtpm_default();
  TemplateKind template_kind = TemplateKind::ima_ng; // ima_template= (measurements)
  bool ima_kexec = true;                             // CONFIG_IMA_KEXEC
  bool disable_htable = false;                       // CONFIG_IMA_DISABLE_HTABLE
  bool flush_htable = false;      // boot option ima_flush_htable (Chen v2+, Sassu)
  bool staging = true;            // CONFIG_IMA_STAGING (Sassu v4+)
  bool log_trimming = true;       // CONFIG_IMA_LOG_TRIMMING (Chen v3+)
  bool ima_pcrs = true;           // CONFIG_IMA_PCRS (MS RFC)
  bool critical_data_rule = true; // policy has `measure func=CRITICAL_DATA`
  // Bytes added to binary_runtime_size when sizing the kexec segment: PAGE_SIZE / 2 in
  // 6.12, CONFIG_IMA_KEXEC_EXTRA_MEMORY_KB * 1024 from 6.15 on (0 means PAGE_SIZE / 2).
  std::size_t kexec_extra_bytes = 2048;
  std::size_t ram_bytes = std::size_t{1} << 30; // segment refused if > half of RAM
  std::uint32_t measure_pcr = 10;               // CONFIG_IMA_MEASURE_PCR_IDX
  BaseTree base = BaseTree::as_posted;          // the tree under the version's changes
  // The real-time clock as a kernel read it for critical data (Chen's trim records carry
  // ktime_get_real), in order: reading k of a run is wall_clock[k]. A model cannot predict
  // a clock, so conform learns the readings from the kernel's list and runs the model
  // with them; past the end (always, in check and explore) the model's own clock ticks.
  std::vector<std::uint64_t> wall_clock;
  // The TPM's PCRs 0-9 at boot, those that are not zero, in bank then PCR order (what
  // `firmware_of` returns). Empty: all zero, check's default (a TPM without measured boot).
  // conform reads them from the VM's TPM, and confirm hands the VM's to check, so that a
  // PCR value in a trace (an MS trim target, a quote) is one the kernel can reach.
  std::vector<FirmwarePcr> firmware_pcrs;
  // Tests only: a deliberately wrong model in which restored records are linked in the
  // hash table, so that conformance testing against a real kernel must find a mismatch.
  // Never set by trimcheck itself, not part of traces.
  bool test_wrong_restore_hashed = false;

  bool operator==(const KernelConfig &) const = default;
  // Short human-readable summary, e.g. "flush_htable staging".
  std::string describe() const;
};

inline constexpr std::size_t kPageSize = 4096;

} // namespace trimcheck::model
