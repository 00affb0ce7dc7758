// Writes a synthetic measurement log of N records for bench/verify-bench: the binary
// list of the sha1 and sha256 banks, the PCR values for `trimcheck verify --pcrs`
// (JSON) and for `evmctl ima_measurement --pcrs` (one "PCR-nn: <hex>" line per PCR).
//
//   trimcheck_make_verify_log RECORDS DIR
#include "trimcheck/model/list_format.hpp"
#include "trimcheck/verify/synthetic_log.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>

using namespace trimcheck;

int main(int argc, char **argv) {
  if (argc != 3) {
    std::cerr << "usage: trimcheck_make_verify_log RECORDS DIR\n";
    return 2;
  }
  verify::SyntheticLogSpec spec;
  spec.records = std::strtoull(argv[1], nullptr, 10);
  spec.layout = model::BankLayout{{{model::HashAlgo::sha1}, {model::HashAlgo::sha256}},
                                  model::HashAlgo::sha256};
  spec.templates = {model::TemplateKind::ima_ng};
  const std::string dir = argv[2];
  std::ofstream sha1(dir + "/binary_runtime_measurements_sha1", std::ios::binary);
  std::ofstream sha256(dir + "/binary_runtime_measurements_sha256", std::ios::binary);
  model::PcrBanks pcrs(spec.layout);
  model::Bytes buffer;
  verify::for_each_synthetic_record(spec, [&](const model::Record &record) {
    for (std::size_t bank = 0; bank < 2; ++bank) {
      pcrs.extend(bank, record.pcr, model::extend_value(spec.layout, bank, record));
      buffer.clear();
      model::append_binary(buffer, model::list_entry(record, bank));
      (bank == 0 ? sha1 : sha256)
          .write(reinterpret_cast<const char *>(buffer.data()),
                 static_cast<std::streamsize>(buffer.size()));
    }
  });
  verify::PcrValues values;
  for (std::size_t bank = 0; bank < 2; ++bank) {
    const auto algo = spec.layout.tpm_banks[bank].algo;
    std::ofstream evmctl(dir + "/pcrs-" + std::string(model::hash_name(algo)) + ".txt");
    for (unsigned pcr = 0; pcr < model::kNumPcrs; ++pcr) {
      values.banks[algo][pcr] = pcrs.value_copy(bank, pcr);
      evmctl << "PCR-" << (pcr < 10 ? "0" : "") << pcr << ": "
             << model::to_hex(pcrs.value(bank, pcr)) << "\n";
    }
  }
  std::ofstream(dir + "/pcrs.json") << verify::pcr_values_json(values);
  return sha1 && sha256 ? 0 : 1;
}
