// `trimcheck verify` as users run it: files on disk, exit codes 0/1/2, text and JSON
// reports, checkpoints written by one run and read by the next, and --help.
#include "verify_fixture.hpp"

#include "../support/temp_dir.hpp"

#include "trimcheck/model/list_format.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>

namespace trimcheck::test {
namespace {

namespace fs = std::filesystem;
using model::HashAlgo;

// A private directory with the files of one verification.
class Workspace {
public:
  std::string file(const std::string &name, const model::Bytes &bytes) const {
    std::ofstream(dir_.path() / name, std::ios::binary)
        .write(reinterpret_cast<const char *>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return (dir_.path() / name).string();
  }
  std::string path(const std::string &name) const { return (dir_.path() / name).string(); }

  struct Result {
    int exit_code;
    std::string out, err;
  };
  Result trimcheck(const std::string &args) const {
    const std::string out = path("stdout"), err = path("stderr");
    const int status = std::system(
        (std::string(TRIMCHECK_BINARY) + " " + args + " >" + out + " 2>" + err).c_str());
    auto text = [](const std::string &name) {
      const auto bytes = read_bytes(name);
      return std::string(bytes.begin(), bytes.end());
    };
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text(out), text(err)};
  }

private:
  TempDir dir_{"trimcheck-verify-cli"};
};

verify::SyntheticLog cli_log() {
  verify::SyntheticLogSpec spec;
  spec.records = 30;
  spec.violation_every = 9;
  return verify::make_synthetic_log(spec);
}

TEST(VerifyCli, HelpTeachesWhatExampleAndExitCodes) {
  Workspace ws;
  const auto help = ws.trimcheck("verify --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char *part : {"trimmed IMA measurement log", "Examples:", "--chunk", "--quote",
                           "Exit codes: 0 verified, 1 not verified", "2 bad input"})
    EXPECT_NE(help.out.find(part), std::string::npos) << part;
}

TEST(VerifyCli, SplitLogVerifiesAndTheCheckpointCarriesTheNextRun) {
  Workspace ws;
  const auto log = cli_log();
  const auto chunk = ws.file("chunk.bin", log.list_bytes(HashAlgo::sha1, 0, 12));
  const auto list =
      ws.file("binary_runtime_measurements_sha256", log.list_bytes(HashAlgo::sha256, 12, 20));
  const auto pcrs =
      ws.file("pcrs.json", model::to_bytes(verify::pcr_values_json(log.pcrs_after(20))));
  const auto first = ws.trimcheck("verify --chunk " + chunk + " --list " + list + " --pcrs " +
                                  pcrs + " --write-checkpoint " + ws.path("cp.json"));
  EXPECT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("verified: 20 records replayed"), std::string::npos) << first.out;
  auto violations = [&log](std::size_t from, std::size_t to) {
    return std::count_if(log.records.begin() + static_cast<std::ptrdiff_t>(from),
                         log.records.begin() + static_cast<std::ptrdiff_t>(to),
                         [](const model::Record &record) { return record.violation; });
  };
  ASSERT_GT(violations(0, 20), 1);
  EXPECT_NE(first.out.find("note: " + std::to_string(violations(0, 20)) +
                           " violation records' template data (file name, fields) is covered "
                           "by no digest"),
            std::string::npos)
      << first.out;

  const auto next = ws.file("next.bin", log.list_bytes(HashAlgo::sha256, 20, 30));
  const auto pcrs_now =
      ws.file("now.json", model::to_bytes(verify::pcr_values_json(log.pcrs_after(30))));
  const auto second = ws.trimcheck("verify --json --checkpoint " + ws.path("cp.json") + " --list " +
                                   next + " --pcrs " + pcrs_now);
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
  const auto json = nlohmann::json::parse(second.out);
  EXPECT_TRUE(json.at("verified").get<bool>());
  EXPECT_EQ(json.at("first_record").get<int>(), 20);
  EXPECT_EQ(json.at("records_total").get<int>(), 30);
  EXPECT_EQ(json.at("violations").get<long>(), violations(20, 30));
  EXPECT_FALSE(json.contains("failure"));
}

