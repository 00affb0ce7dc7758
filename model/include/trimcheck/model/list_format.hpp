// The measurement-list files: binary and ASCII serialisation of one bank, and a parser
// for binary_runtime_measurements* (spec sections 4.4 and 4.5).
//
// A list file shows each record through one digest slot. `ListEntry` is that view: the
// record's fields plus the template digest of the file's bank. The byte order is x86's
// (little-endian), which is also what ima_canonical_fmt selects.
#pragma once

#include "trimcheck/model/record.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

namespace trimcheck::model {

struct ListEntry {
  std::uint32_t pcr = 10;
  Digest template_digest;
  TemplateData data;
  bool operator==(const ListEntry &) const = default;
};

ListEntry list_entry(const Record &record, std::size_t slot);

// ima_measurements_show for one record, appended to `out`.
void append_binary(Bytes &out, const ListEntry &entry);
// The same for `record` seen through digest slot `slot`, without copying it into a
// ListEntry (the model's seq_file and kexec dump render records this way).
void append_binary(Bytes &out, const Record &record, std::size_t slot);
Bytes to_binary(std::span<const ListEntry> entries);
// ima_measurements_ascii_show for one record (with its trailing newline).
std::string ascii_line(const ListEntry &entry);
// The same for `record` seen through digest slot `slot`, appended to `out`.
void append_ascii(Bytes &out, const Record &record, std::size_t slot);
std::string to_ascii(std::span<const ListEntry> entries);
// The record one line of an ascii list shows (ascii_line's inverse; the line without its
// newline). The ascii form loses nothing of the four templates' fields, except that a
// name with a newline breaks its line (names have no spaces: the kernel stores them as
// '_'). Throws std::invalid_argument naming the column that is wrong.
ListEntry parse_ascii_line(std::string_view line);

// Malformed binary input: names the byte offset and the index of the record.
class ListParseError : public std::runtime_error {
public:
  ListParseError(std::size_t offset, std::size_t record_index, const std::string &what);
  std::size_t offset() const { return offset_; }
  std::size_t record_index() const { return record_index_; }

private:
  std::size_t offset_, record_index_;
};

// Parses a binary list whose template digests are `digest_len` bytes long (the file's
// bank). Throws ListParseError on truncation, absurd lengths, unknown templates, a PCR
// index out of range, or a field digest of the wrong size.
std::vector<ListEntry> parse_binary(std::span<const std::uint8_t> bytes, std::size_t digest_len);

// One record as it lies in a binary list: views into the file's bytes, nothing copied
// (for callers that go through millions of records, e.g. the verifier).
struct EntryView {
  std::uint32_t pcr = 10;
  std::span<const std::uint8_t> template_digest;
  TemplateKind kind = TemplateKind::ima_ng;
  std::span<const std::uint8_t> name; // the template's name (a custom template's format)
  // The first field_count are the fields; the `ima` name without its NUL.
  std::array<std::span<const std::uint8_t>, kMaxTemplateFields> fields{};
  std::size_t field_count = 0;
  // Every template but `ima`: the template data as shown (u32 length and bytes per field),
  // which is exactly what its template digest hashes (template_digest_input).
  std::span<const std::uint8_t> template_data;
  std::span<const std::uint8_t> bytes; // the whole record

  ListEntry to_entry() const;
};

// Parses the record that starts at `offset` of `bytes` (a whole file), with the checks
// and messages of parse_binary; `index` is its record index (for messages). The record
// ends at view.bytes.size() bytes past `offset`.
EntryView parse_binary_entry(std::span<const std::uint8_t> bytes, std::size_t offset,
                             std::size_t index, std::size_t digest_len);
// The same for a record parse_binary_entry accepted before: only its layout is read
// (bounds are still checked).
EntryView read_binary_entry(std::span<const std::uint8_t> bytes, std::size_t offset,
                            std::size_t digest_len);

// What the template digest of `entry` hashes, handed to `update` piece by piece: the same
// bytes as template_digest_input(entry.to_entry().data, ...).
template <class Update> void template_digest_input(const EntryView &entry, Update &&update) {
  if (entry.kind != TemplateKind::ima) {
    update(entry.template_data);
    return;
  }
  std::array<std::uint8_t, kEventNameLenMax + 1> name{};
  const auto stored = entry.fields[1].first(std::min(entry.fields[1].size(), name.size()));
  std::copy(stored.begin(), stored.end(), name.begin());
  update(entry.fields[0]);
  update(std::span<const std::uint8_t>(name));
}

// Records before the first malformed one, and that error (kexec restore stops there).
struct ParsedList {
  std::vector<ListEntry> entries;
  std::optional<ListParseError> error;
};
ParsedList parse_binary_prefix(std::span<const std::uint8_t> bytes, std::size_t digest_len);

// Upper bounds the parser accepts. A template name is a builtin's (at most 10 bytes) or a
// custom format, at most 15 field ids of at most 16 bytes and their separators (a kernel
// restoring a carried list refuses names of 70 bytes or more); no record field in practice
// comes near the data limit.
inline constexpr std::size_t kMaxTemplateNameLen = 255;
inline constexpr std::size_t kMaxTemplateDataLen = 1 << 24;

} // namespace trimcheck::model
