#include "trimcheck/verify/input_error.hpp"
#include "trimcheck/verify/log_piece.hpp"

#include <cctype>
#include <memory>

namespace trimcheck::verify {

using model::Bytes;
using model::HashAlgo;

bool looks_like_ascii_list(std::span<const std::uint8_t> bytes) {
  std::size_t at = !bytes.empty() && bytes[0] == ' ' ? 1 : 0;
  const std::size_t digits_from = at;
  while (at < bytes.size() && at - digits_from < 3 && std::isdigit(bytes[at]))
    ++at;
  if (at == digits_from || at - digits_from > 2 || at >= bytes.size() || bytes[at] != ' ')
    return false;
  return at + 1 < bytes.size() && std::isxdigit(bytes[at + 1]); // the template digest
}

namespace {

// The bank whose digests are `bytes` long: the first in model::kAllHashAlgos (sha256
// before sm3, which only a file name can tell apart).
std::optional<HashAlgo> bank_of_digest(std::size_t bytes) {
  for (HashAlgo algo : model::kAllHashAlgos)
    if (model::digest_size(algo) == bytes)
      return algo;
  return std::nullopt;
}

} // namespace

LogPiece parse_ascii_piece(const std::string &name, std::span<const std::uint8_t> text,
                           std::optional<HashAlgo> bank) {
  std::vector<model::ListEntry> entries;
  std::vector<std::size_t> lines;
  const std::string_view all(reinterpret_cast<const char *>(text.data()), text.size());
  std::size_t number = 0;
  for (std::size_t start = 0; start < all.size();) {
    const std::size_t end = std::min(all.find('\n', start), all.size());
    const std::string_view line = all.substr(start, end - start);
    start = end + 1;
    ++number;
    const std::string where = "ascii list, line " + std::to_string(number) + ": ";
    model::ListEntry entry;
    try {
      entry = model::parse_ascii_line(line);
    } catch (const std::invalid_argument &error) {
      throw InputError(name, where + error.what());
    }
    if (!bank)
      bank = bank_of_digest(entry.template_digest.size());
    if (!bank || entry.template_digest.size() != model::digest_size(*bank))
      throw InputError(name, where + "a template digest of " +
                                 std::to_string(entry.template_digest.size()) + " bytes" +
                                 (bank ? " in a " + std::string(model::hash_name(*bank)) + " list"
                                       : " belongs to no bank"));
    entries.push_back(std::move(entry));
    lines.push_back(number);
  }
  auto binary = std::make_shared<const Bytes>(model::to_binary(entries));
  const std::span<const std::uint8_t> view(*binary);
  LogPiece piece = parse_piece(name, std::move(binary), view, bank.value_or(HashAlgo::sha1), 1);
  piece.lines = std::move(lines);
  return piece;
}

} // namespace trimcheck::verify
