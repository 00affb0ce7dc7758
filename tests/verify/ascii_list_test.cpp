// The ascii lists (ascii_runtime_measurements[_<alg>], verify/src/ascii_piece.cpp): every
// real capture verifies from its ascii files as from its binary ones, in every bank; an
// ascii chunk and a binary list verify together; an edit of a line is reported at that
// line; and a file that is neither form says which form it is not.
#include "verify_fixture.hpp"

#include "trimcheck/model/list_format.hpp"
#include "trimcheck/verify/input_error.hpp"

#include <gtest/gtest.h>

namespace trimcheck::test {
namespace {

using model::HashAlgo;

// Snapshots whose lists replay to their PCRs (verifier_test.cpp has the same list).
const Snapshot kSnapshots[] = {
    {"linux-6.12-kexec", "1-boot"},     {"linux-6.12-kexec", "1-after"},
    {"linux-6.12-kexec", "1-prekexec"}, {"linux-6.12-kexec-overflow", "1-after"},
    {"debian-6.1-kexec", "1-after"},    {"debian-6.1-kexec", "1-prekexec"},
};

std::vector<std::filesystem::path> ascii_files(const Snapshot &snapshot) {
  std::vector<std::filesystem::path> files;
  for (const auto &entry :
       std::filesystem::directory_iterator(capture_dir(snapshot.capture, snapshot.snapshot)))
    if (entry.path().filename().string().rfind("ascii_runtime_measurements", 0) == 0)
      files.push_back(entry.path());
  return files;
}

TEST(VerifyAscii, EveryRealAsciiListVerifiesAsItsBinaryListDoes) {
  std::size_t files = 0;
  for (const Snapshot &snapshot : kSnapshots) {
    for (const auto &path : ascii_files(snapshot)) {
      ++files;
      const auto piece = verify::parse_piece(path.string(), read_bytes(path));
      EXPECT_TRUE(verify::looks_like_ascii_list(read_bytes(path))) << path;
      ASSERT_FALSE(piece.lines.empty()) << path;
      // The same records, through the same bank, as the binary file of that name.
      std::string binary_name = path.filename().string();
      binary_name.replace(0, 5, "binary");
      const auto binary_path = path.parent_path() / binary_name;
      if (std::filesystem::exists(binary_path)) {
        const auto binary = verify::parse_piece(binary_path.string(), read_bytes(binary_path));
        EXPECT_EQ(piece.bank, binary.bank) << path;
        ASSERT_EQ(piece.records(), binary.records()) << path;
        for (std::size_t i = 0; i < piece.records(); ++i)
          EXPECT_EQ(piece.entry(i), binary.entry(i)) << path << " record " << i;
      }
      auto request = verify::VerifyRequest{};
      request.pieces.push_back(piece);
      request.evidence = capture_pcrs(snapshot.capture, snapshot.snapshot);
      const auto report = verify::verify(request);
      EXPECT_TRUE(report.verified)
          << path << ": " << (report.failure ? report.failure->message : "");
    }
  }
  EXPECT_GE(files, 20u); // five files (sha1 twice) per snapshot
}

TEST(VerifyAscii, AnAsciiChunkAndABinaryListVerifyTogether) {
  verify::SyntheticLogSpec spec;
  spec.records = 30;
  spec.templates = {model::TemplateKind::ima_ng, model::TemplateKind::ima_sig,
                    model::TemplateKind::ima_buf, model::TemplateKind::ima};
  spec.violation_every = 7;
  const auto log = verify::make_synthetic_log(spec);
  const auto first = model::parse_binary(log.list_bytes(HashAlgo::sha256, 0, 12), 32);
  const std::string ascii = model::to_ascii(first);
  const auto chunk =
      verify::parse_piece("ascii_runtime_measurements_sha256", model::to_bytes(ascii));
  EXPECT_EQ(chunk.lines.size(), 12u);
  auto request = verify::VerifyRequest{};
  request.pieces = {
      chunk, verify::parse_piece("list", log.list_bytes(HashAlgo::sha1, 12, 30), HashAlgo::sha1)};
  request.evidence = log.pcrs_after(30);
  const auto report = verify::verify(request);
  EXPECT_TRUE(report.verified) << (report.failure ? report.failure->message : "");
  EXPECT_EQ(report.records_total, 30u);
}

TEST(VerifyAscii, AnEditedLineIsReportedAtItsLine) {
  const Snapshot snapshot{"linux-6.12-kexec", "1-after"};
  const auto path = capture_dir(snapshot.capture, snapshot.snapshot) / "ascii_runtime_measurements";
  const model::Bytes bytes = read_bytes(path);
  std::string text(bytes.begin(), bytes.end());
  const std::size_t third = text.find('\n', text.find('\n') + 1) + 1; // line 3
  const std::size_t name = text.find(" /", third) + 1;
  ASSERT_LT(name, text.find('\n', third));
  text.insert(name + 1, "X"); // "/etc/hostname" -> "/Xetc/hostname"
  auto request = verify::VerifyRequest{};
  request.pieces.push_back(verify::parse_piece("edited", model::to_bytes(text)));
  request.evidence = capture_pcrs(snapshot.capture, snapshot.snapshot);
  const auto report = verify::verify(request);
  ASSERT_FALSE(report.verified);
  EXPECT_EQ(report.failure->kind, verify::FailureKind::digest_mismatch);
  ASSERT_TRUE(report.failure->record);
  EXPECT_EQ(report.failure->record->line, 3u);
  EXPECT_NE(report.failure->message.find("line 3"), std::string::npos) << report.failure->message;
}

TEST(VerifyAscii, AMalformedAsciiListNamesItsLine) {
  const std::string text = "10 " + std::string(40, '0') + " ima-ng sha1:" + std::string(40, '0') +
                           " boot_aggregate\n10 12345 ima-ng\n";
  try {
    verify::parse_piece("list.txt", model::to_bytes(text));
    FAIL() << "accepted";
  } catch (const verify::InputError &error) {
    EXPECT_NE(std::string(error.what()).find("ascii list, line 2: the template digest '12345'"),
              std::string::npos)
        << error.what();
  }
}

} // namespace
} // namespace trimcheck::test
