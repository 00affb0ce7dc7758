#include "trimcheck/model/template.hpp"

#include <algorithm>
#include <stdexcept>

namespace trimcheck::model {

namespace {

struct Builtin {
  TemplateKind kind;
  std::string_view name;
  std::vector<std::string_view> fields;
};

// builtin_templates[] of 6.12:ima_template.c.
const std::vector<Builtin> &builtins() {
  static const std::vector<Builtin> kBuiltins{
      {TemplateKind::ima, "ima", {"d", "n"}},
      {TemplateKind::ima_ng, "ima-ng", {"d-ng", "n-ng"}},
      {TemplateKind::ima_sig, "ima-sig", {"d-ng", "n-ng", "sig"}},
      {TemplateKind::ima_buf, "ima-buf", {"d-ng", "n-ng", "buf"}},
      {TemplateKind::ima_ngv2, "ima-ngv2", {"d-ngv2", "n-ng"}},
      {TemplateKind::ima_sigv2, "ima-sigv2", {"d-ngv2", "n-ng", "sig"}},
      {TemplateKind::ima_modsig, "ima-modsig", {"d-ng", "n-ng", "sig", "d-modsig", "modsig"}},
      {TemplateKind::evm_sig,
       "evm-sig",
       {"d-ng", "n-ng", "evmsig", "xattrnames", "xattrlengths", "xattrvalues", "iuid", "igid",
        "imode"}},
  };
  return kBuiltins;
}

// supported_fields[] of 6.12:ima_template.c.
constexpr std::string_view kFieldIds[] = {
    "d",      "n",      "d-ng", "d-ngv2", "n-ng",  "sig",        "buf",          "d-modsig",
    "modsig", "evmsig", "iuid", "igid",   "imode", "xattrnames", "xattrlengths", "xattrvalues"};

} // namespace

std::string_view template_name(TemplateKind kind) {
  for (const Builtin &builtin : builtins())
    if (builtin.kind == kind)
      return builtin.name;
  return "";
}

std::optional<TemplateKind> template_from_name(std::string_view name) {
  for (const Builtin &builtin : builtins())
    if (builtin.name == name)
      return builtin.kind;
  return std::nullopt;
}

const std::vector<std::string_view> &template_fields(TemplateKind kind) {
  for (const Builtin &builtin : builtins())
    if (builtin.kind == kind)
      return builtin.fields;
  throw std::logic_error("a custom template's fields are in its format");
}

TemplateFields format_fields(std::string_view format) {
  TemplateFields fields;
  for (std::size_t start = 0;;) {
    const std::size_t bar = format.find('|', start);
    const std::string_view id = format.substr(start, bar - start);
    if (id.empty())
      throw std::invalid_argument("the custom template format '" + std::string(format) +
                                  "' has an empty field id");
    if (std::find(std::begin(kFieldIds), std::end(kFieldIds), id) == std::end(kFieldIds))
      throw std::invalid_argument(
          format.find('|') == std::string_view::npos
              ? "unknown template '" + std::string(format.substr(0, 80)) +
                    "' (neither a builtin template nor a field id of a custom format)"
              : "unknown field '" + std::string(id.substr(0, kMaxFieldIdLen + 1)) +
                    "' in the custom template format '" + std::string(format) + "'");
    if (fields.size() == kMaxTemplateFields)
      throw std::invalid_argument("the custom template format '" + std::string(format) +
                                  "' has more than " + std::to_string(kMaxTemplateFields) +
                                  " fields");
    fields.push_back(id);
    if (bar == std::string_view::npos)
      return fields;
    start = bar + 1;
  }
}

std::string_view template_name(const TemplateData &data) {
  return data.kind == TemplateKind::custom ? std::string_view(data.format)
                                           : template_name(data.kind);
}

TemplateFields template_fields(const TemplateData &data) {
  if (data.kind == TemplateKind::custom)
    return format_fields(data.format);
  TemplateFields fields;
  for (std::string_view id : template_fields(data.kind))
    fields.push_back(id);
  return fields;
}

TemplateData template_named(std::string_view name) {
  if (auto kind = template_from_name(name))
    return {*kind, {}, {}};
  format_fields(name);
  return {TemplateKind::custom, {}, std::string(name)};
}

std::uint32_t TemplateData::data_len() const {
  std::uint32_t total = 0;
  for (const Bytes &field : fields)
    total += 4 + static_cast<std::uint32_t>(field.size());
  return total;
}

void template_digest_input(const TemplateData &data,
                           const std::function<void(std::span<const std::uint8_t>)> &update) {
  const TemplateFields ids =
      data.kind == TemplateKind::ima ? template_fields(data) : TemplateFields{};
  for (std::size_t i = 0; i < data.fields.size(); ++i) {
    const Bytes &field = data.fields[i];
    if (data.kind != TemplateKind::ima) {
      const auto len = static_cast<std::uint32_t>(field.size());
      const std::uint8_t le[4] = {
          static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8),
          static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 24)};
      update(le);
      update(field);
    } else if (i < ids.size() && ids[i] == "n") {
      Bytes padded(kEventNameLenMax + 1, 0);
      std::copy_n(field.begin(), std::min(field.size(), padded.size()), padded.begin());
      update(padded);
    } else {
      update(field);
    }
  }
}

