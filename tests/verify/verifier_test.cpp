// The verifier on genuine split logs (real-kernel captures and synthetic logs in all four
// templates with violations and padded banks) and on each kind of tampering, table-driven:
// every case names the failure kind and the record it must be reported at.
#include "verify_fixture.hpp"

#include "trimcheck/verify/input_error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

namespace trimcheck::test {
namespace {

using model::HashAlgo;
using model::TemplateKind;
using verify::FailureKind;
using verify::LogPiece;

// -- real kernels -------------------------------------------------------------------------

TEST(VerifyRealKernel, EveryReplayableSnapshotVerifiesAgainstItsPcrs) {
  for (const auto &[capture, snapshot] : replayable_snapshots()) {
    const auto path = capture_list(capture, snapshot);
    auto request = verify::VerifyRequest{};
    request.pieces.push_back(verify::parse_piece(path.string(), read_bytes(path)));
    request.evidence = capture_pcrs(capture, snapshot);
    const auto report = verify::verify(request);
    EXPECT_TRUE(report.verified) << capture << "/" << snapshot << ": "
                                 << (report.failure ? report.failure->message : "");
    EXPECT_EQ(report.banks.size(), 4u);
    // Debian 6.1 has no sha384/sha512 hash in the kernel: padded SHA-1 in those banks.
    const bool debian = capture == "debian-6.1-kexec";
    for (const auto &bank : report.banks)
      EXPECT_EQ(bank.padded,
                debian && (bank.bank == HashAlgo::sha384 || bank.bank == HashAlgo::sha512))
          << capture << " " << model::hash_name(bank.bank);
  }
}

// The lists that were not carried across kexec do not replay: the verifier says so.
TEST(VerifyRealKernel, ListsLostAcrossKexecDoNotVerify) {
  for (const std::string capture : {"linux-6.12-kexec-overflow", "debian-6.1-kexec"}) {
    const auto path = capture_list(capture, "2-boot");
    auto request = verify::VerifyRequest{};
    request.pieces.push_back(verify::parse_piece(path.string(), read_bytes(path)));
    request.evidence = capture_pcrs(capture, "2-boot");
    const auto report = verify::verify(request);
    ASSERT_FALSE(report.verified) << capture;
    EXPECT_EQ(report.failure->kind, FailureKind::pcr_mismatch) << report.failure->message;
  }
}

// 1-prekexec cut at every position into a chunk saved from the sha1 file and the rest
// of the sha256 file verifies, and so does a three-way split.
TEST(VerifyRealKernel, EverySplitOfARealListVerifies) {
  const std::string capture = "linux-6.12-kexec", snapshot = "1-prekexec";
  const auto dir = capture_dir(capture, snapshot);
  const auto sha1 = read_bytes(dir / "binary_runtime_measurements_sha1");
  const auto sha256 = read_bytes(dir / "binary_runtime_measurements_sha256");
  const std::size_t count = model::parse_binary(sha1, 20).size();
  for (std::size_t cut = 0; cut <= count; ++cut) {
    auto req = request(
        {piece("chunk-sha1", slice_list(sha1, HashAlgo::sha1, 0, cut), HashAlgo::sha1),
         piece("list-sha256", slice_list(sha256, HashAlgo::sha256, cut, count), HashAlgo::sha256)},
        capture_pcrs(capture, snapshot));
    const auto report = verify::verify(req);
    EXPECT_TRUE(report.verified) << "cut " << cut << ": "
                                 << (report.failure ? report.failure->message : "");
    EXPECT_EQ(report.records_total, count);
  }
}

// Incremental: verify 1-after (8 records), keep the checkpoint, trim those records, and
// verify only the rest of 1-prekexec against its PCRs; also when the list still repeats
// some records the checkpoint covers.
TEST(VerifyRealKernel, CheckpointOfAnEarlierSnapshotVerifiesTheRestIncrementally) {
  const std::string capture = "linux-6.12-kexec";
  auto first =
      request({piece("after", read_bytes(capture_list(capture, "1-after")), HashAlgo::sha256)},
              capture_pcrs(capture, "1-after"));
  const auto earlier = verify::verify(first);
  ASSERT_TRUE(earlier.verified);
  EXPECT_EQ(earlier.checkpoint.records, 8u);
  const auto later = read_bytes(capture_list(capture, "1-prekexec"));
  for (std::size_t start : {8, 5, 1}) {
    auto req = request({piece("prekexec-trimmed", slice_list(later, HashAlgo::sha256, start, 99),
                              HashAlgo::sha256)},
                       capture_pcrs(capture, "1-prekexec"));
    req.checkpoint = earlier.checkpoint;
    const auto report = verify::verify(req);
    EXPECT_TRUE(report.verified) << start << ": "
                                 << (report.failure ? report.failure->message : "");
    EXPECT_EQ(report.skipped, 8 - start);
    EXPECT_EQ(report.first_record, 8u);
    EXPECT_EQ(report.records_total, 23u);
  }
}

// -- synthetic logs: all four templates, violations, padded banks ---------------------------

verify::SyntheticLog test_log(bool padded) {
  verify::SyntheticLogSpec spec;
  spec.records = 40;
  spec.templates = {TemplateKind::ima_ng, TemplateKind::ima_sig, TemplateKind::ima_buf,
                    TemplateKind::ima};
  spec.violation_every = 7;
  if (padded)
    spec.layout.tpm_banks[2].kernel_hash = false;
  return verify::make_synthetic_log(spec);
}

// The genuine split: chunk A = [0, 15) from the sha1 file, chunk B = [15, 30) from the
// sha256 file, the list = [30, 40) from the sha512 file.
struct Split {
  model::Bytes a, b, list;
};

Split genuine_split(const verify::SyntheticLog &log) {
  return {log.list_bytes(HashAlgo::sha1, 0, 15), log.list_bytes(HashAlgo::sha256, 15, 30),
          log.list_bytes(HashAlgo::sha512, 30, 40)};
}

verify::VerifyRequest split_request(const Split &split, verify::PcrValues pcrs) {
  std::vector<LogPiece> pieces;
  if (!split.a.empty())
    pieces.push_back(piece("chunk-a", split.a, HashAlgo::sha1));
  pieces.push_back(piece("chunk-b", split.b, HashAlgo::sha256));
  pieces.push_back(piece("list", split.list, HashAlgo::sha512));
  return request(std::move(pieces), std::move(pcrs));
}

// Flips one byte of record `index` of a list, `from_end` bytes before the record's end.
void flip_in_record(model::Bytes &list, HashAlgo bank, std::size_t index, std::size_t from_end) {
  const auto entries = model::parse_binary(list, model::digest_size(bank));
  model::Bytes prefix;
  for (std::size_t i = 0; i <= index; ++i)
    model::append_binary(prefix, entries[i]);
  list.at(prefix.size() - from_end) ^= 0x20;
}

TEST(VerifySynthetic, GenuineSplitLogsVerifyInEveryTemplateWithViolationsAndPaddedBanks) {
  for (bool padded : {false, true}) {
    const auto log = test_log(padded);
    const auto report = verify::verify(split_request(genuine_split(log), log.pcrs_after(40)));
    ASSERT_TRUE(report.verified) << report.failure->message;
    EXPECT_EQ(report.records_total, 40u);
    EXPECT_EQ(report.banks.at(2).padded, padded);
    EXPECT_EQ(report.violations, static_cast<std::size_t>(std::count_if(
                                     log.records.begin(), log.records.end(),
                                     [](const model::Record &r) { return r.violation; })));
    EXPECT_GT(report.violations, 0u);
  }
}

struct TamperCase {
  std::string name;
  std::function<void(Split &, verify::PcrValues &)> tamper;
  FailureKind kind;
  std::optional<std::uint64_t> record; // absolute index of the record the failure names
  std::string piece;                   // the file it names
  std::string says;                    // part of the message
};

const std::vector<TamperCase> &tamper_cases() {
  static const std::vector<TamperCase> cases = {
      {"event name altered in chunk b",
       [](Split &s, verify::PcrValues &) { flip_in_record(s.b, HashAlgo::sha256, 5, 5); },
       FailureKind::digest_mismatch, 20, "chunk-b", "does not match its template data"},
      {"template digest altered in the list",
       [](Split &s, verify::PcrValues &) {
         const auto entries = model::parse_binary(s.list, 64);
         model::Bytes prefix;
         for (std::size_t i = 0; i < 3; ++i)
           model::append_binary(prefix, entries[i]);
         s.list.at(prefix.size() + 4 + 10) ^= 1; // inside record 33's digest
       },
       FailureKind::digest_mismatch, 33, "list", "sha512 template digest"},
      {"first chunk missing", [](Split &s, verify::PcrValues &) { s.a.clear(); }, FailureKind::gap,
       0, "chunk-b", "does not start at boot"},
      {"two records missing between the chunks",
       [](Split &s, verify::PcrValues &) { s.b = slice_list(s.b, HashAlgo::sha256, 2, 99); },
       FailureKind::pcr_mismatch, std::nullopt, "list", "PCR mismatch after"},
      {"chunk b repeats the end of chunk a",
       [](Split &s, verify::PcrValues &) {
         model::Bytes repeated = slice_list(s.a, HashAlgo::sha1, 12, 15);
         auto as_sha256 = model::parse_binary(repeated, 20);
         model::Bytes b;
         for (auto &entry : as_sha256) {
           entry.template_digest = verify::is_violation(entry)
                                       ? model::Digest(32, 0)
                                       : model::template_digest(entry.data, HashAlgo::sha256);
           model::append_binary(b, entry);
         }
         b.insert(b.end(), s.b.begin(), s.b.end());
         s.b = b;
       },
       FailureKind::overlap, 15, "chunk-b", "without the repeated records the log verifies"},
      {"two records of the list swapped",
       [](Split &s, verify::PcrValues &) {
         auto entries = model::parse_binary(s.list, 64);
         std::swap(entries[1], entries[2]);
         s.list = model::to_binary(entries);
       },
       FailureKind::pcr_mismatch, 39, "list", "PCR 10"},
      {"a record shown as a violation",
       [](Split &s, verify::PcrValues &) {
         auto entries = model::parse_binary(s.list, 64);
         entries[4].template_digest.assign(64, 0);
         s.list = model::to_binary(entries);
       },
       FailureKind::pcr_mismatch, 39, "list", "PCR 10"},
      {"a record appended",
       [](Split &s, verify::PcrValues &) {
         auto more = slice_list(s.list, HashAlgo::sha512, 2, 3);
         s.list.insert(s.list.end(), more.begin(), more.end());
       },
       FailureKind::pcr_mismatch, 40, "list", "PCR 10"},
      {"PCR 10 of sha256 from another boot",
       [](Split &, verify::PcrValues &pcrs) { pcrs.banks[HashAlgo::sha256][10][0] ^= 1; },
       FailureKind::pcr_mismatch, 39, "list", "PCR 10 of sha256"},
  };
  return cases;
}

TEST(VerifySynthetic, EveryTamperingIsRejectedWithItsReason) {
  const auto log = test_log(false);
  for (const TamperCase &tamper : tamper_cases()) {
    Split split = genuine_split(log);
    verify::PcrValues pcrs = log.pcrs_after(40);
    tamper.tamper(split, pcrs);
    const auto report = verify::verify(split_request(split, pcrs));
    ASSERT_FALSE(report.verified) << tamper.name;
    const verify::Failure &failure = *report.failure;
    EXPECT_EQ(failure.kind, tamper.kind) << tamper.name << ": " << failure.message;
    EXPECT_NE(failure.message.find(tamper.says), std::string::npos)
        << tamper.name << ": " << failure.message;
    ASSERT_TRUE(failure.record.has_value()) << tamper.name;
    if (tamper.record) {
      EXPECT_EQ(failure.record->index, *tamper.record) << tamper.name << ": " << failure.message;
    }
    EXPECT_EQ(failure.record->piece, tamper.piece) << tamper.name;
  }
}

// -- checkpoints --------------------------------------------------------------------------

struct CheckpointCase {
  std::string name;
  std::size_t first; // the pieces start at this record
  bool verified;
  std::size_t skipped;
};

TEST(VerifySynthetic, CheckpointStartsWhereThePreviousRunEnded) {
  const auto log = test_log(true);
  auto initial =
      request({piece("first", log.list_bytes(HashAlgo::sha256, 0, 20), HashAlgo::sha256)},
              log.pcrs_after(20));
  const auto first = verify::verify(initial);
  ASSERT_TRUE(first.verified);
  const verify::Checkpoint checkpoint =
      verify::parse_checkpoint("cp", model::to_bytes(verify::checkpoint_json(first.checkpoint)));
  EXPECT_EQ(checkpoint, first.checkpoint);
  for (const CheckpointCase &c : std::vector<CheckpointCase>{{"continues", 20, true, 0},
                                                             {"repeats five", 15, true, 5},
                                                             {"repeats all", 0, true, 20},
                                                             {"misses two", 22, false, 0}}) {
    auto req = request({piece("rest", log.list_bytes(HashAlgo::sha1, c.first, 30), HashAlgo::sha1),
                        piece("list", log.list_bytes(HashAlgo::sha256, 30, 40), HashAlgo::sha256)},
                       log.pcrs_after(40));
    req.checkpoint = checkpoint;
    const auto report = verify::verify(req);
    EXPECT_EQ(report.verified, c.verified)
        << c.name << ": " << (report.failure ? report.failure->message : "");
    if (report.verified) {
      EXPECT_EQ(report.skipped, c.skipped) << c.name;
      EXPECT_EQ(report.checkpoint.records, 40u) << c.name;
      EXPECT_EQ(report.checkpoint.pcrs.banks.at(HashAlgo::sha384).at(10),
                log.pcrs_after(40).banks.at(HashAlgo::sha384).at(10));
    } else {
      EXPECT_EQ(report.failure->kind, FailureKind::pcr_mismatch) << c.name;
    }
  }
  // A checkpoint whose values were altered does not verify the continuation.
  verify::Checkpoint forged = checkpoint;
  forged.pcrs.banks[HashAlgo::sha1][10][3] ^= 1;
  auto req = request({piece("rest", log.list_bytes(HashAlgo::sha1, 20, 40), HashAlgo::sha1)},
                     log.pcrs_after(40));
  req.checkpoint = forged;
  EXPECT_FALSE(verify::verify(req).verified);
}

// -- bad input ----------------------------------------------------------------------------

// A quote message: TPM_GENERATED_VALUE, TPM_ST_ATTEST_QUOTE, then `rest`.
model::Bytes attest_prefix(const model::Bytes &rest) {
  model::Bytes out{0xff, 0x54, 0x43, 0x47, 0x80, 0x18};
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

// A quote message up to its firmware version (empty names, zero clock): the PCR
// selection (`rest`) starts at byte 35.
model::Bytes attest_after_firmware(const model::Bytes &rest) {
  model::Bytes out = attest_prefix(model::Bytes(2 + 2 + 17 + 8, 0));
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

TEST(VerifyBadInput, EachMalformedInputIsOneMessageNamingFileAndPlace) {
  const auto log = test_log(false);
  const model::Bytes list = log.list_bytes(HashAlgo::sha256);
  struct Case {
    std::string name;
    std::function<void()> run;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"truncated list",
       [&] {
         verify::parse_piece("cut.bin", std::span(list).first(list.size() - 3), HashAlgo::sha256);
       },
       "cut.bin: sha256 list, record 39"},
      {"not a list",
       [&] { verify::parse_piece("noise.bin", model::to_bytes("hello, world, not a list")); },
       "noise.bin: not a binary measurement list"},
      {"bad JSON", [&] { verify::parse_pcr_values("p.json", model::to_bytes("{\"pcrs\": {")); },
       "p.json: byte"},
      {"JSON number out of range (fuzzer finding)",
       [&] { verify::parse_pcr_values("p.json", model::to_bytes("{\"sha1\": 1e999}")); },
       "p.json: not valid JSON"},
      {"short digest",
       [&] {
         verify::parse_pcr_values("p.json", model::to_bytes("{\"sha1\": {\"10\": \"00ff\"}}"));
       },
       "p.json: JSON key 'sha1'.'10': PCR 10 of sha1 is not 20 bytes"},
      {"yaml PCR out of range",
       [&] { verify::parse_pcr_values("p.yaml", model::to_bytes("sha1:\n  24: 0x00\n")); },
       "p.yaml: line 2: PCR 24 out of range"},
      {"checkpoint without records",
       [&] {
         verify::parse_checkpoint("c.json",
                                  model::to_bytes("{\"format\": \"trimcheck-checkpoint-1\"}"));
       },
       "c.json: checkpoint: missing key 'records'"},
      {"checkpoint records beyond any kernel (was taken and wrapped)",
       [&] {
         verify::parse_checkpoint("c.json",
                                  model::to_bytes("{\"format\": \"trimcheck-checkpoint-1\", "
                                                  "\"records\": 18446744073709551615}"));
       },
       "c.json: checkpoint: 'records' 18446744073709551615 is out of range (at most 2^40)"},
      {"bank not in the evidence",
       [&] {
         verify::PcrValues only_sha1;
         only_sha1.banks[HashAlgo::sha1] = log.pcrs_after(40).banks.at(HashAlgo::sha1);
         auto req = request({piece("l", list, HashAlgo::sha256)}, only_sha1);
         req.banks = {HashAlgo::sha256};
         verify::verify(req);
       },
       "--pcrs: has no values for bank sha256"},
      {"nothing to verify", [&] { verify::verify(request({}, log.pcrs_after(0))); },
       "no records to verify"},
      {"quote message truncated",
       [&] {
         verify::parse_attest("q.msg", model::Bytes{0xff, 0x54, 0x43, 0x47, 0x80});
       },
       "q.msg: byte 4: type needs 2 bytes, 1 remain"},
      {"quote signer name longer than a TPM2B_NAME",
       [&] {
         verify::parse_attest("q.msg", attest_prefix({0x01, 0x00}));
       },
       "q.msg: byte 6: qualifiedSigner of 256 bytes exceeds"},
      {"quote PCR selection of 17 banks",
       [&] {
         verify::parse_attest("q.msg", attest_after_firmware({0x00, 0x00, 0x00, 0x11}));
       },
       "q.msg: byte 35: the PCR selection (TPML_PCR_SELECTION, at most 16 banks of at most 4 "
       "select bytes) has a size or count beyond"},
      {"quote PCR selection of 5 select bytes",
       [&] {
         verify::parse_attest("q.msg", attest_after_firmware({0, 0, 0, 1, 0x00, 0x0b, 0x05, 0xff,
                                                              0xff, 0xff, 0xff, 0xff}));
       },
       "q.msg: byte 35: the PCR selection"},
      {"quote PCR selection of an unknown bank",
       [&] {
         verify::parse_attest("q.msg",
                              attest_after_firmware({0, 0, 0, 2, 0x00, 0x0b, 0x03, 0, 4, 0, 0x00,
                                                     0x99, 0x03, 0, 4, 0, 0x00, 0x00}));
       },
       "q.msg: byte 45: TPMS_PCR_SELECTION hash: unknown hash algorithm 153"},
      {"quote with bytes after it",
       [&] {
         verify::parse_attest("q.msg", attest_after_firmware({0, 0, 0, 0, 0, 0, 0xab}));
       },
       "q.msg: byte 41: 1 byte after the TPMS_ATTEST"},
      {"quote clock info cut short",
       [&] {
         verify::parse_attest("q.msg", attest_prefix({0, 0, 0, 0, 0, 0, 0, 1}));
       },
       "q.msg: byte 10: clockInfo (17 bytes) runs past the end of the file (4 bytes remain)"},
      {"ECDSA signature cut in its s",
       [&] {
         verify::parse_signature(
             "q.sig", model::Bytes{0x00, 0x18, 0x00, 0x0b, 0x00, 0x01, 0xaa, 0x00, 0x02, 0xbb});
       },
       "q.sig: byte 2: the ECDSA signature (hash, r, s) runs past the end"},
      {"signature of an unknown hash",
       [&] {
         verify::parse_signature("q.sig", model::Bytes{0x00, 0x14, 0x00, 0x99, 0x00, 0x01, 0xaa});
       },
       "q.sig: byte 2: signature hash: unknown hash algorithm 153"},
      {"signature of an unknown scheme",
       [&] {
         verify::parse_signature("q.sig", model::Bytes{0x00, 0x01, 0x00, 0x0b});
       },
       "q.sig: byte 0: signature algorithm 1"},
      {"AK not PEM", [&] { verify::PublicKey::from_pem("ak.pem", "-----BEGIN NOTHING-----"); },
       "ak.pem: not a PEM public key"},
  };
  for (const Case &c : cases) {
    try {
      c.run();
      ADD_FAILURE() << c.name << ": accepted";
    } catch (const verify::InputError &error) {
      EXPECT_NE(std::string(error.what()).find(c.says), std::string::npos)
          << c.name << ": " << error.what();
    }
  }
}

TEST(VerifyBadInput, BankIsDetectedFromContentWhenTheFileNameDoesNotSayIt) {
  const auto log = test_log(false);
  for (HashAlgo bank : {HashAlgo::sha1, HashAlgo::sha256, HashAlgo::sha384, HashAlgo::sha512}) {
    const auto parsed = verify::parse_piece("saved.bin", log.list_bytes(bank));
    EXPECT_EQ(parsed.bank, bank);
    EXPECT_EQ(parsed.records(), 40u);
  }
  EXPECT_EQ(verify::bank_from_file_name("/x/binary_runtime_measurements_sha384"), HashAlgo::sha384);
  EXPECT_EQ(verify::bank_from_file_name("binary_runtime_measurements"), HashAlgo::sha1);
}

} // namespace
} // namespace trimcheck::test

namespace trimcheck::test {
namespace {

// Parsing a large file in parts on threads gives exactly the sequential parse, and a
// malformed large file exactly the sequential error.
TEST(VerifyParallelParse, PartsGiveTheSequentialParseAndError) {
  verify::SyntheticLogSpec spec;
  spec.records = 12000;
  spec.templates = {TemplateKind::ima_ng, TemplateKind::ima_sig, TemplateKind::ima};
  spec.violation_every = 13;
  const auto log = verify::make_synthetic_log(spec);
  const model::Bytes bytes = log.list_bytes(HashAlgo::sha256);
  ASSERT_GT(bytes.size(), std::size_t{1} << 20);
  const auto sequential = verify::parse_piece("l", bytes, HashAlgo::sha256, 1);
  for (unsigned threads : {2u, 3u, 5u}) {
    const auto parallel = verify::parse_piece("l", bytes, HashAlgo::sha256, threads);
    EXPECT_EQ(parallel.offsets, sequential.offsets) << threads;
  }
  model::Bytes broken = bytes;
  broken[broken.size() / 2] ^= 0xff;
  broken[broken.size() / 2 + 1] ^= 0xff;
  std::string sequential_error, parallel_error;
  try {
    verify::parse_piece("l", broken, HashAlgo::sha256, 1);
  } catch (const verify::InputError &error) {
    sequential_error = error.what();
  }
  try {
    verify::parse_piece("l", broken, HashAlgo::sha256, 2);
  } catch (const verify::InputError &error) {
    parallel_error = error.what();
  }
  EXPECT_EQ(parallel_error, sequential_error);
}

} // namespace
} // namespace trimcheck::test

namespace trimcheck::test {
namespace {

// Records of a policy rule with pcr=11 are replayed into PCR 11; the evidence must have it.
TEST(VerifySynthetic, EveryPcrTheLogExtendsIsCompared) {
  auto log = test_log(false);
  for (std::size_t i = 5; i < log.records.size(); i += 5)
    log.records[i].pcr = 11;
  const auto list = log.list_bytes(HashAlgo::sha256);
  const auto report =
      verify::verify(request({piece("l", list, HashAlgo::sha256)}, log.pcrs_after(40)));
  ASSERT_TRUE(report.verified) << report.failure->message;
  EXPECT_EQ(report.pcrs, (std::vector<unsigned>{10, 11}));
  auto wrong = log.pcrs_after(40);
  wrong.banks[HashAlgo::sha1][11][0] ^= 1;
  const auto failed = verify::verify(request({piece("l", list, HashAlgo::sha256)}, wrong));
  ASSERT_FALSE(failed.verified);
  EXPECT_NE(failed.failure->message.find("PCR 11 of sha1"), std::string::npos);
  EXPECT_EQ(failed.failure->record->index, 35u); // the last record extending PCR 11
  auto missing = log.pcrs_after(40);
  missing.banks[HashAlgo::sha1].erase(11);
  EXPECT_THROW(verify::verify(request({piece("l", list, HashAlgo::sha256)}, missing)),
               verify::InputError);
}

} // namespace
} // namespace trimcheck::test
