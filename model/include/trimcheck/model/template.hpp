// IMA templates and their field encodings (spec section 4.3, 6.12:ima_template_lib.c).
//
// A template is a list of fields; the record stores each field's bytes. The template
// digest of a bank is computed over the fields: for every template except the legacy
// `ima`, each field contributes `u32 len` (little-endian on x86) followed by its bytes.
// The legacy `ima` template (fields d|n) hashes the 20-byte digest and then the name
// copied into a zero-filled 256-byte buffer, with no length words.
//
// Templates are the kernel's builtin ones (ima_template=) or a custom format
// (ima_template_fmt=, e.g. "d-ng|n-ng|iuid"), which has no name: the lists show its format
// instead, and a kernel restoring a carried list takes an unknown name as a format
// (6.12:ima_template.c). The model's kernels measure with the first four; the others are
// what users' lists hold, which `verify` reads.
#pragma once

#include "trimcheck/model/hash.hpp"

#include <array>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace trimcheck::model {

enum class TemplateKind : std::uint8_t {
  ima,
  ima_ng,
  ima_sig,
  ima_buf,
  ima_ngv2,
  ima_sigv2,
  ima_modsig,
  evm_sig,
  custom, // ima_template_fmt=: TemplateData::format names the fields
};

// A builtin template's name ("" for custom), and the builtin template of a name.
std::string_view template_name(TemplateKind kind);
std::optional<TemplateKind> template_from_name(std::string_view name);
// A builtin template's field ids in order: ima = d|n, ima-ng = d-ng|n-ng, ima-sig =
// d-ng|n-ng|sig, ima-buf = d-ng|n-ng|buf, ima-ngv2 = d-ngv2|n-ng, ima-sigv2 =
// d-ngv2|n-ng|sig, ima-modsig = d-ng|n-ng|sig|d-modsig|modsig, evm-sig =
// d-ng|n-ng|evmsig|xattrnames|xattrlengths|xattrvalues|iuid|igid|imode. Throws
// std::logic_error for custom (its fields are in its format).
const std::vector<std::string_view> &template_fields(TemplateKind kind);

// IMA_TEMPLATE_NUM_FIELDS_MAX and IMA_TEMPLATE_FIELD_ID_MAX_LEN.
inline constexpr std::size_t kMaxTemplateFields = 15;
inline constexpr std::size_t kMaxFieldIdLen = 16;

// The field ids of a template, as views (into static names or a custom format).
class TemplateFields {
public:
  std::size_t size() const { return count_; }
  std::string_view operator[](std::size_t i) const { return ids_[i]; }
  const std::string_view *begin() const { return ids_.data(); }
  const std::string_view *end() const { return ids_.data() + count_; }
  void push_back(std::string_view id) { ids_.at(count_++) = id; }

private:
  std::array<std::string_view, kMaxTemplateFields> ids_{};
  std::size_t count_ = 0;
};

// The fields of a custom format as template_desc_init_fields reads it: ids separated by
// '|', each one the kernel knows. Throws std::invalid_argument naming an unknown or empty
// field id, or more than kMaxTemplateFields fields.
TemplateFields format_fields(std::string_view format);

// IMA_EVENT_NAME_LEN_MAX: the legacy `ima` template hashes the name in a buffer of
// this size plus one.
inline constexpr std::size_t kEventNameLenMax = 255;

struct TemplateData {
  TemplateKind kind = TemplateKind::ima_ng;
  std::vector<Bytes> fields; // one per template field, exactly as stored in the kernel
  std::string format;        // custom only: the ima_template_fmt= string (lists show it)

  // entry->template_data_len: sum over fields of 4 + field length.
  std::uint32_t data_len() const;
  bool operator==(const TemplateData &) const = default;
};

// What a list shows as the template's name: a builtin's name, or a custom format.
std::string_view template_name(const TemplateData &data);
TemplateFields template_fields(const TemplateData &data);
// The template (without fields) that a list names, looked up as the kernel does: a
// builtin name, else a custom format (format_fields, whose std::invalid_argument it throws).
TemplateData template_named(std::string_view name);

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
