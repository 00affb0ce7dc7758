#include "trimcheck/model/list_format.hpp"

#include <stdexcept>

namespace trimcheck::model {

namespace {

[[noreturn]] void bad(const std::string &what) {
  throw std::invalid_argument(what);
}

Bytes hex_column(std::string_view text, std::string_view what) {
  auto bytes = from_hex(text);
  if (!bytes)
    bad(std::string(what) + " '" + std::string(text.substr(0, 80)) + "' is not hex");
  return *bytes;
}

// The stored bytes of a field from its ascii form (field_ascii's inverse).
Bytes field_from_ascii(std::string_view id, std::string_view text) {
  if (id == "n" || id == "n-ng") {
    Bytes name = to_bytes(text);
    name.push_back('\0'); // stored with its NUL, which the ascii form leaves out
    return name;
  }
  if (text.empty())
    return {}; // the kernel prints nothing for an empty field
  if (id == "d")
    return hex_column(text, "the d field");
  if (id == "d-ng") {
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) // a digest shown without its algorithm
      return hex_column(text, "the d-ng field");
    const auto algo = hash_from_name(text.substr(0, colon));
    if (!algo)
      bad("the d-ng field names an unknown hash algorithm '" + std::string(text.substr(0, colon)) +
          "'");
    const Bytes digest = hex_column(text.substr(colon + 1), "the d-ng digest");
    if (digest.size() != digest_size(*algo))
      bad("the d-ng digest has " + std::to_string(digest.size()) + " bytes, " +
          std::string(hash_name(*algo)) + " has " + std::to_string(digest_size(*algo)));
    return field_d_ng(*algo, digest);
  }
  return hex_column(text, "the " + std::string(id) + " field"); // sig, buf
}

} // namespace

ListEntry parse_ascii_line(std::string_view line) {
  // "%2u <template digest> <template name>" then " <field>" per field (empty: nothing).
  if (line.size() >= 2 && line[0] == ' ')
    line.remove_prefix(1);
  std::vector<std::string_view> columns;
  for (std::size_t start = 0;;) {
    const std::size_t space = line.find(' ', start);
    columns.push_back(line.substr(start, space - start));
    if (space == std::string_view::npos)
      break;
    start = space + 1;
  }
  if (columns.size() < 3)
    bad("expected 'PCR TEMPLATE-DIGEST TEMPLATE-NAME FIELDS...'");
  ListEntry entry;
  const std::string_view pcr = columns[0];
  if (pcr.empty() || pcr.size() > 2 ||
      pcr.find_first_not_of("0123456789") != std::string_view::npos)
    bad("PCR '" + std::string(pcr.substr(0, 8)) + "' is not a number of one or two digits");
  entry.pcr = static_cast<std::uint32_t>(std::stoul(std::string(pcr)));
  if (entry.pcr >= kNumPcrs)
    bad("PCR " + std::to_string(entry.pcr) + " out of range 0..23");
  const Bytes digest = hex_column(columns[1], "the template digest");
  entry.template_digest = Digest(digest.begin(), digest.end());
  const auto kind = template_from_name(columns[2]);
  if (!kind)
    bad("unknown template '" + std::string(columns[2].substr(0, 80)) + "'");
  entry.data.kind = *kind;
  const auto &ids = template_fields(*kind);
  if (columns.size() != 3 + ids.size())
    bad(std::string(columns[2]) + " has " + std::to_string(ids.size()) + " fields, the line has " +
        std::to_string(columns.size() - 3) + " (a name with a space or newline cannot be read)");
  for (std::size_t i = 0; i < ids.size(); ++i)
    entry.data.fields.push_back(field_from_ascii(ids[i], columns[3 + i]));
  return entry;
}

} // namespace trimcheck::model
