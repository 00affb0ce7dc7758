#include "trimcheck/model/list_format.hpp"

#include <algorithm>
#include <cstdio>

namespace trimcheck::model {
namespace {

void put_u32(Bytes &out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

void put(Bytes &out, std::span<const std::uint8_t> data) {
  out.insert(out.end(), data.begin(), data.end());
}

// Cursor over the input that reports failures with the record's start and index.
class Reader {
public:
  Reader(std::span<const std::uint8_t> bytes, std::size_t pos = 0) : bytes_(bytes), pos_(pos) {}

  bool done() const { return pos_ == bytes_.size(); }
  std::size_t pos() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  void start_record(std::size_t index) { record_start_ = pos_, index_ = index; }
  std::span<const std::uint8_t> since(std::size_t start) const {
    return bytes_.subspan(start, pos_ - start);
  }

  [[noreturn]] void fail(const std::string &what) const {
    throw ListParseError(pos_, index_,
                         "record " + std::to_string(index_) + " (starting at byte " +
                             std::to_string(record_start_) + "), byte " + std::to_string(pos_) +
                             ": " + what);
  }

  std::uint32_t u32(const char *what) {
    need(4, what);
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i)
      value |= static_cast<std::uint32_t>(bytes_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return value;
  }

  std::span<const std::uint8_t> take(std::size_t len, const char *what) {
    need(len, what);
    const auto out = bytes_.subspan(pos_, len);
    pos_ += len;
    return out;
  }

private:
  void need(std::size_t len, const char *what) const {
    if (remaining() < len) [[unlikely]]
      truncated(len, what);
  }
  [[noreturn, gnu::noinline]] void truncated(std::size_t len, const char *what) const {
    fail(std::string("truncated record: ") + what + " needs " + std::to_string(len) + " bytes, " +
         std::to_string(remaining()) + " remain");
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0, record_start_ = 0, index_ = 0;
};

void check_digest_field(Reader &in, std::span<const std::uint8_t> field) {
  auto colon = std::find(field.begin(), field.end(), ':');
  if (colon == field.end() || colon + 1 == field.end() || *(colon + 1) != '\0')
    return; // digest without algorithm prefix: any length is representable
  std::string_view name(reinterpret_cast<const char *>(field.data()),
                        static_cast<std::size_t>(colon - field.begin()));
  auto algo = hash_from_name(name);
  if (!algo)
    return; // algorithms the model does not hash (md5, ...) are carried as bytes
  std::size_t len = static_cast<std::size_t>(field.end() - (colon + 2));
  if (len != digest_size(*algo))
    in.fail("wrong digest size: " + std::string(name) + " digest of " + std::to_string(len) +
            " bytes, expected " + std::to_string(digest_size(*algo)));
}

} // namespace

ListParseError::ListParseError(std::size_t offset, std::size_t record_index,
                               const std::string &what)
    : std::runtime_error(what), offset_(offset), record_index_(record_index) {}

ListEntry EntryView::to_entry() const {
  ListEntry entry{pcr, Digest(template_digest.begin(), template_digest.end()), {kind, {}, {}}};
  if (kind == TemplateKind::custom)
    entry.data.format.assign(name.begin(), name.end());
  for (std::size_t i = 0; i < field_count; ++i)
    entry.data.fields.emplace_back(fields[i].begin(), fields[i].end());
  if (kind == TemplateKind::ima)
    entry.data.fields[1].push_back('\0'); // the kernel stores the name with its NUL
  return entry;
}

ListEntry list_entry(const Record &record, std::size_t slot) {
  return {record.pcr, record.digests.at(slot), record.data};
}

namespace {

void append_binary_fields(Bytes &out, std::uint32_t pcr, std::span<const std::uint8_t> digest,
                          const TemplateData &data) {
  const std::string_view name = template_name(data);
  const bool legacy = data.kind == TemplateKind::ima;
  put_u32(out, pcr);
  put(out, digest);
  put_u32(out, static_cast<std::uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
  if (!legacy)
    put_u32(out, data.data_len());
  const TemplateFields ids = template_fields(data);
  for (std::size_t i = 0; i < data.fields.size(); ++i) {
    const Bytes &field = data.fields[i];
    if (legacy && ids[i] == "d") {
      put(out, field); // IMA_SHOW_BINARY_NO_FIELD_LEN
    } else if (legacy && ids[i] == "n") {
      // IMA_SHOW_BINARY_OLD_STRING_FMT: length and bytes without the NUL.
      std::size_t len = field.empty() ? 0 : field.size() - 1;
      put_u32(out, static_cast<std::uint32_t>(len));
      out.insert(out.end(), field.begin(), field.begin() + static_cast<std::ptrdiff_t>(len));
    } else {
      put_u32(out, static_cast<std::uint32_t>(field.size()));
      put(out, field);
    }
  }
}

template <class Text>
void append_ascii_fields(Text &out, std::uint32_t pcr, std::span<const std::uint8_t> digest,
                         const TemplateData &data) {
  char number[16];
  const int length = std::snprintf(number, sizeof number, "%2u ", pcr);
  out.insert(out.end(), number, number + length);
  const std::string hex = to_hex(digest);
  out.insert(out.end(), hex.begin(), hex.end());
  out.push_back(' ');
  const std::string_view name = template_name(data);
  out.insert(out.end(), name.begin(), name.end());
  const TemplateFields ids = template_fields(data);
  for (std::size_t i = 0; i < data.fields.size() && i < ids.size(); ++i) {
    out.push_back(' ');
    if (!data.fields[i].empty()) {
      const std::string field = field_ascii(ids[i], data.fields[i]);
      out.insert(out.end(), field.begin(), field.end());
    }
  }
  out.push_back('\n');
}

} // namespace

void append_binary(Bytes &out, const ListEntry &entry) {
  append_binary_fields(out, entry.pcr, entry.template_digest, entry.data);
}

void append_binary(Bytes &out, const Record &record, std::size_t slot) {
  append_binary_fields(out, record.pcr, record.digests.at(slot), record.data);
}

Bytes to_binary(std::span<const ListEntry> entries) {
  Bytes out;
  for (const ListEntry &entry : entries)
    append_binary(out, entry);
  return out;
}

std::string ascii_line(const ListEntry &entry) {
  std::string line;
  append_ascii_fields(line, entry.pcr, entry.template_digest, entry.data);
  return line;
}

void append_ascii(Bytes &out, const Record &record, std::size_t slot) {
  append_ascii_fields(out, record.pcr, record.digests.at(slot), record.data);
}

std::string to_ascii(std::span<const ListEntry> entries) {
  std::string out;
  for (const ListEntry &entry : entries)
    out += ascii_line(entry);
  return out;
}

namespace {

// kCheck false: the layout only, for a record that was already checked.
template <bool kCheck> EntryView parse_record(Reader &in, std::size_t digest_len) {
  const std::size_t start = in.pos();
  EntryView entry;
  entry.pcr = in.u32("PCR index");
  if (kCheck && entry.pcr >= kNumPcrs)
    in.fail("PCR index " + std::to_string(entry.pcr) + " out of range 0..23");
  entry.template_digest = in.take(digest_len, "template digest");
  std::uint32_t name_len = in.u32("template name length");
  if (kCheck && (name_len == 0 || name_len > kMaxTemplateNameLen))
    in.fail("absurd template name length " + std::to_string(name_len) + " (1.." +
            std::to_string(kMaxTemplateNameLen) + ")");
  entry.name = in.take(name_len, "template name");
  const std::string_view name_text(reinterpret_cast<const char *>(entry.name.data()),
                                   entry.name.size());
  TemplateFields ids;
  if (auto kind = template_from_name(name_text)) {
    entry.kind = *kind;
    for (std::string_view id : template_fields(*kind))
      ids.push_back(id);
  } else {
    entry.kind = TemplateKind::custom;
    try {
      ids = format_fields(name_text); // the kernel's restore_template_fmt
    } catch (const std::invalid_argument &error) {
      in.fail(error.what());
    }
  }
  entry.field_count = ids.size();
  if (entry.kind == TemplateKind::ima) {
    entry.fields[0] = in.take(digest_size(HashAlgo::sha1), "ima d field");
    std::uint32_t len = in.u32("ima n field length");
    if (kCheck && len > kEventNameLenMax)
      in.fail("absurd ima event name length " + std::to_string(len));
    entry.fields[1] = in.take(len, "ima n field");
  } else {
    std::uint32_t data_len = in.u32("template data length");
    if (kCheck && data_len > kMaxTemplateDataLen)
      in.fail("absurd template data length " + std::to_string(data_len));
    if (data_len > in.remaining())
      in.fail("truncated record: template data needs " + std::to_string(data_len) + " bytes, " +
              std::to_string(in.remaining()) + " remain");
    const std::size_t data_start = in.pos(), data_end = in.pos() + data_len;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      std::uint32_t len = in.u32("field length");
      if (kCheck && in.pos() + len > data_end)
        in.fail("field '" + std::string(ids[i]) + "' of " + std::to_string(len) +
                " bytes runs past the template data length " + std::to_string(data_len));
      entry.fields[i] = in.take(len, "field data");
      if (kCheck && (ids[i] == "d-ng" || ids[i] == "d-modsig"))
        check_digest_field(in, entry.fields[i]);
    }
    if (kCheck && in.pos() != data_end)
      in.fail("template data length " + std::to_string(data_len) + " does not match the " +
              std::to_string(ids.size()) + " fields of " + std::string(name_text.substr(0, 80)));
    entry.template_data = in.since(data_start);
  }
  entry.bytes = in.since(start);
  return entry;
}

} // namespace

EntryView parse_binary_entry(std::span<const std::uint8_t> bytes, std::size_t offset,
                             std::size_t index, std::size_t digest_len) {
  Reader in(bytes, offset);
  in.start_record(index);
  return parse_record<true>(in, digest_len);
}

EntryView read_binary_entry(std::span<const std::uint8_t> bytes, std::size_t offset,
                            std::size_t digest_len) {
  Reader in(bytes, offset);
  return parse_record<false>(in, digest_len);
}

std::vector<ListEntry> parse_binary(std::span<const std::uint8_t> bytes, std::size_t digest_len) {
  std::vector<ListEntry> entries;
  Reader in(bytes);
  while (!in.done()) {
    in.start_record(entries.size());
    entries.push_back(parse_record<true>(in, digest_len).to_entry());
  }
  return entries;
}

ParsedList parse_binary_prefix(std::span<const std::uint8_t> bytes, std::size_t digest_len) {
  ParsedList parsed;
  Reader in(bytes);
  try {
    while (!in.done()) {
      in.start_record(parsed.entries.size());
      parsed.entries.push_back(parse_record<true>(in, digest_len).to_entry());
    }
  } catch (const ListParseError &error) {
    parsed.error = error;
  }
  return parsed;
}

} // namespace trimcheck::model
