// Synthetic measurement logs with their PCR values, built with the model: inputs for the
// verifier's tests, the fuzzer's seed corpus and the benchmark.
//
// A log is a sequence of records (boot_aggregate first) in the requested templates, with
// violations mixed in. `list_bytes` serialises any range of it as the binary list file
// of one bank (what a chunk or the current list holds) and `pcrs_after` gives the PCR
// values of every TPM bank after a prefix, as the model's TPM computes them.
#pragma once

#include "trimcheck/model/record.hpp"
#include "trimcheck/verify/pcr_values.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace trimcheck::verify {

struct SyntheticLogSpec {
  std::size_t records = 100;
  model::BankLayout layout = model::BankLayout::swtpm_default();
  std::vector<model::TemplateKind> templates{model::TemplateKind::ima_ng};
  std::size_t violation_every = 0; // 0: none; n: every n-th record is a violation
  std::uint32_t seed = 1;          // varies file names and contents
};

struct SyntheticLog {
  model::BankLayout layout;
  std::vector<model::Record> records;

  // Records [first, last) as the binary list file of `bank` (an entry of layout.slots()).
  model::Bytes list_bytes(model::HashAlgo bank, std::size_t first, std::size_t last) const;
  model::Bytes list_bytes(model::HashAlgo bank) const {
    return list_bytes(bank, 0, records.size());
  }
  // Every PCR of every TPM bank after the first `count` records.
  PcrValues pcrs_after(std::size_t count) const;
};

SyntheticLog make_synthetic_log(const SyntheticLogSpec &spec);
// The same records one at a time, without keeping them (logs of millions of records).
void for_each_synthetic_record(const SyntheticLogSpec &spec,
                               const std::function<void(const model::Record &)> &visit);

} // namespace trimcheck::verify