Digest template_digest(const TemplateData &data, HashAlgo algo) {
  Hasher hasher(algo);
  template_digest_input(data, [&](std::span<const std::uint8_t> piece) { hasher.update(piece); });
  return hasher.finish();
}

Bytes field_d_ng(HashAlgo file_algo, const Digest &file_digest) {
  Bytes out = to_bytes(hash_name(file_algo));
  out.push_back(':');
  out.push_back('\0');
  out.insert(out.end(), file_digest.begin(), file_digest.end());
  return out;
}

Bytes field_name(std::string_view name) {
  // ima_write_template_field_data: spaces in string fields become underscores (so that
  // the ascii list stays space-separated). Found by conform: Chen's "trim ima event
  // logs" is recorded as trim_ima_event_logs.
  Bytes out = to_bytes(name);
  std::replace(out.begin(), out.end(), std::uint8_t{' '}, std::uint8_t{'_'});
  out.push_back('\0');
  return out;
}

TemplateData make_ima_ng(HashAlgo file_algo, const Digest &file_digest, std::string_view name) {
  return {TemplateKind::ima_ng, {field_d_ng(file_algo, file_digest), field_name(name)}};
}

TemplateData make_ima_sig(HashAlgo file_algo, const Digest &file_digest, std::string_view name,
                          const Bytes &signature) {
  return {TemplateKind::ima_sig, {field_d_ng(file_algo, file_digest), field_name(name), signature}};
}

TemplateData make_ima_buf(HashAlgo file_algo, std::string_view name, const Bytes &buffer) {
  return {TemplateKind::ima_buf,
          {field_d_ng(file_algo, hash_bytes(file_algo, buffer)), field_name(name), buffer}};
}

TemplateData make_ima(const Digest &sha1_file_digest, std::string_view name) {
  return {TemplateKind::ima, {sha1_file_digest, field_name(name)}};
}

TemplateData make_file_template(TemplateKind kind, HashAlgo file_algo, const Digest &file_digest,
                                std::string_view name) {
  switch (kind) {
  case TemplateKind::ima:
    return make_ima(file_digest, name);
  case TemplateKind::ima_ng:
    return make_ima_ng(file_algo, file_digest, name);
  case TemplateKind::ima_sig:
    return make_ima_sig(file_algo, file_digest, name, {});
  case TemplateKind::ima_buf:
    return {kind, {field_d_ng(file_algo, file_digest), field_name(name), {}}};
  case TemplateKind::ima_ngv2:
  case TemplateKind::ima_sigv2:
  case TemplateKind::ima_modsig:
  case TemplateKind::evm_sig:
  case TemplateKind::custom:
    break;
  }
  throw std::logic_error("the modelled kernels measure with ima, ima-ng, ima-sig or ima-buf");
}

namespace {

// "<prefix>:\0<digest>" as "<prefix>:<hex>", the prefix ending at the first ':' (d-ng,
// d-modsig: the algorithm) or at the last one before the NUL (d-ngv2: "ima:sha256").
std::string digest_with_prefix_ascii(const Bytes &data, bool last_colon) {
  const auto nul = std::find(data.begin(), data.end(), '\0');
  const std::string prefix(data.begin(), nul);
  const std::size_t colon = last_colon ? prefix.rfind(':') : prefix.find(':');
  if (nul == data.end() || prefix.empty() || colon != prefix.size() - 1)
    return to_hex(data); // a digest without prefix (or malformed): as hex
  return prefix + to_hex(std::span(data).subspan(prefix.size() + 1));
}

// DATA_FMT_UINT: the value in decimal for 1, 2, 4 or 8 bytes (little-endian), else nothing.
std::string uint_ascii(const Bytes &data) {
  if (data.size() != 1 && data.size() != 2 && data.size() != 4 && data.size() != 8)
    return "";
  std::uint64_t value = 0;
  for (std::size_t i = data.size(); i-- > 0;)
    value = value << 8 | data[i];
  return std::to_string(value);
}

} // namespace

std::string field_ascii(std::string_view field_id, const Bytes &data) {
  if (field_id == "d")
    return to_hex(data);
  if (field_id == "d-ng" || field_id == "d-modsig")
    return digest_with_prefix_ascii(data, false);
  if (field_id == "d-ngv2")
    return digest_with_prefix_ascii(data, true);
  if (field_id == "n" || field_id == "n-ng" || field_id == "xattrnames") // "%s"
    return std::string(data.begin(), std::find(data.begin(), data.end(), '\0'));
  if (field_id == "iuid" || field_id == "igid" || field_id == "imode")
    return uint_ascii(data);
  return to_hex(data); // sig, buf, modsig, evmsig, xattrlengths, xattrvalues
}

} // namespace trimcheck::model