// `cat LIST | trimcheck verify --list /dev/stdin` against the PCRs after cli_log()'s 30
// records: it must verify all 30.
void expect_verified_from_pipe(Workspace &ws, const std::string &list) {
  const auto pcrs =
      ws.file("pcrs.json", model::to_bytes(verify::pcr_values_json(cli_log().pcrs_after(30))));
  const std::string out = ws.path("stdout");
  const int status = std::system(("cat " + list + " | " + TRIMCHECK_BINARY +
                                  " verify --list /dev/stdin --pcrs " + pcrs + " >" + out)
                                     .c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  const auto printed = read_bytes(out);
  EXPECT_NE(std::string(printed.begin(), printed.end()).find("verified: 30 records replayed"),
            std::string::npos);
}

TEST(VerifyCli, AListThatReportsSizeZeroIsReadToTheEnd) {
  // securityfs files (the live lists) report size 0; a pipe stands in for one here.
  Workspace ws;
  expect_verified_from_pipe(ws, ws.file("list.bin", cli_log().list_bytes(HashAlgo::sha1, 0, 30)));
}

TEST(VerifyCli, AnAsciiListFromAPipeVerifiesAndAnEditIsReportedAtItsLine) {
  Workspace ws;
  const auto log = cli_log();
  const std::string ascii =
      model::to_ascii(model::parse_binary(log.list_bytes(HashAlgo::sha256, 0, 30), 32));
  expect_verified_from_pipe(ws,
                            ws.file("ascii_runtime_measurements_sha256", model::to_bytes(ascii)));

  std::string edited = ascii;
  const std::size_t line5 = [&] {
    std::size_t at = 0;
    for (int line = 1; line < 5; ++line)
      at = edited.find('\n', at) + 1;
    return at;
  }();
  edited[edited.find('\n', line5) - 1] ^= 0x01; // the last byte of line 5's last field
  const auto bad = ws.file("edited", model::to_bytes(edited));
  const auto result =
      ws.trimcheck("verify --json --list " + bad + " --pcrs " + ws.path("pcrs.json"));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json.at("failure").at("record").at("line").get<int>(), 5) << result.out;
}

// Devices and pipes are bounded and a list from one must start like a list: /dev/zero and
// /dev/urandom were read until memory ran out; a FIFO nobody writes hung (issue 20 item 11).
TEST(VerifyCli, DevicesAndPipesAreRefusedEarlyNotReadWithoutBound) {
  Workspace ws;
  const auto log = cli_log();
  const auto list = ws.file("list.bin", log.list_bytes(HashAlgo::sha1, 0, 30));
  const auto pcrs =
      ws.file("pcrs.json", model::to_bytes(verify::pcr_values_json(log.pcrs_after(30))));
  const auto zero = ws.trimcheck("verify --list /dev/zero --pcrs " + pcrs);
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("/dev/zero: not a binary measurement list"), std::string::npos)
      << zero.err;
  const auto random = ws.trimcheck("verify --list /dev/urandom --pcrs " + pcrs);
  EXPECT_EQ(random.exit_code, 2);
  EXPECT_NE(random.err.find("/dev/urandom: not a binary measurement list"), std::string::npos)
      << random.err;
  const auto pcr_zero = ws.trimcheck("verify --list " + list + " --pcrs /dev/zero");
  EXPECT_EQ(pcr_zero.exit_code, 2);
  EXPECT_NE(pcr_zero.err.find("/dev/zero: more than 16 MiB from a device or pipe"),
            std::string::npos)
      << pcr_zero.err;
  const std::string fifo = ws.path("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const auto unwritten = ws.trimcheck("verify --list " + fifo + " --pcrs " + pcrs);
  EXPECT_EQ(unwritten.exit_code, 2) << unwritten.out << unwritten.err;
}

// PCR values in the forms users hold (issue 20 item 3): evmctl's --pcrs files ("PCR-NN:
// hex" lines, the TPM 1.2 sysfs form with spaces too), named by bank (ALG,FILE) or by
// digest size; a copy of /sys/class/tpm/tpm0 (pcr-<alg>/<n> files); several --pcrs merged.
TEST(VerifyCli, PcrValuesFromEvmctlFilesAndSysfsDirectories) {
  Workspace ws;
  const auto log = cli_log();
  const auto pcrs = log.pcrs_after(30);
  const auto list = ws.file("binary_runtime_measurements_sha256", log.list_bytes(HashAlgo::sha256));
  auto pcr_lines = [](const verify::PcrValues &values, HashAlgo bank, bool spaced) {
    std::string text;
    for (const auto &[pcr, value] : values.banks.at(bank)) {
      std::string hex = model::to_hex(value);
      if (spaced)
        for (std::size_t at = hex.size() - 2; at > 0; at -= 2)
          hex.insert(at, " ");
      text += "PCR-" + std::string(pcr < 10 ? "0" : "") + std::to_string(pcr) + ": " + hex + "\n";
    }
    return model::to_bytes(text);
  };
  const auto sha1 = ws.file("sha1.txt", pcr_lines(pcrs, HashAlgo::sha1, true));
  const auto sha256 = ws.file("sha256.txt", pcr_lines(pcrs, HashAlgo::sha256, false));
  const auto ok = ws.trimcheck("verify --list " + list + " --pcrs sha1," + sha1 + " --pcrs " +
                               sha256 + " --json");
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  const auto json = nlohmann::json::parse(ok.out);
  EXPECT_EQ(json["banks"].size(), 2u) << ok.out; // sha1 and sha256 compared
  // A copy of /sys/class/tpm/tpm0: every bank, one file per PCR.
  for (const auto &[bank, values] : pcrs.banks) {
    const fs::path dir = fs::path(ws.path("tpm0")) / ("pcr-" + std::string(model::hash_name(bank)));
    fs::create_directories(dir);
    for (const auto &[pcr, value] : values)
      std::ofstream(dir / std::to_string(pcr)) << model::to_hex(value) << "\n";
  }
  const auto sysfs = ws.trimcheck("verify --list " + list + " --pcrs " + ws.path("tpm0"));
  EXPECT_EQ(sysfs.exit_code, 0) << sysfs.out << sysfs.err;
  EXPECT_NE(sysfs.out.find("banks sha1, sha256, sha384, sha512"), std::string::npos) << sysfs.out;
  // A wrong value in one bank is a failed verification; two --pcrs that disagree, a bank
  // that is not the file's, and a value of no bank's size are bad input.
  verify::PcrValues wrong = pcrs;
  wrong.banks.at(HashAlgo::sha256).at(10)[0] ^= 1;
  const auto bad = ws.trimcheck("verify --list " + list + " --pcrs sha256," +
                                ws.file("wrong.txt", pcr_lines(wrong, HashAlgo::sha256, false)));
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  for (const std::string &args :
       {"--pcrs " + sha256 + " --pcrs " + ws.path("wrong.txt"), "--pcrs sha384," + sha256,
        "--pcrs " + ws.file("odd.txt", model::to_bytes("PCR-10: 00112233\n")),
        "--pcrs " + ws.file("junk.txt", model::to_bytes("PCR-10 0011\n")),
        "--pcrs sha1," + ws.path("tpm0"), "--pcrs " + ws.path("nothing-here")}) {
    const auto refused = ws.trimcheck("verify --list " + list + " " + args);
    EXPECT_EQ(refused.exit_code, 2) << args << ": " << refused.out << refused.err;
    EXPECT_FALSE(refused.err.empty()) << args;
  }
}

