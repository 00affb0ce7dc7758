// IMA templates and their field encodings (spec section 4.3, 6.12:ima_template_lib.c).
//
// A template is a list of fields; the record stores each field's bytes. The template
// digest of a bank is computed over the fields: for every template except the legacy
// `ima`, each field contributes `u32 len` (little-endian on x86) followed by its bytes.
// The legacy `ima` template (fields d|n) hashes the 20-byte digest and then the name
// copied into a zero-filled 256-byte buffer, with no length words.
#pragma once

#include "trimcheck/model/hash.hpp"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::model {

enum class TemplateKind : std::uint8_t { ima, ima_ng, ima_sig, ima_buf };

std::string_view template_name(TemplateKind kind);
std::optional<TemplateKind> template_from_name(std::string_view name);
// Field ids in order: ima = d|n, ima-ng = d-ng|n-ng, ima-sig = d-ng|n-ng|sig,
// ima-buf = d-ng|n-ng|buf.
const std::vector<std::string_view> &template_fields(TemplateKind kind);

// IMA_EVENT_NAME_LEN_MAX: the legacy `ima` template hashes the name in a buffer of
// this size plus one.
inline constexpr std::size_t kEventNameLenMax = 255;

struct TemplateData {
  TemplateKind kind = TemplateKind::ima_ng;
  std::vector<Bytes> fields; // one per template field, exactly as stored in the kernel

  // entry->template_data_len: sum over fields of 4 + field length.
  std::uint32_t data_len() const;
  bool operator==(const TemplateData &) const = default;
};

// Template digest in one algorithm, as ima_calc_field_array_hash computes it.
Digest template_digest(const TemplateData &data, HashAlgo algo);
// The bytes template_digest hashes, in order, handed to `update` piece by piece (for
// callers that hash many records with their own reusable hash contexts).
void template_digest_input(const TemplateData &data,
                           const std::function<void(std::span<const std::uint8_t>)> &update);

// Field constructors. `name` is stored with its terminating NUL.
Bytes field_d_ng(HashAlgo file_algo, const Digest &file_digest);
Bytes field_name(std::string_view name);

TemplateData make_ima_ng(HashAlgo file_algo, const Digest &file_digest, std::string_view name);
TemplateData make_ima_sig(HashAlgo file_algo, const Digest &file_digest, std::string_view name,
                          const Bytes &signature);
TemplateData make_ima_buf(HashAlgo file_algo, std::string_view name, const Bytes &buffer);
// Legacy template: the `d` field is the 20-byte SHA-1 file digest.
TemplateData make_ima(const Digest &sha1_file_digest, std::string_view name);

// A file measurement in template `kind` (ima-buf carries an empty buffer, ima-sig an
// empty signature). The legacy `ima` template needs a SHA-1 file digest.
TemplateData make_file_template(TemplateKind kind, HashAlgo file_algo, const Digest &file_digest,
                                std::string_view name);

// ASCII rendering of one field as in the ascii_runtime_measurements files.
std::string field_ascii(std::string_view field_id, const Bytes &data);

} // namespace trimcheck::model
