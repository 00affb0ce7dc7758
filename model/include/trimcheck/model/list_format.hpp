// The measurement-list files: binary and ASCII serialisation of one bank, and a parser
// for binary_runtime_measurements* (spec sections 4.4 and 4.5).
//
// A list file shows each record through one digest slot. `ListEntry` is that view: the
// record's fields plus the template digest of the file's bank. The byte order is x86's
// (little-endian), which is also what ima_canonical_fmt selects.
#pragma once

#include "trimcheck/model/record.hpp"

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
Bytes to_binary(std::span<const ListEntry> entries);
// ima_measurements_ascii_show for one record (with its trailing newline).
std::string ascii_line(const ListEntry &entry);
std::string to_ascii(std::span<const ListEntry> entries);

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

// Records before the first malformed one, and that error (kexec restore stops there).
struct ParsedList {
  std::vector<ListEntry> entries;
  std::optional<ListParseError> error;
};
ParsedList parse_binary_prefix(std::span<const std::uint8_t> bytes, std::size_t digest_len);

// Upper bounds the parser accepts. Template names are at most 15 bytes in the kernel
// (restore refuses longer); no record field in practice comes near the data limit.
inline constexpr std::size_t kMaxTemplateNameLen = 15;
inline constexpr std::size_t kMaxTemplateDataLen = 1 << 24;

} // namespace trimcheck::model
