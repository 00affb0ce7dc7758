// Build and boot options of the modelled kernel (Kconfig and command line).
#pragma once

#include "trimcheck/model/banks.hpp"
#include "trimcheck/model/template.hpp"

#include <cstddef>
#include <string>

namespace trimcheck::model {

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
