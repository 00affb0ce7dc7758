// Loading the real-kernel captures of tests/data/real-kernel and the golden checks run
// on them. The checks return failures as text instead of asserting, so that a test can
// also show they fail on a corrupted capture.
#pragma once

#include "trimcheck/model/list_format.hpp"
#include "trimcheck/model/machine.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace trimcheck::test {

struct Snapshot {
  std::string name;                                       // e.g. "linux-6.12-kexec/1-after"
  std::map<std::string, model::Bytes> files;              // file name -> content
  std::map<std::string, std::map<int, std::string>> pcrs; // bank -> pcr -> hex
  std::int64_t count = 0, violations = 0;
};

struct Capture {
  std::string name;
  model::BankLayout layout;
  bool ima_kexec = true;
  model::TemplateKind template_kind = model::TemplateKind::ima_ng;
  std::vector<std::string> snapshot_names{"1-boot", "1-after", "1-prekexec", "2-boot"};
};

std::filesystem::path data_dir();
std::vector<Capture> captures();
Snapshot load_snapshot(const std::string &capture, const std::string &snapshot);
// Re-reads pcrs and counters from files["state.json"] (throws on malformed JSON).
void reparse_state(Snapshot &snap);

// Firmware PCRs 0-9 of the snapshot as a model TPM.
model::PcrBanks firmware_pcrs(const Snapshot &snap, const model::BankLayout &layout);

// Parse, re-serialise, regenerate ascii, recompute digests, replay PCR 10, recompute
// boot_aggregate. `replay` is false where the capture's list cannot replay (after a
// kexec that carried nothing or too little).
std::vector<std::string> check_snapshot(const Snapshot &snap, const model::BankLayout &layout,
                                        bool replay);

// Rebuilds a snapshot's list in the model (boot from its firmware PCRs, then every
// record as a measurement), optionally loading kexec after record `load_after`, and
// returns the model state.
model::KernelState rebuild(const Snapshot &snap, const Capture &capture);

// Compares every list file, the counters and all PCR banks of `state` with `snap`.
std::vector<std::string> compare_state(model::KernelState &state, const Snapshot &snap);

} // namespace trimcheck::test
