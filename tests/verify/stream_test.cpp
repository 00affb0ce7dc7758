// The verifier reads records in place (model::EntryView over the file, an offsets index)
// and replays them batch by batch through a ring of buffers: record views equal the
// model's parse, parts of a parallel parse meet exactly at record boundaries (or fall
// back), locations and results are the same for any number of threads and batch or ring
// boundaries, and a malformed record late in a file names its index and offset.
#include "verify_fixture.hpp"

#include "trimcheck/model/list_format.hpp"
#include "trimcheck/verify/input_error.hpp"

#include <gtest/gtest.h>

namespace trimcheck::test {
namespace {

using model::HashAlgo;
using model::TemplateKind;

verify::SyntheticLog every_template_log(std::size_t records) {
  verify::SyntheticLogSpec spec;
  spec.records = records;
  spec.templates = {TemplateKind::ima_ng, TemplateKind::ima_sig, TemplateKind::ima_buf,
                    TemplateKind::ima};
  spec.violation_every = 7;
  return verify::make_synthetic_log(spec);
}

std::string input_error(const std::function<void()> &run) {
  try {
    run();
  } catch (const verify::InputError &error) {
    return error.what();
  }
  return "";
}

TEST(VerifyStream, RecordViewsAreTheModelsParse) {
  const auto log = every_template_log(60);
  for (HashAlgo bank : {HashAlgo::sha1, HashAlgo::sha256, HashAlgo::sha512}) {
    const model::Bytes bytes = log.list_bytes(bank);
    const auto entries = model::parse_binary(bytes, model::digest_size(bank));
    const auto piece = verify::parse_piece("l", bytes, bank);
    ASSERT_EQ(piece.records(), entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const model::EntryView view = piece.view(i);
      const model::EntryView checked =
          model::parse_binary_entry(piece.bytes, piece.offsets[i], i, model::digest_size(bank));
      EXPECT_EQ(view.bytes.data(), checked.bytes.data());
      EXPECT_EQ(view.bytes.size(), checked.bytes.size());
      EXPECT_EQ(view.to_entry(), entries[i]) << i;
      EXPECT_EQ(verify::record_offset(piece, i), piece.offsets[i]);
      EXPECT_EQ(verify::is_violation(view), verify::is_violation(entries[i]));
      EXPECT_EQ(verify::record_identity(view), verify::record_identity(entries[i])) << i;
      model::Hasher hasher(HashAlgo::sha256);
      model::template_digest_input(view, [&](auto piece_bytes) { hasher.update(piece_bytes); });
      EXPECT_EQ(hasher.finish(), model::template_digest(entries[i].data, HashAlgo::sha256)) << i;
    }
    EXPECT_EQ(verify::record_offset(piece, entries.size()), bytes.size());
  }
}

TEST(VerifyStream, SameRecordIsEqualIdentityAcrossBanks) {
  const auto log = every_template_log(30);
  const auto sha1 = verify::parse_piece("a", log.list_bytes(HashAlgo::sha1), HashAlgo::sha1);
  const auto sha512 = verify::parse_piece("b", log.list_bytes(HashAlgo::sha512), HashAlgo::sha512);
  for (std::size_t i = 0; i < 30; ++i)
    for (std::size_t j = 0; j < 30; ++j)
      EXPECT_EQ(verify::same_record(sha1.view(i), sha512.view(j)),
                verify::record_identity(sha1.view(i)) == verify::record_identity(sha512.view(j)))
          << i << " " << j;
}

// Records of equal size, an even number: the middle of the file is a record boundary.
TEST(VerifyStream, ParallelParseSplitExactlyAtARecordEdge) {
  std::vector<model::ListEntry> entries;
  for (std::size_t i = 0; i < 20000; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "/f%06zu", i);
    model::ListEntry entry{
        10, {}, model::make_ima_ng(HashAlgo::sha256, model::Digest(32, 3), name)};
    entry.template_digest = model::template_digest(entry.data, HashAlgo::sha256);
    entries.push_back(std::move(entry));
  }
  const model::Bytes bytes = model::to_binary(entries);
  const auto sequential = verify::parse_piece("l", bytes, HashAlgo::sha256, 1);
  EXPECT_EQ(sequential.offsets.at(10000), bytes.size() / 2);
  for (unsigned threads : {2u, 4u})
    EXPECT_EQ(verify::parse_piece("l", bytes, HashAlgo::sha256, threads).offsets,
              sequential.offsets);
}

// A record whose data looks like a record start right after the nominal split point: the
// part before that false start does not end there, so the parse falls back to one part.
TEST(VerifyStream, ParallelParseSplitInsideARecordThatLooksLikeAStart) {
  verify::SyntheticLogSpec spec;
  spec.records = 12000;
  const auto log = verify::make_synthetic_log(spec);
  const auto entries = model::parse_binary(log.list_bytes(HashAlgo::sha256), 32);
  // An ima-buf record whose buffer is zeros, then a record header (PCR 10, digest, ima-ng).
  model::Bytes buffer(4000, 0);
  model::append_binary(buffer, {10, model::Digest(32, 0x11),
                                model::make_ima_ng(HashAlgo::sha256, model::Digest(32, 2), "/f")});
  model::ListEntry carrier{10, {}, model::make_ima_buf(HashAlgo::sha256, "carrier", buffer)};
  carrier.template_digest = model::template_digest(carrier.data, HashAlgo::sha256);
  for (std::size_t at = 5900; at < 6100; ++at) {
    std::vector<model::ListEntry> with = entries;
    with.insert(with.begin() + static_cast<std::ptrdiff_t>(at), carrier);
    const model::Bytes bytes = model::to_binary(with);
    const std::size_t start = model::to_binary(std::span(with).first(at)).size();
    const std::size_t fake =
        start + model::to_binary(std::span(with).subspan(at, 1)).size() - (buffer.size() - 4000);
    if (bytes.size() / 2 <= start + 100 || bytes.size() / 2 >= fake)
      continue; // the nominal split is not in the zeros before the false start
    const auto sequential = verify::parse_piece("l", bytes, HashAlgo::sha256, 1);
    EXPECT_EQ(sequential.records(), 12001u);
    EXPECT_EQ(verify::parse_piece("l", bytes, HashAlgo::sha256, 2).offsets, sequential.offsets);
    return;
  }
  FAIL() << "no placement puts the nominal split inside the carrier";
}

TEST(VerifyStream, MalformedRecordAfterManyGoodOnesNamesItsIndexAndOffset) {
  verify::SyntheticLogSpec spec;
  spec.records = 30000;
  const auto log = verify::make_synthetic_log(spec);
  model::Bytes bytes = log.list_bytes(HashAlgo::sha1);
  const auto good = verify::parse_piece("l", bytes, HashAlgo::sha1);
  const std::size_t bad = 27345, at = good.offsets[bad];
  bytes[at + 4 + 20] = 0x00; // template name length 0x7f00 (32512)
  bytes[at + 4 + 20 + 1] = 0x7f;
  std::string model_error;
  try {
    model::parse_binary(bytes, 20);
  } catch (const model::ListParseError &error) {
    model_error = error.what();
  }
  // The byte after the length word, as for every malformed length.
  EXPECT_EQ(model_error, "record " + std::to_string(bad) + " (starting at byte " +
                             std::to_string(at) + "), byte " + std::to_string(at + 28) +
                             ": absurd template name length 32512 (1..255)");
  for (unsigned threads : {1u, 2u})
    EXPECT_EQ(input_error([&] { verify::parse_piece("l", bytes, HashAlgo::sha1, threads); }),
              "l: sha1 list, " + model_error)
        << threads;
}

// A digest mismatch and a PCR mismatch far past the ring of batches, across pieces of
// several banks: the same report (record, file, offset, message) for 1 and 2 threads.
TEST(VerifyStream, ResultsDoNotDependOnThreadsBatchesOrTheRing) {
  const auto log = every_template_log(41000);
  const auto pcrs = log.pcrs_after(41000);
  const std::vector<std::pair<std::size_t, std::size_t>> cuts = {
      {0, 2047}, {2047, 2049}, {2049, 20000}, {20000, 41000}};
  const HashAlgo banks[] = {HashAlgo::sha1, HashAlgo::sha256, HashAlgo::sha512, HashAlgo::sha384};
  auto make = [&](std::size_t tamper_record) {
    std::vector<verify::LogPiece> pieces;
    for (std::size_t i = 0; i < cuts.size(); ++i) {
      model::Bytes bytes = log.list_bytes(banks[i], cuts[i].first, cuts[i].second);
      if (tamper_record >= cuts[i].first && tamper_record < cuts[i].second) {
        const auto parsed = verify::parse_piece("x", bytes, banks[i]);
        const std::size_t index = tamper_record - cuts[i].first;
        const auto name = parsed.view(index).fields[1];
        EXPECT_FALSE(verify::is_violation(parsed.view(index)));
        bytes[static_cast<std::size_t>(name.data() - parsed.bytes.data())] ^= 0x20;
      }
      pieces.push_back(piece("piece" + std::to_string(i), bytes, banks[i]));
    }
    return pieces;
  };
  for (std::size_t tamper : {std::size_t{2048}, std::size_t{38000}, std::size_t{99999}}) {
    std::vector<std::string> messages;
    for (unsigned threads : {1u, 2u}) {
      auto req = request(make(tamper), pcrs);
      req.threads = threads;
      const auto report = verify::verify(req);
      messages.push_back(report.verified ? "verified" : report.failure->message);
      if (tamper == 99999) {
        EXPECT_TRUE(report.verified) << report.failure->message;
        EXPECT_EQ(report.records_total, 41000u);
      } else {
        ASSERT_FALSE(report.verified);
        ASSERT_TRUE(report.failure->record);
        EXPECT_EQ(report.failure->record->index, tamper) << report.failure->message;
      }
    }
    EXPECT_EQ(messages[0], messages[1]);
  }
  // Evidence of one record fewer: a PCR mismatch after the last record that extended it.
  std::vector<std::string> messages;
  for (unsigned threads : {1u, 2u}) {
    auto req = request(make(99999), log.pcrs_after(40999));
    req.threads = threads;
    const auto report = verify::verify(req);
    ASSERT_FALSE(report.verified);
    EXPECT_EQ(report.failure->kind, verify::FailureKind::pcr_mismatch);
    messages.push_back(report.failure->message);
  }
  EXPECT_EQ(messages[0], messages[1]);
}

} // namespace
} // namespace trimcheck::test
