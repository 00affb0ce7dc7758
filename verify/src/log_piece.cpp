#include "trimcheck/verify/log_piece.hpp"

#include "trimcheck/verify/input_error.hpp"

#include <algorithm>
#include <thread>

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

// Files smaller than this are parsed in one part.
constexpr std::size_t kParallelParseBytes = 1 << 20;
// How far past a nominal split point a record start is searched.
constexpr std::size_t kSplitSearchBytes = 1 << 16;

std::uint32_t u32_at(std::span<const std::uint8_t> bytes, std::size_t pos) {
  return static_cast<std::uint32_t>(bytes[pos]) | static_cast<std::uint32_t>(bytes[pos + 1]) << 8 |
         static_cast<std::uint32_t>(bytes[pos + 2]) << 16 |
         static_cast<std::uint32_t>(bytes[pos + 3]) << 24;
}

// A position at or after `from` where a record plausibly starts (checked later).
std::optional<std::size_t> plausible_record_start(std::span<const std::uint8_t> bytes,
                                                  std::size_t from, std::size_t digest_len) {
  const std::size_t limit = std::min(bytes.size(), from + kSplitSearchBytes);
  for (std::size_t pos = from; pos + 8 + digest_len + model::kMaxTemplateNameLen < limit; ++pos) {
    if (u32_at(bytes, pos) >= model::kNumPcrs)
      continue;
    const std::uint32_t name_len = u32_at(bytes, pos + 4 + digest_len);
    if (name_len == 0 || name_len > model::kMaxTemplateNameLen)
      continue;
    const auto *name = reinterpret_cast<const char *>(bytes.data() + pos + 8 + digest_len);
    if (model::template_from_name(std::string_view(name, name_len)))
      return pos;
  }
  return std::nullopt;
}

// The model's parse of `bytes` computed in parts on threads, or nullopt to parse it in one.
std::optional<std::vector<model::ListEntry>>
parse_in_parts(std::span<const std::uint8_t> bytes, std::size_t digest_len, unsigned threads) {
  std::vector<std::size_t> cuts{0};
  for (unsigned part = 1; part < threads; ++part) {
    auto start = plausible_record_start(bytes, bytes.size() * part / threads, digest_len);
    if (!start || *start <= cuts.back())
      return std::nullopt;
    cuts.push_back(*start);
  }
  cuts.push_back(bytes.size());
  std::vector<std::optional<std::vector<model::ListEntry>>> parts(threads);
  {
    std::vector<std::jthread> workers;
    for (unsigned part = 0; part < threads; ++part)
      workers.emplace_back([&, part] {
        try {
          parts[part] = model::parse_binary(bytes.subspan(cuts[part], cuts[part + 1] - cuts[part]),
                                            digest_len);
        } catch (const model::ListParseError &) {
          // not a record boundary after all, or a malformed file: parse sequentially
        }
      });
  }
  std::vector<model::ListEntry> entries;
  for (auto &part : parts) {
    if (!part)
      return std::nullopt;
    entries.insert(entries.end(), std::make_move_iterator(part->begin()),
                   std::make_move_iterator(part->end()));
  }
  return entries;
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
                     std::optional<HashAlgo> bank, unsigned threads) {
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
  const std::size_t digest_len = model::digest_size(*bank);
  if (threads > 1 && bytes.size() >= kParallelParseBytes) {
    if (auto entries = parse_in_parts(bytes, digest_len, threads)) {
      piece.entries = std::move(*entries);
      return piece;
    }
  }
  try {
    piece.entries = model::parse_binary(bytes, digest_len);
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
