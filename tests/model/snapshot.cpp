#include "snapshot.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace trimcheck::test {

using namespace model;

std::filesystem::path data_dir() {
  return std::filesystem::path(TRIMCHECK_TEST_DATA) / "real-kernel";
}

std::vector<Capture> captures() {
  BankLayout debian = BankLayout::swtpm_default();
  debian.tpm_banks[2].kernel_hash = false; // CRYPTO_SHA512=m: padded SHA-1
  debian.tpm_banks[3].kernel_hash = false;
  return {
      {"linux-6.12-kexec", BankLayout::swtpm_default(), true},
      {"linux-6.12-kexec-overflow", BankLayout::swtpm_default(), true},
      {"debian-6.1-kexec", debian, false, TemplateKind::ima_sig},
  };
}

Snapshot load_snapshot(const std::string &capture, const std::string &snapshot) {
  Snapshot snap;
  snap.name = capture + "/" + snapshot;
  const auto dir = data_dir() / capture / snapshot;
  for (const auto &entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    snap.files[entry.path().filename().string()] =
        Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  reparse_state(snap);
  return snap;
}

void reparse_state(Snapshot &snap) {
  const Bytes &state = snap.files.at("state.json");
  auto json = nlohmann::json::parse(state.begin(), state.end());
  snap.pcrs.clear();
  for (auto &[bank, values] : json.at("pcrs").items())
    for (auto &[pcr, hex] : values.items())
      snap.pcrs[bank][std::stoi(pcr)] = hex.get<std::string>();
  snap.count = json.at("runtime_measurements_count").get<std::int64_t>();
  snap.violations = json.at("violations").get<std::int64_t>();
}

PcrBanks firmware_pcrs(const Snapshot &snap, const BankLayout &layout) {
  PcrBanks pcrs(layout);
  for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank) {
    const auto &by_pcr = snap.pcrs.at(std::string(hash_name(layout.tpm_banks[bank].algo)));
    for (int pcr = 0; pcr < 10; ++pcr)
      pcrs.set_firmware(bank, pcr, *from_hex(by_pcr.at(pcr)));
  }
  return pcrs;
}

namespace {

std::string bank_suffix(const std::string &file) {
  auto pos = file.rfind('_');
  return file.substr(pos + 1);
}

} // namespace

std::vector<std::string> check_snapshot(const Snapshot &snap, const BankLayout &layout,
                                        bool replay) {
  std::vector<std::string> failures;
  auto fail = [&](const std::string &what) { failures.push_back(snap.name + ": " + what); };
  for (const auto &[name, bytes] : snap.files) {
    if (name.rfind("binary_runtime_measurements", 0) != 0)
      continue;
    const std::string bank = name == "binary_runtime_measurements" ? "sha1" : bank_suffix(name);
    auto algo = hash_from_name(bank);
    if (!algo) {
      fail("unknown bank in " + name);
      continue;
    }
    std::vector<ListEntry> entries;
    try {
      entries = parse_binary(bytes, digest_size(*algo));
    } catch (const ListParseError &error) {
      fail(name + ": " + error.what());
      continue;
    }
    if (to_binary(entries) != bytes)
      fail(name + ": re-serialisation differs");
    const std::string ascii_name = "ascii" + name.substr(std::string("binary").size());
    auto ascii = snap.files.find(ascii_name);
    if (ascii == snap.files.end())
      fail("missing " + ascii_name);
    else if (to_ascii(entries) != std::string(ascii->second.begin(), ascii->second.end()))
      fail(ascii_name + ": regenerated ascii differs");

    // Template digests, as the kernel computes them for this bank.
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const ListEntry &entry = entries[i];
      const bool zero = std::all_of(entry.template_digest.begin(), entry.template_digest.end(),
                                    [](std::uint8_t b) { return b == 0; });
      if (zero)
        continue; // violation
      Record record = make_record(layout, entry.pcr, entry.data);
      std::size_t slot = 0;
      for (const DigestSlot &s : layout.slots()) {
        if (s.algo == *algo)
          break;
        ++slot;
      }
      if (record.digests.at(slot) != entry.template_digest)
        fail(name + ": template digest of record " + std::to_string(i) + " differs");
    }
    if (name != "binary_runtime_measurements_sha1" &&
        !(name == "binary_runtime_measurements" &&
          !snap.files.count("binary_runtime_measurements_sha1")))
      continue;

    // boot_aggregate from PCRs 0-9, and replay of PCR 10 in every bank.
    if (!entries.empty() && template_fields(entries[0].data.kind).size() >= 2) {
      const ListEntry &first = entries[0];
      PcrBanks firmware = firmware_pcrs(snap, layout);
      KernelConfig config;
      config.banks = layout;
      config.template_kind = first.data.kind;
      TemplateData expected = boot_aggregate(config, firmware);
      if (first.data.fields.at(0) != expected.fields.at(0))
        fail(name + ": boot_aggregate differs from PCRs 0-9");
    }
    if (!replay)
      continue;
    PcrBanks pcrs(layout);
    for (const ListEntry &entry : entries) {
      const bool zero = std::all_of(entry.template_digest.begin(), entry.template_digest.end(),
                                    [](std::uint8_t b) { return b == 0; });
      Record record = make_record(layout, entry.pcr, entry.data, zero);
      for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank)
        pcrs.extend(bank, entry.pcr, extend_value(layout, bank, record));
    }
    for (std::size_t bank = 0; bank < layout.tpm_banks.size(); ++bank) {
      const std::string bank_name(hash_name(layout.tpm_banks[bank].algo));
      if (to_hex(pcrs.value(bank, 10)) != snap.pcrs.at(bank_name).at(10))
        fail("PCR 10 of bank " + bank_name + " does not replay");
    }
  }
  return failures;
}

