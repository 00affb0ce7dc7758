#include "verify_fixture.hpp"

#include <fstream>
#include <iterator>

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

verify::VerifyRequest request(std::vector<verify::LogPiece> pieces, verify::PcrValues pcrs) {
  verify::VerifyRequest request;
  request.pieces = std::move(pieces);
  request.evidence = std::move(pcrs);
  return request;
}

} // namespace trimcheck::test
