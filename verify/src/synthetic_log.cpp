#include "trimcheck/verify/synthetic_log.hpp"

#include "trimcheck/model/list_format.hpp"
#include "trimcheck/model/machine.hpp"

namespace trimcheck::verify {

using model::HashAlgo;
using model::TemplateKind;

model::Bytes SyntheticLog::list_bytes(HashAlgo bank, std::size_t first, std::size_t last) const {
  const auto slots = layout.slots();
  std::size_t slot = 0;
  while (slot < slots.size() && slots[slot].algo != bank)
    ++slot;
  model::Bytes out;
  for (std::size_t i = first; i < last && i < records.size(); ++i)
    model::append_binary(out, model::list_entry(records[i], slot));
  return out;
}

PcrValues SyntheticLog::pcrs_after(std::size_t count) const {
  model::PcrBanks banks(layout);
  for (std::size_t i = 0; i < count && i < records.size(); ++i)
    for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank)
      banks.extend(bank, records[i].pcr, model::extend_value(layout, bank, records[i]));
  PcrValues values;
  for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank)
    for (unsigned pcr = 0; pcr < model::kNumPcrs; ++pcr)
      values.banks[layout.tpm_banks[bank].algo][pcr] = banks.value_copy(bank, pcr);
  return values;
}

void for_each_synthetic_record(const SyntheticLogSpec &spec,
                               const std::function<void(const model::Record &)> &visit) {
  model::KernelConfig config;
  config.banks = spec.layout;
  config.template_kind = spec.templates.front();
  visit(model::make_record(spec.layout, 10,
                           model::boot_aggregate(config, model::PcrBanks(spec.layout))));
  std::uint32_t state = spec.seed * 2654435761u + 1;
  for (std::size_t i = 1; i < spec.records; ++i) {
    state = state * 1664525u + 1013904223u;
    const TemplateKind kind = spec.templates[i % spec.templates.size()];
    const std::string name = "/usr/lib/synthetic/" + std::to_string(state % 100000) + "/file-" +
                             std::to_string(i) + ".so";
    const bool violation = spec.violation_every && i % spec.violation_every == 0;
    const HashAlgo file_algo = kind == TemplateKind::ima ? HashAlgo::sha1 : HashAlgo::sha256;
    const model::Digest file_digest =
        violation ? model::Digest(model::digest_size(file_algo), 0)
                  : model::hash_bytes(file_algo, model::to_bytes(name + std::to_string(state)));
    model::TemplateData data = model::make_file_template(kind, file_algo, file_digest, name);
    if (kind == TemplateKind::ima_buf)
      data = model::make_ima_buf(HashAlgo::sha256, "kexec-cmdline",
                                 model::to_bytes("console=ttyS0 " + std::to_string(i)));
    visit(model::make_record(spec.layout, 10, std::move(data), violation));
  }
}

SyntheticLog make_synthetic_log(const SyntheticLogSpec &spec) {
  SyntheticLog log{spec.layout, {}};
  for_each_synthetic_record(spec,
                            [&](const model::Record &record) { log.records.push_back(record); });
  return log;
}

} // namespace trimcheck::verify
