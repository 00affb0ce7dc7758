// Quotes made by a real TPM (swtpm) over the PCRs a log was extended into: the verifier
// accepts the genuine ones (RSA and ECC keys, the adapter's and tpm2_quote's) and rejects
// each forgery with its reason.
#include "../../verify/verify_fixture.hpp"
#include "trimcheck/swtpm/tpm.hpp"
#include "trimcheck/verify/input_error.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sys/wait.h>

namespace trimcheck::test {
namespace {

using model::HashAlgo;
using verify::FailureKind;

const model::Bytes kNonce = {0x5e, 0xed, 0x00, 0x42, 0x17, 0x99, 0xab, 0xcd};

// A synthetic log extended into a fresh swtpm, record by record.
struct QuotedLog {
  verify::SyntheticLog log;
  swtpm::SwtpmProcess process;
};

verify::SyntheticLog quote_log() {
  verify::SyntheticLogSpec spec;
  spec.records = 25;
  spec.violation_every = 6;
  spec.templates = {model::TemplateKind::ima_ng, model::TemplateKind::ima_sig};
  return verify::make_synthetic_log(spec);
}

void extend_all(swtpm::Tpm &tpm, const verify::SyntheticLog &log, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<std::pair<HashAlgo, model::Digest>> values;
    for (std::size_t bank = 0; bank < log.layout.tpm_banks.size(); ++bank) {
      const auto value = model::extend_value(log.layout, bank, log.records[i]);
      values.emplace_back(log.layout.tpm_banks[bank].algo,
                          model::Digest(value.begin(), value.end()));
    }
    tpm.extend(log.records[i].pcr, values);
  }
}

verify::VerifyRequest quote_request(const model::Bytes &list, const swtpm::TpmQuote &quote,
                                    const model::Bytes &nonce) {
  verify::VerifyRequest request;
  request.pieces.push_back(verify::parse_piece("list", list, HashAlgo::sha256));
  verify::QuoteEvidence evidence;
  evidence.message = quote.message;
  evidence.attest = verify::parse_attest("quote.msg", quote.message);
  evidence.signature = verify::parse_signature("quote.sig", quote.signature);
  evidence.ak = verify::PublicKey::from_pem("ak.pem", quote.ak_pem);
  evidence.nonce = nonce;
  request.evidence = std::move(evidence);
  return request;
}

TEST(SwtpmQuote, GenuineQuotesOfRsaAndEccKeysVerify) {
  const auto log = quote_log();
  auto process = swtpm::SwtpmProcess::start();
  swtpm::Tpm tpm(process);
  extend_all(tpm, log, log.records.size());
  for (auto kind : {swtpm::KeyKind::rsa, swtpm::KeyKind::ecc}) {
    const auto key = tpm.create_attestation_key(kind);
    const auto quote = tpm.quote(
        key, kNonce, {{HashAlgo::sha1, {10}}, {HashAlgo::sha256, {10}}, {HashAlgo::sha384, {10}}});
    // chunk [0, 10) from the sha1 file, the list [10, 25) from the sha256 file.
    auto request = quote_request(log.list_bytes(HashAlgo::sha256, 10, 25), quote, kNonce);
    request.pieces.insert(
        request.pieces.begin(),
        verify::parse_piece("chunk", log.list_bytes(HashAlgo::sha1, 0, 10), HashAlgo::sha1));
    const auto report = verify::verify(request);
    EXPECT_TRUE(report.verified) << (report.failure ? report.failure->message : "");
    EXPECT_EQ(report.banks.size(), 3u);
  }
}

// PCRs 0-9 are not determined by the log: their values come from a PCR file, and the
// quote's digest decides whether they are right.
TEST(SwtpmQuote, QuoteOverPcrsTheLogDoesNotExtendNeedsTheirValues) {
  const auto log = quote_log();
  auto process = swtpm::SwtpmProcess::start();
  swtpm::Tpm tpm(process);
  tpm.extend(0, {{HashAlgo::sha1, model::Digest(20, 7)},
                 {HashAlgo::sha256, model::Digest(32, 7)},
                 {HashAlgo::sha384, model::Digest(48, 7)},
                 {HashAlgo::sha512, model::Digest(64, 7)}});
  extend_all(tpm, log, log.records.size());
  const auto key = tpm.create_attestation_key(swtpm::KeyKind::rsa);
  const auto quote = tpm.quote(key, kNonce, {{HashAlgo::sha256, {0, 10}}});
  auto request = quote_request(log.list_bytes(HashAlgo::sha256), quote, kNonce);
  EXPECT_THROW(verify::verify(request), verify::InputError);
  verify::PcrValues pcr0;
  pcr0.banks[HashAlgo::sha256][0] = tpm.read(HashAlgo::sha256, 0);
  std::get<verify::QuoteEvidence>(request.evidence).values = pcr0;
  const auto report = verify::verify(request);
  EXPECT_TRUE(report.verified) << (report.failure ? report.failure->message : "");
  pcr0.banks[HashAlgo::sha256][0][5] ^= 1;
  std::get<verify::QuoteEvidence>(request.evidence).values = pcr0;
  EXPECT_EQ(verify::verify(request).failure->kind, FailureKind::pcr_mismatch);
}

struct Forgery {
  std::string name;
  std::function<void(verify::VerifyRequest &, swtpm::Tpm &)> forge;
  FailureKind kind;
  std::string says;
};

TEST(SwtpmQuote, EachForgeryIsRejectedWithItsReason) {
  const auto log = quote_log();
  auto process = swtpm::SwtpmProcess::start();
  swtpm::Tpm tpm(process);
  extend_all(tpm, log, 20);
  const auto key = tpm.create_attestation_key(swtpm::KeyKind::rsa);
  const auto quote = tpm.quote(key, kNonce, {{HashAlgo::sha1, {10}}, {HashAlgo::sha256, {10}}});
  auto evidence = [](verify::VerifyRequest &r) -> verify::QuoteEvidence & {
    return std::get<verify::QuoteEvidence>(r.evidence);
  };
  const std::vector<Forgery> forgeries = {
      {"message altered after signing",
       [&](verify::VerifyRequest &r, swtpm::Tpm &) { evidence(r).message.back() ^= 1; },
       FailureKind::bad_signature, "signature does not verify"},
      {"signature altered",
       [&](verify::VerifyRequest &r, swtpm::Tpm &) {
         evidence(r).signature.rsa_signature[17] ^= 1;
       },
       FailureKind::bad_signature, "signature does not verify"},
      {"signed by another key",
       [&](verify::VerifyRequest &r, swtpm::Tpm &t) {
         evidence(r).ak = t.create_attestation_key(swtpm::KeyKind::ecc).public_key;
       },
       FailureKind::bad_signature, "signature does not verify"},
      {"stale nonce",
       [&](verify::VerifyRequest &r, swtpm::Tpm &) {
         evidence(r).nonce = {1, 2, 3};
       },
       FailureKind::stale_nonce, "made for nonce 5eed00421799abcd"},
      {"log has a record more than the quote saw",
       [&](verify::VerifyRequest &r, swtpm::Tpm &) {
         r.pieces = {verify::parse_piece("list", log.list_bytes(HashAlgo::sha256, 0, 21),
                                         HashAlgo::sha256)};
       },
       FailureKind::pcr_mismatch, "quote's PCR digest"},
      {"a record's template data altered",
       [&](verify::VerifyRequest &r, swtpm::Tpm &) {
         auto bytes = log.list_bytes(HashAlgo::sha256, 0, 20);
         bytes[bytes.size() - 7] ^= 1; // in the event name of record 19
         r.pieces = {verify::parse_piece("list", bytes, HashAlgo::sha256)};
       },
       FailureKind::digest_mismatch, "record 19"},
  };
  for (const Forgery &forgery : forgeries) {
    auto request = quote_request(log.list_bytes(HashAlgo::sha256, 0, 20), quote, kNonce);
    ASSERT_TRUE(verify::verify(request).verified) << forgery.name;
    forgery.forge(request, tpm);
    const auto report = verify::verify(request);
    ASSERT_FALSE(report.verified) << forgery.name;
    EXPECT_EQ(report.failure->kind, forgery.kind)
        << forgery.name << ": " << report.failure->message;
    EXPECT_NE(report.failure->message.find(forgery.says), std::string::npos)
        << forgery.name << ": " << report.failure->message;
  }
}

// The same check with the files tpm2-tools writes: tpm2_pcrextend, tpm2_createprimary,
// tpm2_readpublic -f pem and tpm2_quote -m/-s/-o against the adapter's swtpm, verified by
// the trimcheck binary (with and without the -o PCR file).
std::string read_text(const std::string &path) {
  const auto bytes = read_bytes(path);
  return std::string(bytes.begin(), bytes.end());
}

TEST(SwtpmQuote, Tpm2ToolsQuoteFilesVerifyWithTheCli) {
  const auto log = quote_log();
  auto process = swtpm::SwtpmProcess::start();
  const auto dir = process.directory();
  auto write = [&](const std::string &name, const model::Bytes &bytes) {
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char *>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return (dir / name).string();
  };
  const std::string env = "TPM2TOOLS_TCTI='" + process.tcti() + "' ";
  auto shell = [&](const std::string &command) {
    const int status =
        std::system((env + command + " >/dev/null 2>>" + (dir / "tools.err").string()).c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  ASSERT_EQ(shell("tpm2_startup -c"), 0);
  for (const auto &record : log.records) {
    const auto sha1 = model::extend_value(log.layout, 0, record);
    const auto sha256 = model::extend_value(log.layout, 1, record);
    const auto sha384 = model::extend_value(log.layout, 2, record);
    const auto sha512 = model::extend_value(log.layout, 3, record);
    ASSERT_EQ(shell("tpm2_pcrextend 10:sha1=" + model::to_hex(sha1) +
                    ",sha256=" + model::to_hex(sha256) + ",sha384=" + model::to_hex(sha384) +
                    ",sha512=" + model::to_hex(sha512)),
              0);
  }
  const std::string d = dir.string() + "/";
  ASSERT_EQ(shell("tpm2_createprimary -Q -C e -G ecc256:ecdsa-sha256:null -a "
                  "'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign' -c " +
                  d + "ak.ctx"),
            0);
  ASSERT_EQ(shell("tpm2_readpublic -Q -c " + d + "ak.ctx -f pem -o " + d + "ak.pem"), 0);
  ASSERT_EQ(shell("tpm2_quote -c " + d + "ak.ctx -l sha1:10+sha256:0,10 -q " +
                  model::to_hex(kNonce) + " -m " + d + "quote.msg -s " + d + "quote.sig -o " + d +
                  "pcrs.bin -g sha256"),
            0);
  const std::string list =
      write("binary_runtime_measurements_sha256", log.list_bytes(HashAlgo::sha256));
  const std::string quote_files = std::string(TRIMCHECK_BINARY) + " verify --list " + list +
                                  " --quote " + d + "quote.msg --signature " + d +
                                  "quote.sig --ak-pub " + d + "ak.pem --nonce ";
  const std::string base = quote_files + model::to_hex(kNonce);
  auto run = [&](const std::string &command) {
    const int status = std::system((command + " >" + d + "out 2>&1").c_str());
    const auto out = read_bytes(d + "out");
    return std::pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                     std::string(out.begin(), out.end()));
  };
  const auto with_pcrs = run(base + " --pcrs " + d + "pcrs.bin");
  EXPECT_EQ(with_pcrs.first, 0) << with_pcrs.second;
  const auto without = run(base);
  EXPECT_EQ(without.first, 2) << without.second; // PCR 0 is quoted, nothing gives its value
  EXPECT_NE(without.second.find("covers PCR 0 of sha256"), std::string::npos) << without.second;
  // The PCR values as tpm2_pcrread -o writes them: its default "values" form, read with
  // its selection, and its "serialized" form.
  ASSERT_EQ(shell("tpm2_pcrread -o " + d + "values.bin sha1:10+sha256:0,10"), 0);
  ASSERT_EQ(shell("tpm2_pcrread -F serialized -o " + d + "serialized.bin sha1:10+sha256:0,10"), 0);
  const auto with_values = run(base + " --pcrs sha1:10+sha256:0,10=" + d + "values.bin");
  EXPECT_EQ(with_values.first, 0) << with_values.second;
  const auto with_serialized = run(base + " --pcrs " + d + "serialized.bin");
  EXPECT_EQ(with_serialized.first, 0) << with_serialized.second;
  const auto wrong_selection = run(base + " --pcrs sha256:0,10=" + d + "values.bin");
  EXPECT_EQ(wrong_selection.first, 2) << wrong_selection.second;
  EXPECT_NE(wrong_selection.second.find("84 bytes, but the values of sha256:0,10 take 64"),
            std::string::npos)
      << wrong_selection.second;
  const auto stale = run(quote_files + "00 --pcrs " + d + "pcrs.bin");
  EXPECT_EQ(stale.first, 1) << stale.second;
  const auto pcrs = verify::parse_pcr_values("pcrs.bin", read_bytes(d + "pcrs.bin"));
  EXPECT_EQ(pcrs.banks.at(HashAlgo::sha256).size(), 2u);
  EXPECT_EQ(pcrs.banks.at(HashAlgo::sha1).at(10),
            log.pcrs_after(25).banks.at(HashAlgo::sha1).at(10));
  // The attestation key in the TSS form (TPM2B_PUBLIC, tpm2_readpublic -o's and
  // tpm2_createak -u's default) verifies as its PEM does, for an ECC and an RSA key; a
  // file that is neither form is bad input.
  // No resource manager between the tools and swtpm: every context load leaves a transient
  // object behind, and the TPM holds three.
  ASSERT_EQ(shell("tpm2_flushcontext -t"), 0);
  ASSERT_EQ(shell("tpm2_readpublic -Q -c " + d + "ak.ctx -o " + d + "ak.tss"), 0)
      << read_text(d + "tools.err");
  const std::string with_tss = std::string(TRIMCHECK_BINARY) + " verify --list " + list +
                               " --quote " + d + "quote.msg --signature " + d + "quote.sig" +
                               " --pcrs " + d + "pcrs.bin --nonce " + model::to_hex(kNonce) +
                               " --ak-pub ";
  const auto ecc_tss = run(with_tss + d + "ak.tss");
  EXPECT_EQ(ecc_tss.first, 0) << ecc_tss.second;
  ASSERT_EQ(shell("tpm2_flushcontext -t"), 0);
  ASSERT_EQ(shell("tpm2_createprimary -Q -C e -G rsa2048:rsassa-sha256:null -a "
                  "'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign' -c " +
                  d + "rsa.ctx"),
            0);
  ASSERT_EQ(shell("tpm2_flushcontext -t"), 0);
  ASSERT_EQ(shell("tpm2_readpublic -Q -c " + d + "rsa.ctx -o " + d + "rsa.tss"), 0);
  ASSERT_EQ(shell("tpm2_flushcontext -t"), 0);
  ASSERT_EQ(shell("tpm2_quote -c " + d + "rsa.ctx -l sha1:10+sha256:0,10 -q " +
                  model::to_hex(kNonce) + " -m " + d + "quote.msg -s " + d + "quote.sig -g sha256"),
            0);
  const auto rsa_tss = run(with_tss + d + "rsa.tss");
  EXPECT_EQ(rsa_tss.first, 0) << rsa_tss.second;
  const auto wrong_key = run(with_tss + d + "ak.tss"); // the ECC key for the RSA quote
  EXPECT_EQ(wrong_key.first, 1) << wrong_key.second;
  write("junk.tss", model::Bytes{0x00, 0x08, 0x00, 0x23, 0x00, 0x0b});
  const auto junk = run(with_tss + d + "junk.tss");
  EXPECT_EQ(junk.first, 2) << junk.second;
  EXPECT_NE(junk.second.find("TPM2B_PUBLIC"), std::string::npos) << junk.second;
}

} // namespace
} // namespace trimcheck::test
