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

// A builtin template's name or a custom format of known field ids.
bool is_template_name(std::string_view name) {
  if (model::template_from_name(name))
    return true;
  if (name.find('|') == std::string_view::npos && name.size() > model::kMaxFieldIdLen)
    return false; // not worth a try
  try {
    model::format_fields(name);
    return true;
  } catch (const std::invalid_argument &) {
    return false;
  }
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
    if (is_template_name(std::string_view(name, name_len)))
      return pos;
  }
  return std::nullopt;
}

// Where each record of `bytes` starts; the model's parser checks every record (throws
// its ListParseError).
std::vector<std::size_t> record_offsets(std::span<const std::uint8_t> bytes,
                                        std::size_t digest_len) {
  std::vector<std::size_t> offsets;
  for (std::size_t pos = 0; pos < bytes.size();) {
    offsets.push_back(pos);
    pos += model::parse_binary_entry(bytes, pos, offsets.size() - 1, digest_len).bytes.size();
  }
  return offsets;
}

// The record offsets of `bytes` computed in parts on threads, or nullopt to parse it in
// one.
std::optional<std::vector<std::size_t>> offsets_in_parts(std::span<const std::uint8_t> bytes,
                                                         std::size_t digest_len, unsigned threads) {
  std::vector<std::size_t> cuts{0};
  for (unsigned part = 1; part < threads; ++part) {
    auto start = plausible_record_start(bytes, bytes.size() * part / threads, digest_len);
    if (!start || *start <= cuts.back())
      return std::nullopt;
    cuts.push_back(*start);
  }
  cuts.push_back(bytes.size());
  std::vector<std::optional<std::vector<std::size_t>>> parts(threads);
  {
    std::vector<std::jthread> workers;
    for (unsigned part = 0; part < threads; ++part)
      workers.emplace_back([&, part] {
        try {
          parts[part] =
              record_offsets(bytes.subspan(cuts[part], cuts[part + 1] - cuts[part]), digest_len);
        } catch (const model::ListParseError &) {
          // not a record boundary after all, or a malformed file: parse sequentially
        }
      });
  }
  std::vector<std::size_t> offsets;
  for (unsigned part = 0; part < threads; ++part) {
    if (!parts[part])
      return std::nullopt;
    for (std::size_t offset : *parts[part])
      offsets.push_back(cuts[part] + offset);
  }
  return offsets;
}

} // namespace

std::optional<HashAlgo> bank_from_file_name(const std::string &name) {
  const std::string base = name.substr(name.find_last_of('/') + 1);
  if (base == "binary_runtime_measurements" || base == "ascii_runtime_measurements")
    return HashAlgo::sha1;
  const auto underscore = base.rfind('_');
  if (underscore == std::string::npos)
    return std::nullopt;
  return model::hash_from_name(base.substr(underscore + 1));
}

LogPiece parse_piece(const std::string &name, std::span<const std::uint8_t> bytes,
                     std::optional<HashAlgo> bank, unsigned threads) {
  auto copy = std::make_shared<const Bytes>(bytes.begin(), bytes.end());
  const std::span<const std::uint8_t> view(*copy);
  return parse_piece(name, std::move(copy), view, bank, threads);
}

LogPiece parse_piece(const std::string &name, std::shared_ptr<const void> storage,
                     std::span<const std::uint8_t> bytes, std::optional<HashAlgo> bank,
                     unsigned threads) {
  if (looks_like_ascii_list(bytes))
    return parse_ascii_piece(name, bytes, bank ? bank : bank_from_file_name(name));
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
  LogPiece piece{name, *bank, std::move(storage), bytes, {}, bytes.size()};
  const std::size_t digest_len = model::digest_size(*bank);
  if (threads > 1 && bytes.size() >= kParallelParseBytes) {
    if (auto offsets = offsets_in_parts(bytes, digest_len, threads)) {
      piece.offsets = std::move(*offsets);
      return piece;
    }
  }
  try {
    piece.offsets = record_offsets(bytes, digest_len);
  } catch (const model::ListParseError &error) {
    throw InputError(name, std::string(model::hash_name(*bank)) + " list, " + error.what());
  }
  return piece;
}

model::EntryView LogPiece::view(std::size_t index) const {
  return model::read_binary_entry(bytes, offsets.at(index), model::digest_size(bank));
}

std::size_t record_offset(const LogPiece &piece, std::size_t index) {
  return index < piece.offsets.size() ? piece.offsets[index] : piece.size;
}

namespace {

bool all_zero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t byte) { return byte == 0; });
}

// The record as the file shows it without its template digest (the same bytes
// model::append_binary writes for the record without a digest).
std::pair<std::span<const std::uint8_t>, std::span<const std::uint8_t>>
without_digest(const model::EntryView &entry) {
  return {entry.bytes.first(4), entry.bytes.subspan(4 + entry.template_digest.size())};
}

} // namespace

bool is_violation(const model::ListEntry &entry) {
  return all_zero(entry.template_digest);
}

bool is_violation(const model::EntryView &entry) {
  return all_zero(entry.template_digest);
}

bool is_boot_aggregate(const model::ListEntry &entry) {
  const model::TemplateFields ids = model::template_fields(entry.data);
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

model::Digest record_identity(const model::EntryView &entry) {
  const std::uint8_t flag = is_violation(entry) ? 1 : 0;
  const auto [pcr, rest] = without_digest(entry);
  model::Hasher hasher(HashAlgo::sha256);
  hasher.update(std::span(&flag, 1)).update(pcr).update(rest);
  return hasher.finish();
}

bool same_record(const model::EntryView &a, const model::EntryView &b) {
  const auto [a_pcr, a_rest] = without_digest(a);
  const auto [b_pcr, b_rest] = without_digest(b);
  return is_violation(a) == is_violation(b) && std::ranges::equal(a_pcr, b_pcr) &&
         std::ranges::equal(a_rest, b_rest);
}

namespace {

// A name of up to kShownNameBytes as it is; a longer one (a path may have 4096 bytes) as its
// start and end around the number of bytes left out, so that a message stays readable.
constexpr std::size_t kShownNameBytes = 160;
std::string shortened(const std::string &name) {
  if (name.size() <= kShownNameBytes)
    return name;
  constexpr std::size_t kEnd = 60, kStart = kShownNameBytes - kEnd;
  return name.substr(0, kStart) + "[... " + std::to_string(name.size() - kStart - kEnd) +
         " bytes ...]" + name.substr(name.size() - kEnd);
}

} // namespace

std::string describe_record(const model::ListEntry &entry) {
  std::string name;
  const model::TemplateFields ids = model::template_fields(entry.data);
  for (std::size_t i = 0; i < ids.size() && i < entry.data.fields.size(); ++i)
    if (ids[i] == "n" || ids[i] == "n-ng") {
      const Bytes &field = entry.data.fields[i];
      for (std::uint8_t byte : field)
        if (byte != 0)
          name += static_cast<char>(byte);
    }
  return "'" + printable(shortened(name)) + "' (" +
         printable(shortened(std::string(model::template_name(entry.data)))) +
         (is_violation(entry) ? ", violation" : "") + ", PCR " + std::to_string(entry.pcr) + ")";
}

} // namespace trimcheck::verify
