// One piece of a trimmed measurement log: a chunk a trimming agent saved, or the list
// the kernel shows now.
//
// A piece is the exact bytes of a binary_runtime_measurements* file (or of the part of
// it that an agent saved before trimming), checked with the model's parser. The records
// are not copied out of the bytes: the piece keeps the bytes and where each record starts
// (8 bytes per record), and the model's EntryView reads a record in place. Each file
// shows the records through one bank: its template digests have that bank's size. The
// bank is taken from the file name when it ends like the securityfs files
// (`..._sha256`; the plain `binary_runtime_measurements` is sha1); otherwise it is
// detected from the bytes: the digest size for which the first records parse, confirmed
// by a template digest that matches its template data (sha256 before sm3 when nothing
// can confirm). Pieces of one log may come from files of different banks: every bank
// is recomputed from the template data, the file's own digests are only checked.
#pragma once

#include "trimcheck/model/list_format.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace trimcheck::verify {

struct LogPiece {
  std::string name;                    // the file, as named in messages
  model::HashAlgo bank;                // the bank whose template digests the file holds
  std::shared_ptr<const void> storage; // keeps `bytes` alive
  std::span<const std::uint8_t> bytes; // the file
  std::vector<std::size_t> offsets;    // where each record starts
  std::size_t size = 0;                // bytes
  // An ascii list (ascii_runtime_measurements*): `bytes` is its records re-encoded as the
  // binary list of the same bank, and this is the line of each record (1-based). Empty
  // for a binary list.
  std::vector<std::size_t> lines;

  std::size_t records() const { return offsets.size(); }
  // Record `index` read in place (parse_piece checked it).
  model::EntryView view(std::size_t index) const;
  model::ListEntry entry(std::size_t index) const { return view(index).to_entry(); }
};

// Checks `bytes` (throws InputError naming `name`, the byte offset and the record index
// when the file is not a binary measurement list) and keeps a copy. `bank` overrides
// detection. An ascii list is read too (LogPiece::lines): its bank is the one its name
// announces, else the one its template digests' length implies; a malformed line is an
// InputError naming the line.
//
// With threads > 1 a large file is parsed in parts by the model's parser: each split
// point is a position where a record plausibly starts (a PCR index, then after the digest
// a known template name), and a split is kept only if the part before it parses to its
// last byte, which proves the point is a record boundary of the sequential parse; any
// failure falls back to one sequential parse (and its exact error).
LogPiece parse_piece(const std::string &name, std::span<const std::uint8_t> bytes,
                     std::optional<model::HashAlgo> bank = std::nullopt, unsigned threads = 1);
// The same without a copy: `storage` owns `bytes` (e.g. a mapped file).
LogPiece parse_piece(const std::string &name, std::shared_ptr<const void> storage,
                     std::span<const std::uint8_t> bytes,
                     std::optional<model::HashAlgo> bank = std::nullopt, unsigned threads = 1);

// The bank a file name announces (`..._sha384`, `binary_runtime_measurements`), if any.
std::optional<model::HashAlgo> bank_from_file_name(const std::string &name);

// Whether `bytes` start like an ascii list: one or two digits (the PCR, "%2u"), a space
// and a hex digit. A binary list starts with a little-endian PCR index, whose first byte
// is 0..23, never a printable digit.
bool looks_like_ascii_list(std::span<const std::uint8_t> bytes);
// parse_piece for an ascii list (`bank`: nullopt to take it from the digests' length).
LogPiece parse_ascii_piece(const std::string &name, std::span<const std::uint8_t> text,
                           std::optional<model::HashAlgo> bank);

// Byte offset of record `index` in the piece's file.
std::size_t record_offset(const LogPiece &piece, std::size_t index);

// A violation record: the list shows an all-zero template digest (spec 4.3).
bool is_violation(const model::ListEntry &entry);
bool is_violation(const model::EntryView &entry);

// A boot_aggregate record (the first record of every boot).
bool is_boot_aggregate(const model::ListEntry &entry);

// The record's content independent of the bank the file shows it through: PCR,
// template and fields, and whether it is a violation. Two pieces from files of
// different banks show the same record with equal identities.
model::Digest record_identity(const model::ListEntry &entry);
model::Digest record_identity(const model::EntryView &entry);
// Equal identities, compared without hashing.
bool same_record(const model::EntryView &a, const model::EntryView &b);

// "'/usr/bin/bash' (ima-ng)": the event name of a record, for messages.
std::string describe_record(const model::ListEntry &entry);

} // namespace trimcheck::verify
