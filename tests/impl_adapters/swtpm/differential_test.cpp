// Differential tests of the model's TPM against swtpm: every extend the model performs in
// a random run (measurements, duplicates, violations, kexec load and execute) is sent to a
// fresh swtpm; afterwards every PCR of every bank is equal. And the real kernels' lists of
// the `1-after` captures, extended into a fresh swtpm, give the PCR 10 values the real
// TPM had.
#include "../../model/snapshot.hpp"
#include "trimcheck/swtpm/tpm.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace trimcheck::test {
namespace {

using namespace model;

void send(swtpm::Tpm &tpm, const BankLayout &layout, const Record &record) {
  std::vector<std::pair<HashAlgo, Digest>> values;
  for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank) {
    const auto value = extend_value(layout, bank, record);
    values.emplace_back(layout.tpm_banks[bank].algo, Digest(value.begin(), value.end()));
  }
  tpm.extend(record.pcr, values);
}

// Applies `action` and sends the extends it made: every record appended in this kernel
// (restored records of a kexec are not extended; the next kernel's boot_aggregate is).
void apply_and_send(KernelState &state, swtpm::Tpm &tpm, const Action &action) {
  const std::size_t before = state.contents.size();
  const std::uint32_t boot = state.ghost.boot;
  apply(state, action);
  if (state.ghost.boot != boot) {
    send(tpm, state.config.banks, state.contents.back());
    return;
  }
  for (std::size_t serial = before; serial < state.contents.size(); ++serial)
    send(tpm, state.config.banks, state.contents[serial]);
}

BankLayout debian_layout() {
  BankLayout layout = BankLayout::swtpm_default();
  layout.tpm_banks[2].kernel_hash = false;
  layout.tpm_banks[3].kernel_hash = false;
  return layout;
}

RC_GTEST_PROP(SwtpmDifferential, EveryModelExtendReachesTheSamePcrsInSwtpm, ()) {
  KernelConfig config;
  config.banks = *rc::gen::element(BankLayout::swtpm_default(), debian_layout());
  config.template_kind =
      *rc::gen::element(TemplateKind::ima_ng, TemplateKind::ima_sig, TemplateKind::ima_buf);
  const auto steps = *rc::gen::container<std::vector<std::pair<int, std::uint32_t>>>(
      rc::gen::pair(rc::gen::inRange(0, 10), rc::gen::inRange<std::uint32_t>(0, 6)));

  auto process = swtpm::SwtpmProcess::start();
  swtpm::Tpm tpm(process);
  KernelState state = boot(ProposalId::baseline_6_12, config);
  for (const Record &record : state.contents) // the first boot_aggregate
    send(tpm, config.banks, record);
  for (const auto &[kind, value] : steps) {
    if (kind < 6)
      apply_and_send(state, tpm, Measure{value, value % 2});
    else if (kind < 8)
      apply_and_send(state, tpm, MeasureViolation{value});
    else if (kind == 8)
      apply_and_send(state, tpm, KexecLoad{});
    else
      apply_and_send(state, tpm, KexecExecute{});
    while (blocked(state, 0))
      apply_and_send(state, tpm, Continue{0});
  }
  const auto banks = tpm.banks();
  RC_ASSERT(banks.size() == config.banks.tpm_banks.size());
  for (std::size_t bank = 0; bank < banks.size(); ++bank)
    for (unsigned pcr = 0; pcr < kNumPcrs; ++pcr) // all 24, DRTM PCRs 17-22 included
      RC_ASSERT(to_hex(tpm.read(banks[bank], pcr)) == to_hex(state.pcrs.value(bank, pcr)));
}

TEST(SwtpmDifferential, RealKernelListsReproduceTheirPcr10InAFreshSwtpm) {
  for (const Capture &capture : captures()) {
    const Snapshot snap = load_snapshot(capture.name, "1-after");
    const std::string file = snap.files.count("binary_runtime_measurements_sha1")
                                 ? "binary_runtime_measurements_sha1"
                                 : "binary_runtime_measurements";
    auto process = swtpm::SwtpmProcess::start();
    swtpm::Tpm tpm(process);
    for (const ListEntry &entry : parse_binary(snap.files.at(file), 20)) {
      const bool violation = std::all_of(entry.template_digest.begin(), entry.template_digest.end(),
                                         [](std::uint8_t b) { return b == 0; });
      send(tpm, capture.layout, make_record(capture.layout, entry.pcr, entry.data, violation));
    }
    for (const TpmBank &bank : capture.layout.tpm_banks) {
      const std::string name(hash_name(bank.algo));
      EXPECT_EQ(to_hex(tpm.read(bank.algo, 10)), snap.pcrs.at(name).at(10))
          << capture.name << " " << name;
    }
  }
}

} // namespace
} // namespace trimcheck::test
