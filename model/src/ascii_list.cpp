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

// "<prefix>:<hex>" of a d-ng or d-modsig field (prefix: the algorithm) or a d-ngv2 field
// (prefix: "<type>:<algorithm>") as stored: "<prefix>:\0<digest>".
Bytes digest_field_from_ascii(std::string_view id, std::string_view text) {
  const std::size_t colon = id == "d-ngv2" ? text.rfind(':') : text.find(':');
  if (colon == std::string_view::npos) // a digest shown without its algorithm
    return hex_column(text, "the " + std::string(id) + " field");
  const std::string_view prefix = text.substr(0, colon);
  const std::string_view algo_name = prefix.substr(prefix.rfind(':') + 1);
  const auto algo = hash_from_name(algo_name);
  if (!algo)
    bad("the " + std::string(id) + " field names an unknown hash algorithm '" +
        std::string(algo_name.substr(0, 40)) + "'");
  const Bytes digest = hex_column(text.substr(colon + 1), "the " + std::string(id) + " digest");
  if (digest.size() != digest_size(*algo))
    bad("the " + std::string(id) + " digest has " + std::to_string(digest.size()) + " bytes, " +
        std::string(hash_name(*algo)) + " has " + std::to_string(digest_size(*algo)));
  Bytes field = to_bytes(prefix);
  field.push_back(':');
  field.push_back('\0');
  field.insert(field.end(), digest.begin(), digest.end());
  return field;
}

// An iuid, igid (u32) or imode (u16) field from its decimal form, little-endian.
Bytes uint_field_from_ascii(std::string_view id, std::string_view text) {
  const std::size_t size = id == "imode" ? 2 : 4;
  if (text.size() > 20 || text.find_first_not_of("0123456789") != std::string_view::npos)
    bad("the " + std::string(id) + " field '" + std::string(text.substr(0, 24)) +
        "' is not a decimal number");
  const unsigned long long value = std::stoull(std::string(text));
  if (value >> (8 * size) != 0)
    bad("the " + std::string(id) + " field " + std::string(text) + " does not fit in " +
        std::to_string(size) + " bytes");
  Bytes field;
  for (std::size_t i = 0; i < size; ++i)
    field.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  return field;
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
  if (id == "d-ng" || id == "d-modsig" || id == "d-ngv2")
    return digest_field_from_ascii(id, text);
  if (id == "xattrnames")
    return to_bytes(text); // stored without a NUL (DATA_FMT_HEX), printed with %s
  if (id == "iuid" || id == "igid" || id == "imode")
    return uint_field_from_ascii(id, text);
  return hex_column(text, "the " + std::string(id) + " field"); // sig, buf, modsig, evmsig...
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
    bad("expected 'PCR TEMPLATE-DIGEST TEMPLATE-NAME FIELDS...' (a file name with a newline "
        "breaks its line in the ascii list, as the kernel prints it: verify the binary list)");
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
  try {
    entry.data = template_named(columns[2]);
  } catch (const std::invalid_argument &error) {
    bad(error.what());
  }
  const TemplateFields ids = template_fields(entry.data);
  if (columns.size() != 3 + ids.size())
    bad(std::string(columns[2].substr(0, 80)) + " has " + std::to_string(ids.size()) +
        " fields, the line has " + std::to_string(columns.size() - 3) +
        " (a name with a space or newline cannot be read)");
  for (std::size_t i = 0; i < ids.size(); ++i)
    entry.data.fields.push_back(field_from_ascii(ids[i], columns[3 + i]));
  return entry;
}

} // namespace trimcheck::model
