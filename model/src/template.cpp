#include "trimcheck/model/template.hpp"

#include <algorithm>
#include <stdexcept>

namespace trimcheck::model {

std::string_view template_name(TemplateKind kind) {
  switch (kind) {
  case TemplateKind::ima:
    return "ima";
  case TemplateKind::ima_ng:
    return "ima-ng";
  case TemplateKind::ima_sig:
    return "ima-sig";
  case TemplateKind::ima_buf:
    return "ima-buf";
  }
  return "?";
}

std::optional<TemplateKind> template_from_name(std::string_view name) {
  for (TemplateKind kind :
       {TemplateKind::ima, TemplateKind::ima_ng, TemplateKind::ima_sig, TemplateKind::ima_buf})
    if (template_name(kind) == name)
      return kind;
  return std::nullopt;
}

const std::vector<std::string_view> &template_fields(TemplateKind kind) {
  static const std::vector<std::string_view> kIma{"d", "n"};
  static const std::vector<std::string_view> kImaNg{"d-ng", "n-ng"};
  static const std::vector<std::string_view> kImaSig{"d-ng", "n-ng", "sig"};
  static const std::vector<std::string_view> kImaBuf{"d-ng", "n-ng", "buf"};
  switch (kind) {
  case TemplateKind::ima:
    return kIma;
  case TemplateKind::ima_ng:
    return kImaNg;
  case TemplateKind::ima_sig:
    return kImaSig;
  case TemplateKind::ima_buf:
    return kImaBuf;
  }
  throw std::logic_error("unknown template kind");
}

std::uint32_t TemplateData::data_len() const {
  std::uint32_t total = 0;
  for (const Bytes &field : fields)
    total += 4 + static_cast<std::uint32_t>(field.size());
  return total;
}

void template_digest_input(const TemplateData &data,
                           const std::function<void(std::span<const std::uint8_t>)> &update) {
  const auto &ids = template_fields(data.kind);
  for (std::size_t i = 0; i < data.fields.size(); ++i) {
    const Bytes &field = data.fields[i];
    if (data.kind != TemplateKind::ima) {
      const auto len = static_cast<std::uint32_t>(field.size());
      const std::uint8_t le[4] = {
          static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8),
          static_cast<std::uint8_t>(len >> 16), static_cast<std::uint8_t>(len >> 24)};
      update(le);
      update(field);
    } else if (ids.at(i) == "n") {
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
  }
  throw std::logic_error("unknown template kind");
}

std::string field_ascii(std::string_view field_id, const Bytes &data) {
  if (field_id == "d")
    return to_hex(data);
  if (field_id == "d-ng") {
    // "<algo>:\0<digest>" is shown as "<algo>:<hex>"; a digest without prefix as hex.
    auto colon = std::find(data.begin(), data.end(), ':');
    if (colon == data.end() || colon + 1 == data.end() || *(colon + 1) != '\0')
      return to_hex(data);
    std::string algo(data.begin(), colon);
    return algo + ":" + to_hex(std::span(data).subspan(colon - data.begin() + 2));
  }
  if (field_id == "n" || field_id == "n-ng") {
    std::string text(data.begin(), data.end());
    if (!text.empty() && text.back() == '\0')
      text.pop_back();
    return text;
  }
  return to_hex(data); // sig, buf
}

} // namespace trimcheck::model
