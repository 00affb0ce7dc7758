#include "trimcheck/verify/log_piece.hpp"

#include "trimcheck/verify/input_error.hpp"

#include <algorithm>

namespace trimcheck::verify {

using model::Bytes;
using model::HashAlgo;

namespace {

// Bytes enough for a few records: detection parses only this prefix per candidate.
constexpr std::size_t kDetectBytes = 16 * 1024;

// Whether the first records of `bytes` parse with digests of `algo`'s size (nullopt: not
// even the first), and whether a template digest confirms the bank. A later malformed
// record is reported by the full parse with the detected bank.
std::optional<bool> detect(std::span<const std::uint8_t> bytes, HashAlgo algo) {
  const auto prefix = bytes.first(std::min(bytes.size(), kDetectBytes));
  model::ParsedList parsed = model::parse_binary_prefix(prefix, model::digest_size(algo));
  if (parsed.entries.empty())
    return std::nullopt;
  for (const model::ListEntry &entry : parsed.entries)
    if (!is_violation(entry))
      return model::template_digest(entry.data, algo) == entry.template_digest;
  return false;
}

} // namespace

std::optional<HashAlgo> bank_from_file_name(const std::string &name) {
  const std::string base = name.substr(name.find_last_of('/') + 1);
  if (base == "binary_runtime_measurements")
    return HashAlgo::sha1;
  const auto underscore = base.rfind('_');
  if (underscore == std::string::npos)
    return std::nullopt;
  return model::hash_from_name(base.substr(underscore + 1));
}

LogPiece parse_piece(const std::string &name, std::span<const std::uint8_t> bytes,
                     std::optional<HashAlgo> bank) {
  if (!bank)
    bank = bank_from_file_name(name);
  if (!bank) {
    std::optional<HashAlgo> parses;
    for (HashAlgo algo : model::kAllHashAlgos) {
      const auto result = detect(bytes, algo);
      if (result && *result) {
        bank = algo;
        break;
      }
      if (result && !parses)
        parses = algo;
    }
    if (!bank)
      bank = parses;
    if (!bank && bytes.empty())
      bank = HashAlgo::sha1;
    if (!bank) {
      // Report the error of the most common bank's parse.
      try {
        model::parse_binary(bytes, model::digest_size(HashAlgo::sha256));
      } catch (const model::ListParseError &error) {
        throw InputError(name, std::string("not a binary measurement list for any bank "
                                           "(as sha256: ") +
                                   error.what() + ")");
      }
    }
  }
  LogPiece piece{name, *bank, {}, bytes.size()};
  try {
    piece.entries = model::parse_binary(bytes, model::digest_size(*bank));
  } catch (const model::ListParseError &error) {
    throw InputError(name, std::string(model::hash_name(*bank)) + " list, " + error.what());
  }
  return piece;
}

std::size_t record_offset(const LogPiece &piece, std::size_t index) {
  Bytes scratch;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < index && i < piece.entries.size(); ++i) {
    scratch.clear();
    model::append_binary(scratch, piece.entries[i]);
    offset += scratch.size();
  }
  return offset;
}

bool is_violation(const model::ListEntry &entry) {
  return std::all_of(entry.template_digest.begin(), entry.template_digest.end(),
                     [](std::uint8_t byte) { return byte == 0; });
}

bool is_boot_aggregate(const model::ListEntry &entry) {
  const auto &ids = model::template_fields(entry.data.kind);
  for (std::size_t i = 0; i < ids.size() && i < entry.data.fields.size(); ++i)
    if (ids[i] == "n" || ids[i] == "n-ng")
      return entry.data.fields[i] == model::field_name("boot_aggregate");
  return false;
}

model::Digest record_identity(const model::ListEntry &entry) {
  model::ListEntry content{entry.pcr, {}, entry.data};
  Bytes bytes;
  bytes.push_back(is_violation(entry) ? 1 : 0);
  model::append_binary(bytes, content);
  return model::hash_bytes(HashAlgo::sha256, bytes);
}

std::string describe_record(const model::ListEntry &entry) {
  std::string name;
  const auto &ids = model::template_fields(entry.data.kind);
  for (std::size_t i = 0; i < ids.size() && i < entry.data.fields.size(); ++i)
    if (ids[i] == "n" || ids[i] == "n-ng") {
      const Bytes &field = entry.data.fields[i];
      for (std::uint8_t byte : field)
        if (byte != 0)
          name += byte >= 0x20 && byte < 0x7f ? static_cast<char>(byte) : '?';
    }
  return "'" + name + "' (" + std::string(model::template_name(entry.data.kind)) +
         (is_violation(entry) ? ", violation" : "") + ", PCR " + std::to_string(entry.pcr) + ")";
}

} // namespace trimcheck::verify