KernelState rebuild(const Snapshot &snap, const Capture &capture) {
  KernelConfig config;
  config.banks = capture.layout;
  config.ima_kexec = capture.ima_kexec;
  config.template_kind = capture.template_kind;
  config.firmware_pcrs = firmware_of(firmware_pcrs(snap, capture.layout));
  KernelState state = boot(ProposalId::baseline_6_12, config);
  const std::string file = snap.files.count("binary_runtime_measurements_sha1")
                               ? "binary_runtime_measurements_sha1"
                               : "binary_runtime_measurements";
  auto entries = parse_binary(snap.files.at(file), 20);
  for (std::size_t i = 1; i < entries.size(); ++i) {
    const bool zero =
        std::all_of(entries[i].template_digest.begin(), entries[i].template_digest.end(),
                    [](std::uint8_t b) { return b == 0; });
    apply(state, MeasureRecord{entries[i].pcr, entries[i].data, zero});
    if (entries[i].data.kind == TemplateKind::ima_buf)
      apply(state, KexecLoad{}); // the kexec-cmdline record is measured during the load
  }
  return state;
}

std::vector<std::string> compare_state(KernelState &state, const Snapshot &snap) {
  std::vector<std::string> failures;
  auto fail = [&](const std::string &what) { failures.push_back(snap.name + ": " + what); };
  apply(state, Spawn{});
  const Pid pid = static_cast<Pid>(state.procs.size());
  for (const auto &[name, bytes] : snap.files) {
    if (name == "state.json")
      continue;
    auto fd = apply(state, Open{pid, name, Access::read});
    if (fd.ret < 0) {
      fail("model has no file " + name);
      continue;
    }
    Bytes content;
    for (;;) {
      auto out = apply(state, Read{pid, static_cast<int>(fd.ret), 1000});
      if (out.ret <= 0)
        break;
      content.insert(content.end(), out.data.begin(), out.data.end());
    }
    apply(state, Close{pid, static_cast<int>(fd.ret)});
    if (content != bytes)
      fail(name + " differs from the model's file (" + std::to_string(content.size()) + " vs " +
           std::to_string(bytes.size()) + " bytes)");
  }
  if (state.counters.htable_len != snap.count)
    fail("runtime_measurements_count " + std::to_string(state.counters.htable_len) +
         " != " + std::to_string(snap.count));
  if (state.counters.violations != snap.violations)
    fail("violations " + std::to_string(state.counters.violations) +
         " != " + std::to_string(snap.violations));
  for (std::size_t bank = 0; bank < state.pcrs.num_banks(); ++bank) {
    const std::string bank_name(hash_name(state.pcrs.bank_algo(bank)));
    for (int pcr = 0; pcr < 24; ++pcr) {
      auto it = snap.pcrs.at(bank_name).find(pcr);
      if (it != snap.pcrs.at(bank_name).end() && to_hex(state.pcrs.value(bank, pcr)) != it->second)
        fail("PCR " + std::to_string(pcr) + " of bank " + bank_name + " differs");
    }
  }
  return failures;
}

} // namespace trimcheck::test
