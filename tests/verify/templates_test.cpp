// Every template a kernel can write (issue 20 item 1): besides ima, ima-ng, ima-sig and
// ima-buf, the builtin ima-ngv2, ima-sigv2, ima-modsig and evm-sig, and custom formats
// (ima_template_fmt=, which the list names by the format itself), with template names up
// to 255 bytes. Lists of them round-trip through the binary and ascii forms, verify in
// every bank, fail where a field is edited, and evmctl replays the same lists.
#include "verify_fixture.hpp"

#include "../support/temp_dir.hpp"

#include "trimcheck/model/list_format.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

namespace trimcheck::test {
namespace {

using model::Bytes;
using model::HashAlgo;
using model::TemplateData;
using model::TemplateKind;

Bytes pattern(std::size_t size, std::uint8_t seed) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<std::uint8_t>(seed + 37 * i);
  return bytes;
}

// "<prefix>:\0<digest>", the d-ng, d-modsig and d-ngv2 layout.
Bytes digest_field(const std::string &prefix, HashAlgo algo, std::uint8_t seed) {
  Bytes field = model::to_bytes(prefix + ":");
  field.push_back('\0');
  const Bytes digest = pattern(model::digest_size(algo), seed);
  field.insert(field.end(), digest.begin(), digest.end());
  return field;
}

Bytes little_endian(std::uint64_t value, std::size_t size) {
  Bytes bytes;
  for (std::size_t i = 0; i < size; ++i)
    bytes.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  return bytes;
}

TemplateData custom(const std::string &format, std::vector<Bytes> fields) {
  return {TemplateKind::custom, std::move(fields), format};
}

// One record of every kind of template, as a kernel booted with it writes them.
std::vector<TemplateData> every_template() {
  const Bytes name = model::field_name("/usr/lib/modules/6.12/kernel/fs/ext4.ko");
  const Bytes long_name = model::field_name("/" + std::string(4000, 'p'));
  return {
      model::make_ima_ng(HashAlgo::sha1, pattern(20, 1), "boot_aggregate"),
      // ima-modsig: a module with an appended signature, then a file without one.
      {TemplateKind::ima_modsig,
       {digest_field("sha256", HashAlgo::sha256, 2),
        name,
        {},
        digest_field("sha256", HashAlgo::sha256, 3),
        pattern(420, 4)}},
      {TemplateKind::ima_modsig,
       {digest_field("sha256", HashAlgo::sha256, 5), long_name, {}, {}, {}}},
      {TemplateKind::ima_ngv2, {digest_field("ima:sha256", HashAlgo::sha256, 6), name}},
      {TemplateKind::ima_sigv2,
       {digest_field("verity:sha512", HashAlgo::sha512, 7), name, pattern(264, 8)}},
      {TemplateKind::evm_sig,
       {digest_field("sha256", HashAlgo::sha256, 9), name, pattern(300, 10),
        model::to_bytes("security.ima|security.evm"), little_endian(0x0000004000000108, 8),
        pattern(64 + 264, 11), little_endian(1000, 4), little_endian(100, 4),
        little_endian(0100644, 2)}},
      custom("d-ng|n-ng|iuid|igid|imode",
             {digest_field("sha384", HashAlgo::sha384, 12), name, little_endian(0, 4),
              little_endian(4294967295u, 4), little_endian(0100755, 2)}),
      // The legacy fields in a custom format: hashed with length words (only the template
      // named `ima` hashes its name padded).
      custom("d|n", {pattern(20, 13), name}),
      custom("d-ng|n-ng|sig|d-modsig|modsig|buf|evmsig|xattrnames|xattrlengths|xattrvalues",
             {digest_field("sha256", HashAlgo::sha256, 14),
              name,
              {},
              {},
              {},
              pattern(9, 15),
              {},
              {},
              {},
              {}}),
  };
}

verify::SyntheticLog log_of(const std::vector<TemplateData> &templates,
                            std::size_t violation_at = 4) {
  verify::SyntheticLog log{model::BankLayout::swtpm_default(), {}};
  for (std::size_t i = 0; i < templates.size(); ++i)
    log.records.push_back(model::make_record(log.layout, 10, templates[i], i == violation_at));
  return log;
}

const HashAlgo kBanks[] = {HashAlgo::sha1, HashAlgo::sha256, HashAlgo::sha384, HashAlgo::sha512};

TEST(Templates, EveryTemplateRoundTripsThroughTheBinaryAndAsciiForms) {
  const auto log = log_of(every_template());
  for (HashAlgo bank : kBanks) {
    const Bytes list = log.list_bytes(bank);
    const auto entries = model::parse_binary(list, model::digest_size(bank));
    ASSERT_EQ(entries.size(), log.records.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      EXPECT_EQ(entries[i].data, log.records[i].data) << "record " << i;
      const std::string line = model::ascii_line(entries[i]);
      EXPECT_EQ(model::parse_ascii_line(std::string_view(line).substr(0, line.size() - 1)),
                entries[i])
          << line;
    }
    EXPECT_EQ(model::to_binary(entries), list);
  }
  // What a custom template's name is in the list: its format.
  const Bytes list = log.list_bytes(HashAlgo::sha256);
  const std::string text(list.begin(), list.end());
  EXPECT_NE(text.find("d-ng|n-ng|iuid|igid|imode"), std::string::npos);
  // The ascii form of the fields the kernel prints in its own way.
  const auto entries = model::parse_binary(list, 32);
  EXPECT_NE(model::ascii_line(entries[3]).find(" ima:sha256:"), std::string::npos);
  EXPECT_NE(model::ascii_line(entries[6]).find(" 0 4294967295 33261\n"), std::string::npos);
  EXPECT_NE(model::ascii_line(entries[5]).find(" security.ima|security.evm "), std::string::npos);
}

TEST(Templates, ListsOfEveryTemplateVerifyInEveryBankAndAnEditedFieldFails) {
  const auto log = log_of(every_template());
  for (HashAlgo bank : kBanks) {
    const std::string suffix = "_" + std::string(model::hash_name(bank));
    const Bytes list = log.list_bytes(bank);
    const auto binary =
        verify::verify(request({piece("binary_runtime_measurements" + suffix, list, bank)},
                               log.pcrs_after(log.records.size())));
    EXPECT_TRUE(binary.verified) << (binary.failure ? binary.failure->message : "");
    EXPECT_EQ(binary.violations, 1u);
    const std::string ascii = model::to_ascii(model::parse_binary(list, model::digest_size(bank)));
    const auto ascii_piece =
        verify::parse_piece("ascii_runtime_measurements" + suffix, model::to_bytes(ascii));
    const auto from_ascii =
        verify::verify(request({ascii_piece}, log.pcrs_after(log.records.size())));
    EXPECT_TRUE(from_ascii.verified) << (from_ascii.failure ? from_ascii.failure->message : "");
  }
  // One byte of the appended signature of record 1 changed: its template digest no longer
  // matches, and the failure names that record.
  Bytes list = log.list_bytes(HashAlgo::sha256);
  auto edited = model::parse_binary(list, 32);
  edited[1].data.fields[4][200] ^= 0x01;
  const auto report = verify::verify(request(
      {piece("binary_runtime_measurements_sha256", model::to_binary(edited), HashAlgo::sha256)},
      log.pcrs_after(log.records.size())));
  ASSERT_FALSE(report.verified);
  ASSERT_TRUE(report.failure);
  EXPECT_NE(report.failure->message.find("record 1"), std::string::npos) << report.failure->message;
}

// A list naming a template the kernel does not know: one message naming the field id and
// the record.
TEST(Templates, AnUnknownFieldIdIsAnErrorNamingItAndTheRecord) {
  auto templates = every_template();
  templates[2] = custom("d-ng|n-ng|buf", {digest_field("sha256", HashAlgo::sha256, 1),
                                          model::field_name("/x"), pattern(4, 2)});
  Bytes list = log_of(templates).list_bytes(HashAlgo::sha256);
  const std::string known = "d-ng|n-ng|buf", unknown = "d-ng|n-ng|bux";
  const auto at = std::search(list.begin(), list.end(), known.begin(), known.end());
  ASSERT_NE(at, list.end());
  std::copy(unknown.begin(), unknown.end(), at);
  try {
    model::parse_binary(list, 32);
    FAIL() << "a template with an unknown field id was accepted";
  } catch (const model::ListParseError &error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("unknown field 'bux'"), std::string::npos) << message;
    EXPECT_NE(message.find("record 2"), std::string::npos) << message;
    EXPECT_EQ(error.record_index(), 2u);
  }
  for (const auto &[format, expected] : std::vector<std::pair<std::string, std::string>>{
           {"d-ng||n-ng", "empty field id"},
           {"nonsense", "unknown template 'nonsense'"},
           {"d-ng|n-ng|sig|sig|sig|sig|sig|sig|sig|sig|sig|sig|sig|sig|sig|sig",
            "more than 15 fields"}}) {
    try {
      model::template_named(format);
      FAIL() << format;
    } catch (const std::invalid_argument &error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  }
}

// Template names up to 255 bytes: the longest format of 15 field ids is read; a name
// length of 256 is refused as absurd.
TEST(Templates, NamesOfUpTo255BytesAreRead) {
  std::string format = "d-ng|n-ng";
  std::vector<Bytes> fields{digest_field("sha256", HashAlgo::sha256, 1), model::field_name("/f")};
  while (fields.size() < model::kMaxTemplateFields) {
    format += "|xattrlengths";
    fields.push_back(pattern(fields.size(), 3));
  }
  ASSERT_GT(format.size(), 15u);
  const auto log = log_of({custom(format, fields)}, 99);
  const auto entries = model::parse_binary(log.list_bytes(HashAlgo::sha256), 32);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(model::template_name(entries[0].data), format);
  Bytes absurd = log.list_bytes(HashAlgo::sha256);
  absurd[4 + 32] = 0; // name length 256 (little-endian 00 01 00 00)
  absurd[4 + 32 + 1] = 1;
  EXPECT_THROW(model::parse_binary(absurd, 32), model::ListParseError);
}

// Whether evmctl matched both banks, and exited accordingly.
bool evmctl_matches(const std::filesystem::path &dir, const std::filesystem::path &list,
                    const verify::PcrValues &pcrs) {
  const EvmctlReplay replay = evmctl_replay(dir, list, pcrs);
  EXPECT_EQ(replay.matched, replay.exit_status == 0) << replay.output;
  return replay.matched;
}

TEST(Templates, EvmctlReplaysTheSameListsOfEveryTemplate) {
  const TempDir dir("trimcheck-templates");
  const auto log = log_of(every_template());
  auto entries = model::parse_binary(log.list_bytes(HashAlgo::sha1), 20);
  const auto write_list = [&] {
    const Bytes list = model::to_binary(entries);
    std::ofstream(dir.path() / "list", std::ios::binary)
        << std::string(reinterpret_cast<const char *>(list.data()), list.size());
  };
  write_list();
  EXPECT_TRUE(evmctl_matches(dir.path(), dir.path() / "list", log.pcrs_after(log.records.size())));
  entries[1].data.fields[4][200] ^= 0x01; // the appended signature, template digest kept
  write_list();
  EXPECT_FALSE(evmctl_matches(dir.path(), dir.path() / "list", log.pcrs_after(log.records.size())));
}

// Lists of a real 6.12 kernel booted with each kind of template (tests/data/real-kernel/
// templates/README.md): every bank's binary and ascii file verifies against the TPM's PCRs,
// the two forms show the same records, and evmctl replays the sha1 list to the same PCRs.
const char *const kTemplateCaptures[] = {"ima-modsig",    "ima-sigv2",
                                         "evm-sig",       "fmt-dng-nng-iuid-igid-imode",
                                         "fmt-13-fields", "fmt-d-n"};

TEST(Templates, RealCapturesOfEveryTemplateVerifyInEveryBankFromBothForms) {
  for (const char *capture : kTemplateCaptures) {
    const auto dir = capture_dir("templates", capture);
    const auto pcrs = verify::parse_pcr_values("state.json", read_bytes(dir / "state.json"));
    for (HashAlgo bank : kBanks) {
      const std::string suffix = "_" + std::string(model::hash_name(bank));
      const auto binary =
          verify::parse_piece("binary_runtime_measurements" + suffix,
                              read_bytes(dir / ("binary_runtime_measurements" + suffix)));
      const auto ascii =
          verify::parse_piece("ascii_runtime_measurements" + suffix,
                              read_bytes(dir / ("ascii_runtime_measurements" + suffix)));
      ASSERT_EQ(binary.records(), 6u) << capture;
      ASSERT_EQ(ascii.records(), binary.records()) << capture;
      for (std::size_t i = 0; i < binary.records(); ++i)
        EXPECT_EQ(ascii.entry(i), binary.entry(i)) << capture << suffix << " record " << i;
      for (const auto &piece : {binary, ascii}) {
        const auto report = verify::verify(request({piece}, pcrs));
        EXPECT_TRUE(report.verified) << capture << " " << piece.name << ": "
                                     << (report.failure ? report.failure->message : "");
        EXPECT_EQ(report.violations, 1u) << capture;
      }
    }
  }
}

TEST(Templates, RealKexecCapturesReplayInEvmctlToo) {
  const TempDir dir("trimcheck-templates");
  // The captures of kexec runs (ima-ng on 6.12, ima-sig without signatures and ima-buf
  // kexec-cmdline records on Debian 6.1, violations mid-list).
  for (const Snapshot &snapshot : replayable_snapshots()) {
    const auto captured = capture_dir(snapshot.capture, snapshot.snapshot);
    const auto list =
        captured / (std::filesystem::exists(captured / "binary_runtime_measurements_sha1")
                        ? "binary_runtime_measurements_sha1"
                        : "binary_runtime_measurements");
    EXPECT_TRUE(evmctl_matches(dir.path(), list, capture_pcrs(snapshot.capture, snapshot.snapshot)))
        << snapshot.capture << "/" << snapshot.snapshot;
  }
}

TEST(Templates, RealCapturesOfEveryTemplateReplayInEvmctlToo) {
  const TempDir dir("trimcheck-templates");
  for (const char *capture : kTemplateCaptures) {
    const auto captured = capture_dir("templates", capture);
    const auto pcrs = verify::parse_pcr_values("state.json", read_bytes(captured / "state.json"));
    EXPECT_TRUE(evmctl_matches(dir.path(), captured / "binary_runtime_measurements_sha1", pcrs))
        << capture;
  }
}

// File names as a real kernel records them (tests/data/real-kernel/names/README.md): the
// binary lists verify in every bank and keep every byte of every name (spaces made `_` by
// the kernel, a tab, a newline, bytes that are not UTF-8, a path of 3,838 bytes); the ascii
// lists cannot be read back past the newline, and the message says why; evmctl agrees.
TEST(Templates, RealFileNamesVerifyFromTheBinaryListsWithEveryByteKept) {
  const auto dir = capture_dir("names", "");
  const auto pcrs = verify::parse_pcr_values("state.json", read_bytes(dir / "state.json"));
  std::string deep;
  while (deep.size() < 3800)
    deep += "/" + std::string(200, 'd');
  const std::vector<std::string> names{"/with_space/a_file_name", "/tab\there", "/new\nline",
                                       "/not-utf8-\xff\xfe\xc3(", deep + "/end-of-a-long-path"};
  for (HashAlgo bank : kBanks) {
    const std::string suffix = "_" + std::string(model::hash_name(bank));
    const auto binary =
        verify::parse_piece("binary_runtime_measurements" + suffix,
                            read_bytes(dir / ("binary_runtime_measurements" + suffix)));
    ASSERT_EQ(binary.records(), 11u);
    for (std::size_t i = 0; i < names.size(); ++i)
      EXPECT_EQ(binary.entry(6 + i).data.fields[1], model::field_name(names[i])) << i;
    const auto report = verify::verify(request({binary}, pcrs));
    EXPECT_TRUE(report.verified) << (report.failure ? report.failure->message : "");
    const auto ascii = read_bytes(dir / ("ascii_runtime_measurements" + suffix));
    try {
      verify::parse_piece("ascii_runtime_measurements" + suffix, ascii);
      ADD_FAILURE() << "an ascii list with a newline in a name was read";
    } catch (const std::exception &error) {
      const std::string message = error.what();
      EXPECT_NE(message.find("line 10"), std::string::npos) << message;
      EXPECT_NE(message.find("newline"), std::string::npos) << message;
    }
  }
  const TempDir temp("trimcheck-templates");
  EXPECT_TRUE(evmctl_matches(temp.path(), dir / "binary_runtime_measurements_sha1", pcrs));
  // A message about the record of the long path shows its start and end, not 3,838 bytes.
  verify::PcrValues other = pcrs;
  other.banks.at(HashAlgo::sha256).at(10)[0] ^= 1;
  const auto binary = verify::parse_piece("binary_runtime_measurements_sha256",
                                          read_bytes(dir / "binary_runtime_measurements_sha256"));
  const auto report = verify::verify(request({binary}, other));
  ASSERT_TRUE(report.failure);
  const std::string &message = report.failure->message;
  EXPECT_NE(message.find("/end-of-a-long-path'"), std::string::npos) << message;
  EXPECT_NE(message.find("bytes ...]"), std::string::npos) << message;
  EXPECT_LT(message.size(), 1000u) << message; // the name alone has 3,838 bytes
}

} // namespace
} // namespace trimcheck::test
