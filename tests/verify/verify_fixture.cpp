#include "verify_fixture.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sys/wait.h>

namespace trimcheck::test {

model::Bytes read_bytes(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path.string());
  return model::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::filesystem::path capture_dir(const std::string &capture, const std::string &snapshot) {
  return std::filesystem::path(TRIMCHECK_TEST_DATA) / "real-kernel" / capture / snapshot;
}

std::filesystem::path capture_list(const std::string &capture, const std::string &snapshot) {
  const auto dir = capture_dir(capture, snapshot);
  const auto sha256 = dir / "binary_runtime_measurements_sha256";
  return std::filesystem::exists(sha256) ? sha256 : dir / "binary_runtime_measurements";
}

verify::PcrValues capture_pcrs(const std::string &capture, const std::string &snapshot) {
  const auto path = capture_dir(capture, snapshot) / "state.json";
  return verify::parse_pcr_values(path.string(), read_bytes(path));
}

model::Bytes slice_list(const model::Bytes &list, model::HashAlgo bank, std::size_t first,
                        std::size_t last) {
  const auto entries = model::parse_binary(list, model::digest_size(bank));
  model::Bytes out;
  for (std::size_t i = first; i < last && i < entries.size(); ++i)
    model::append_binary(out, entries[i]);
  return out;
}

verify::LogPiece piece(const std::string &name, const model::Bytes &bytes, model::HashAlgo bank) {
  return verify::parse_piece(name, bytes, bank);
}

const std::vector<Snapshot> &replayable_snapshots() {
  static const std::vector<Snapshot> kReplayable = {
      {"linux-6.12-kexec", "1-boot"},           {"linux-6.12-kexec", "1-after"},
      {"linux-6.12-kexec", "1-prekexec"},       {"linux-6.12-kexec", "2-boot"},
      {"linux-6.12-kexec-overflow", "1-after"}, {"linux-6.12-kexec-overflow", "1-prekexec"},
      {"debian-6.1-kexec", "1-after"},          {"debian-6.1-kexec", "1-prekexec"},
  };
  return kReplayable;
}

EvmctlReplay evmctl_replay(const std::filesystem::path &scratch, const std::filesystem::path &list,
                           const verify::PcrValues &pcrs) {
  std::string command = "evmctl ima_measurement --ignore-violations";
  for (model::HashAlgo bank : {model::HashAlgo::sha1, model::HashAlgo::sha256}) {
    const auto file = scratch / ("pcrs-" + std::string(model::hash_name(bank)));
    std::ofstream out(file);
    for (const auto &[pcr, value] : pcrs.banks.at(bank)) {
      char label[16];
      std::snprintf(label, sizeof label, "PCR-%02u: ", pcr);
      out << label << model::to_hex(value) << "\n";
    }
    command += " --pcrs=" + std::string(model::hash_name(bank)) + "," + file.string();
  }
  const auto output = scratch / "evmctl.out";
  command += " " + list.string() + " >" + output.string() + " 2>&1";
  const int status = std::system(command.c_str());
  EvmctlReplay replay;
  const model::Bytes said = read_bytes(output);
  replay.output.assign(said.begin(), said.end());
  replay.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  replay.matched =
      replay.output.find("Matched per TPM bank calculated digest(s)") != std::string::npos;
  return replay;
}

verify::VerifyRequest request(std::vector<verify::LogPiece> pieces, verify::PcrValues pcrs) {
  verify::VerifyRequest request;
  request.pieces = std::move(pieces);
  request.evidence = std::move(pcrs);
  return request;
}

} // namespace trimcheck::test