TEST(VerifyCli, TamperedLogExitsOneNamingTheRecord) {
  Workspace ws;
  const auto log = cli_log();
  auto bytes = log.list_bytes(HashAlgo::sha256);
  bytes[bytes.size() - 3] ^= 0x01; // inside the last record's event name
  const auto list = ws.file("list.bin", bytes);
  const auto pcrs =
      ws.file("pcrs.json", model::to_bytes(verify::pcr_values_json(log.pcrs_after(30))));
  const auto text = ws.trimcheck("verify --list " + list + " --pcrs " + pcrs);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("NOT verified (digest_mismatch): record 29 (" + list + " record 29"),
            std::string::npos)
      << text.out;
  const auto json =
      nlohmann::json::parse(ws.trimcheck("verify --json --list " + list + " --pcrs " + pcrs).out);
  EXPECT_EQ(json.at("failure").at("kind"), "digest_mismatch");
  EXPECT_EQ(json.at("failure").at("record").at("index"), 29);
}

// A name with a byte that is not printable (nor UTF-8) is escaped in the text report and
// replaced by U+FFFD in the JSON report, which must stay valid JSON (issue 20 item 12).
TEST(VerifyCli, ARawByteInAFileNameIsEscapedInTextAndValidInJson) {
  Workspace ws;
  const auto log = cli_log();
  auto bytes = log.list_bytes(HashAlgo::sha256);
  bytes[bytes.size() - 3] ^= 0x01;
  const auto list = ws.file("list\xff.bin", bytes);
  const auto pcrs =
      ws.file("pcrs.json", model::to_bytes(verify::pcr_values_json(log.pcrs_after(30))));
  const auto text = ws.trimcheck("verify --list " + list + " --pcrs " + pcrs);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("list\\xff.bin record 29"), std::string::npos) << text.out;
  const auto run = ws.trimcheck("verify --json --list " + list + " --pcrs " + pcrs);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  const std::string piece = json.at("failure").at("record").at("piece");
  EXPECT_TRUE(piece.ends_with("list\xef\xbf\xbd.bin")) << piece;
}

TEST(VerifyCli, BadInputExitsTwoWithOneMessageNamingTheFile) {
  Workspace ws;
  const auto log = cli_log();
  const auto bytes = log.list_bytes(HashAlgo::sha256);
  const auto cut = ws.file("cut.bin", model::Bytes(bytes.begin(), bytes.end() - 7));
  const auto good = ws.file("good.bin", bytes);
  const auto pcrs =
      ws.file("pcrs.json", model::to_bytes(verify::pcr_values_json(log.pcrs_after(30))));
  struct Case {
    std::string args, says;
  };
  for (const Case &c : std::vector<Case>{
           {"--list " + cut + " --pcrs " + pcrs, cut + ": sha256 list, record 29"},
           {"--list " + good + " --pcrs " + ws.path("missing.json"), "missing.json: cannot read"},
           {"--list " + good, "no evidence"},
           {"--list " + good + " --quote " + good, "--signature: missing"},
           {"--list " + good + " --pcrs " + pcrs + " --bank md4", "--bank: unknown bank 'md4'"},
           {"--list " + good + " --pcrs " + good, "good.bin: byte"},
       }) {
    const auto result = ws.trimcheck("verify " + c.args);
    EXPECT_EQ(result.exit_code, 2) << c.args << "\n" << result.out << result.err;
    EXPECT_NE(result.err.find(c.says), std::string::npos) << c.args << "\n" << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
}

} // namespace
} // namespace trimcheck::test
