// Microsoft RFC v1 (spec 2.1, 2.15, 2.16) through the public API. Every test starts from
// a kernel whose L holds the boot_aggregate (serial 0) and files 1-5 (serials 1-5), all
// in PCR 10, with the PCR banks recorded after each record (swtpm banks: sha1, sha256,
// sha384, sha512).
#include "harness.hpp"

namespace trimcheck::test {
namespace {

using namespace model;
using namespace std::string_literals;

const std::string kPcrs = "/sys/kernel/config/ima/pcrs";
const std::string kPcrsAscii = "/sys/kernel/config/ima/pcrs_ascii";
const std::vector<Serial> kOriginal{0, 1, 2, 3, 4, 5};
constexpr std::size_t kSha1 = 0, kSha256 = 1, kSha384 = 2, kSha512 = 3;

struct Booted {
  KernelState state;
  std::vector<PcrBanks> after; // after[i]: the TPM once record i was appended
};

Booted booted(KernelConfig config = {}) {
  Booted b{boot(ProposalId::ms_rfc1, config), {}};
  b.after.push_back(b.state.pcrs);
  for (std::uint32_t file = 1; file <= 5; ++file) {
    EXPECT_EQ(apply(b.state, Measure{file, 0}).ret, 0);
    b.after.push_back(b.state.pcrs);
  }
  return b;
}

// One record of a pcrs write: "pcrNN:<name>:" + raw digest.
Bytes target(std::uint32_t pcr, std::string_view name, const Digest &digest) {
  char label[16];
  std::snprintf(label, sizeof label, "pcr%02u:", pcr);
  Bytes out = bytes(std::string(label) + std::string(name) + ":");
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

// The TPM's PCR 10 in `bank` once the first `records` records were appended.
Bytes true_target(const Booted &b, std::size_t bank, std::size_t records) {
  const PcrBanks &pcrs = b.after.at(records - 1);
  return target(10, hash_name(pcrs.bank_algo(bank)), pcrs.value_copy(bank, 10));
}

// The sha256 template digest of the record at index `index` of L.
const Digest &content_digest(const KernelState &state, std::size_t index) {
  return state.contents.at(state.nodes.at(state.list.at(index)).serial).digests.at(kSha256);
}

Bytes concat(Bytes a, const Bytes &b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::int64_t len(const Bytes &data) {
  return static_cast<std::int64_t>(data.size());
}

// ---------------------------------------------------------------------------------
// Files, start values, reads (2.1)

TEST(MsFiles, ConfigfsFilesAndModes) {
  for (bool ima_pcrs : {true, false}) {
    KernelConfig config;
    config.ima_pcrs = ima_pcrs;
    KernelState state = boot(ProposalId::ms_rfc1, config);
    std::vector<std::pair<std::string, std::uint16_t>> found;
    for (const FileSpec &file : state.files)
      if (file.kind == FileKind::ms_pcrs || file.kind == FileKind::ms_pcrs_ascii)
        found.push_back({file.path, file.mode});
    const std::vector<std::pair<std::string, std::uint16_t>> expected = {{kPcrs, 0644},
                                                                         {kPcrsAscii, 0444}};
    EXPECT_EQ(found, ima_pcrs ? expected : decltype(expected){});
    EXPECT_EQ(state.ms.configured_pcrs, std::vector<std::uint32_t>{10});
  }
  KernelConfig no_tpm;
  no_tpm.banks.tpm_banks.clear();
  KernelState state = boot(ProposalId::ms_rfc1, no_tpm);
  EXPECT_EQ(apply(state, Open{1, kPcrs, Access::read}).ret, kENOENT);
  EXPECT_TRUE(state.ms.configured_pcrs.empty());
}

TEST(MsFiles, StartValuesAreZeroAndReadableInBothFormats) {
  Booted b = booted();
  Bytes expected_binary;
  std::string expected_ascii;
  for (const TpmBank &bank : b.state.config.banks.tpm_banks) {
    const std::size_t size = digest_size(bank.algo);
    expected_binary = concat(expected_binary, target(10, hash_name(bank.algo), Digest(size, 0)));
    expected_ascii +=
        "pcr10:" + std::string(hash_name(bank.algo)) + ":" + std::string(2 * size, '0') + "\n";
  }
  EXPECT_EQ(read_file(b.state, 1, kPcrs), expected_binary);
  EXPECT_EQ(text(read_file(b.state, 1, kPcrsAscii)), expected_ascii);
  ASSERT_EQ(b.state.ms.start.size(), 4u);
  EXPECT_EQ(b.state.ms.start[kSha256], std::vector<Digest>{Digest(32, 0)});
}

struct OpenCase {
  std::string path;
  Access access;
  std::int64_t ret; // 0: an fd
};

TEST(MsOpen, ConfigfsPermissionsAndNoMediation) {
  const std::vector<OpenCase> cases = {
      {kPcrs, Access::read, 0},
      {kPcrs, Access::write, 0},
      {kPcrs, Access::read_write, 0},
      {kPcrsAscii, Access::read, 0},
      {kPcrsAscii, Access::write, kEACCES}, // no write bit, no store method
      {kPcrsAscii, Access::read_write, kEACCES},
  };
  for (bool cap : {true, false})
    for (const OpenCase &c : cases) {
      Booted b = booted();
      const Pid pid = cap ? 1 : static_cast<Pid>(apply(b.state, Spawn{false}).ret);
      open_fd(b.state, 1, "ascii_runtime_measurements", Access::read); // never excludes
      const std::int64_t ret = apply(b.state, Open{pid, c.path, c.access}).ret;
      SCOPED_TRACE(c.path + " cap=" + std::to_string(cap));
      if (c.ret == 0)
        EXPECT_GE(ret, 3);
      else
        EXPECT_EQ(ret, c.ret);
      EXPECT_EQ(b.state.users, 0);
    }
}

// ---------------------------------------------------------------------------------
// Trimming to true PCR values (2.1 steps 3-4)

struct TrimCase {
  std::size_t bank;
  std::size_t records; // prefix the target ends at
};

TEST(MsTrim, TrimsExactlyThePrefixThatReplaysToTheTarget) {
  for (TrimCase c : std::vector<TrimCase>{
           {kSha256, 1}, {kSha256, 3}, {kSha256, 6}, {kSha1, 2}, {kSha384, 4}, {kSha512, 5}}) {
    Booted b = booted();
    const std::uint64_t size_before = b.state.counters.bin_size;
    const Bytes input = true_target(b, c.bank, c.records);
    SCOPED_TRACE("bank " + std::to_string(c.bank) + ", " + std::to_string(c.records) + " records");
    EXPECT_EQ(write_file(b.state, 1, kPcrs, input), len(input));

    const auto cut = static_cast<std::ptrdiff_t>(c.records);
    const std::vector<Serial> removed(kOriginal.begin(), kOriginal.begin() + cut);
    EXPECT_EQ(b.state.ghost.del, removed);
    EXPECT_EQ(list_serials(b.state), std::vector<Serial>(kOriginal.begin() + cut, kOriginal.end()));
    EXPECT_EQ(b.state.counters.htable_len, 6 - static_cast<std::int64_t>(c.records));
    EXPECT_EQ(text(read_file(b.state, 1, "runtime_measurements_count")),
              std::to_string(6 - c.records) + "\n");
    EXPECT_EQ(b.state.counters.bin_size, size_before); // never reduced
    for (Serial serial : removed) {
      const Node &node = node_of(b.state, serial);
      EXPECT_FALSE(node.hashed);
      EXPECT_FALSE(node.freed_any()); // nothing is freed ...
    }
    EXPECT_EQ(count_events(b.state, MemEventKind::leak), c.records); // ... so all of it leaks
    // start moves to the TPM's values at the cut, in every bank (also the ones not named).
    for (std::size_t bank = 0; bank < 4; ++bank)
      EXPECT_EQ(b.state.ms.start[bank][0], b.after[c.records - 1].value_copy(bank, 10));
    Bytes shown;
    for (std::size_t bank = 0; bank < 4; ++bank)
      shown = concat(shown, true_target(b, bank, c.records));
    EXPECT_EQ(read_file(b.state, 1, kPcrs), shown);
  }
}

TEST(MsTrim, SecondTrimStartsFromTheNewStartValues) {
  Booted b = booted();
  const Bytes first = true_target(b, kSha256, 2);
  ASSERT_EQ(write_file(b.state, 1, kPcrs, first), len(first));
  const Bytes second = true_target(b, kSha384, 4);
  EXPECT_EQ(write_file(b.state, 1, kPcrs, second), len(second));
  EXPECT_EQ(b.state.ghost.del, (std::vector<Serial>{0, 1, 2, 3}));
  // The same target again equals start: nothing more to trim, still success.
  EXPECT_EQ(write_file(b.state, 1, kPcrs, second), len(second));
  EXPECT_EQ(b.state.ghost.del.size(), 4u);
}

// Step 4: the store returns the byte count whenever the trim function did not fail.
struct NoTrimCase {
  std::string what;
  Bytes input;
};

TEST(MsTrim, SuccessWithoutTrim) {
  Booted b = booted();
  const std::vector<NoTrimCase> cases = {
      {"target equals start", target(10, "sha256", Digest(32, 0))},
      {"target never reached", target(10, "sha256", Digest(32, 0xAB))},
      {"algorithm is no TPM bank", target(10, "sha224", Digest(28, 0x11))},
      {"sha3 is no TPM bank", target(10, "sha3-256", Digest(32, 0x11))},
  };
  for (const NoTrimCase &c : cases) {
    KernelState state = b.state;
    EXPECT_EQ(write_file(state, 1, kPcrs, c.input), len(c.input)) << c.what;
    EXPECT_EQ(list_serials(state), kOriginal) << c.what;
    EXPECT_EQ(state.ms, b.state.ms) << c.what;
  }
}

TEST(MsTrim, WriteAdvancesTheConfigfsPosition) {
  Booted b = booted();
  const int fd = open_fd(b.state, 1, kPcrs, Access::read_write);
  const Bytes input = target(10, "sha256", Digest(32, 0));
  ASSERT_EQ(write_fd(b.state, 1, fd, input), len(input));
  const Bytes all = read_file(b.state, 1, kPcrs);
  EXPECT_EQ(read_to_end(b.state, 1, fd), Bytes(all.begin() + len(input), all.end()));
}

// ---------------------------------------------------------------------------------
// Write grammar (2.1 step 2): every malformed write is EINVAL and changes nothing.

struct BadInputCase {
  std::string what;
  Bytes input;
  std::int64_t ret;
};

TEST(MsGrammar, MalformedWrites) {
  Booted b = booted();
  const Bytes good = true_target(b, kSha256, 3);
  const Digest d32(32, 0x5A);
  auto raw = [](std::string_view text, std::size_t zeros) {
    Bytes out = bytes(text);
    out.resize(out.size() + zeros, 0);
    return out;
  };
  const std::vector<BadInputCase> cases = {
      {"empty write", {}, kEFAULT},
      {"trailing newline", concat(good, bytes("\n")), kEINVAL},
      {"capital prefix", raw("PCR10:sha256:", 32), kEINVAL},
      {"non-digit index", raw("pcr1a:sha256:", 32), kEINVAL},
      {"index 24", raw("pcr24:sha256:", 32), kEINVAL},
      {"no colon after index", raw("pcr10-sha256:", 32), kEINVAL},
      {"PCR not configured", target(11, "sha256", d32), kEINVAL},
      {"PCR given twice", concat(good, good), kEINVAL},
      {"empty hash name", raw("pcr10::", 32), kEINVAL},
      {"16-byte hash name", raw("pcr10:abcdefghijklmnop:", 32), kEINVAL},
      {"unknown hash name", raw("pcr10:sha999:", 32), kEINVAL},
      {"md5 refused", target(10, "md5", Digest(16, 1)), kEINVAL},
      {"md4 refused", target(10, "md4", Digest(16, 1)), kEINVAL},
      {"digest one byte short", Bytes(good.begin(), good.end() - 1), kEINVAL},
      {"fewer than 20 bytes", raw("pcr10:sha1:", 5), kEINVAL},
      {"hex text as in the cover letter",
       bytes("pcr10:sha256:" + to_hex(b.after[2].value_copy(kSha256, 10))), kEINVAL},
  };
  for (const BadInputCase &c : cases) {
    KernelState state = b.state;
    EXPECT_EQ(write_file(state, 1, kPcrs, c.input), c.ret) << c.what;
    EXPECT_EQ(list_serials(state), kOriginal) << c.what;
    EXPECT_EQ(state.ms, b.state.ms) << c.what;
  }
  EXPECT_EQ(write_file(b.state, 1, kPcrs, good), len(good)); // the well-formed one trims
  EXPECT_EQ(b.state.ghost.del.size(), 3u);
}

// ---------------------------------------------------------------------------------
// Replay fidelity (2.1 step 3c, P22, P10)

TEST(MsReplay, LegacyImaTemplateNeverMatchesTheTpm) {
  for (TemplateKind kind : {TemplateKind::ima, TemplateKind::ima_ng, TemplateKind::ima_sig}) {
    KernelConfig config;
    config.template_kind = kind;
    Booted b = booted(config);
    const Bytes input = true_target(b, kSha256, 3);
    EXPECT_EQ(write_file(b.state, 1, kPcrs, input), len(input));
    const bool trimmed = kind != TemplateKind::ima;
    EXPECT_EQ(b.state.ghost.del.size(), trimmed ? 3u : 0u) << template_name(kind);
  }
}

// A TPM bank whose algorithm IMA could not hash at boot receives padded SHA-1; the RFC
// hashes that bank with the real algorithm, so its start value leaves the TPM's value and
// a target in that bank is never reached.
TEST(MsReplay, BankWithoutKernelHashDiverges) {
  KernelConfig config;
  config.banks.tpm_banks = {{HashAlgo::sha1}, {HashAlgo::sha256}, {HashAlgo::sha384, false}};
  Booted b = booted(config);
  const Bytes unreachable = true_target(b, kSha384, 3);
  EXPECT_EQ(write_file(b.state, 1, kPcrs, unreachable), len(unreachable));
  EXPECT_TRUE(b.state.ghost.del.empty());
  const Bytes input = true_target(b, kSha256, 3);
  EXPECT_EQ(write_file(b.state, 1, kPcrs, input), len(input));
  EXPECT_EQ(b.state.ghost.del.size(), 3u);
  EXPECT_EQ(b.state.ms.start[kSha256][0], b.after[2].value_copy(kSha256, 10));
  EXPECT_NE(b.state.ms.start[kSha384][0], b.after[2].value_copy(kSha384, 10));
}

TEST(MsReplay, ViolationsReplayAsAllOnes) {
  Booted b = booted();
  ASSERT_EQ(apply(b.state, MeasureViolation{9}).ret, 0); // serial 6, zero digest in L
  ASSERT_EQ(apply(b.state, Measure{7, 0}).ret, 0);       // serial 7
  const Bytes input = target(10, "sha256", b.state.pcrs.value_copy(kSha256, 10));
  EXPECT_EQ(write_file(b.state, 1, kPcrs, input), len(input));
  EXPECT_EQ(b.state.ghost.del.size(), 8u);
  EXPECT_EQ(b.state.counters.violations, 1); // unchanged by the trim
}

TEST(MsReplay, RecordOfAnUnconfiguredPcrAbortsTheReplay) {
  Booted b = booted();
  const TemplateData data = measured_template(b.state.config, 8, 0, false);
  ASSERT_EQ(apply(b.state, MeasureRecord{11, data}).ret, 0); // serial 6, PCR 11
  ASSERT_EQ(apply(b.state, Measure{9, 0}).ret, 0);
  const Bytes input = target(10, "sha256", b.state.pcrs.value_copy(kSha256, 10));
  EXPECT_EQ(write_file(b.state, 1, kPcrs, input), kEINVAL);
  EXPECT_TRUE(b.state.ghost.del.empty());
}

// ---------------------------------------------------------------------------------
// Steps and concurrency (2.15)

TEST(MsSteps, ReplayPurgeAndStartUpdateInterleaveWithAddsAndReaders) {
  Booted b = booted();
  KernelState &state = b.state;
  const Bytes input = true_target(b, kSha256, 3);
  const int fd = open_fd(state, 1, kPcrs, Access::write);
  Outcome out = apply(state, Write{1, fd, input}); // replay walk
  ASSERT_FALSE(out.done);
  EXPECT_EQ(list_serials(state), kOriginal);
  ASSERT_EQ(apply(state, Measure{6, 0}).ret, 0); // proceeds during the walk: serial 6
  out = apply(state, Continue{1});               // purge
  ASSERT_FALSE(out.done);
  EXPECT_EQ(list_serials(state), (std::vector<Serial>{3, 4, 5, 6}));
  // Between purge and start update a reader sees the trimmed list with the old start.
  const Pid reader = static_cast<Pid>(apply(state, Spawn{true}).ret);
  const Bytes zeros = read_file(state, reader, kPcrsAscii);
  EXPECT_NE(text(zeros).find("pcr10:sha256:" + std::string(64, '0')), std::string::npos);
  out = apply(state, Continue{1}); // start update
  ASSERT_TRUE(out.done);
  EXPECT_EQ(out.ret, len(input));
  EXPECT_EQ(state.ms.start[kSha256][0], b.after[2].value_copy(kSha256, 10));
}

TEST(MsSteps, SecondWriterWaitsForThePcrWriteMutex) {
  Booted b = booted();
  KernelState &state = b.state;
  const Pid other = static_cast<Pid>(apply(state, Spawn{true}).ret);
  const Bytes input = true_target(b, kSha256, 2);
  const int fd1 = open_fd(state, 1, kPcrs, Access::write);
  const int fd2 = open_fd(state, other, kPcrs, Access::write);
  Outcome first = apply(state, Write{1, fd1, input});
  ASSERT_FALSE(first.done); // holds the mutex from here on
  Outcome second = apply(state, Write{other, fd2, input});
  EXPECT_FALSE(second.done);
  second = apply(state, Continue{other});
  EXPECT_FALSE(second.done); // still waiting
  EXPECT_EQ(state.ghost.del.size(), 0u);
  EXPECT_EQ(complete(state, 1, first).ret, len(input));
  EXPECT_EQ(state.ghost.del.size(), 2u);
  // The same target now equals start: the second write returns without trimming.
  EXPECT_EQ(complete(state, other, second).ret, len(input));
  EXPECT_EQ(state.ghost.del.size(), 2u);
}

TEST(MsSteps, ReaderSkipsRecordsAfterATrim) {
  Booted b = booted();
  KernelState &state = b.state;
  const Pid reader = static_cast<Pid>(apply(state, Spawn{true}).ret);
  const int fd = open_fd(state, reader, "binary_runtime_measurements", Access::read);
  std::vector<Serial> delivered = apply(state, Read{reader, fd, 1}).delivered; // *pos = 1
  const Bytes input = true_target(b, kSha256, 3);
  ASSERT_EQ(write_file(state, 1, kPcrs, input), len(input));
  for (;;) {
    Outcome out = apply(state, Read{reader, fd, 4096});
    if (out.ret <= 0)
      break;
    delivered.insert(delivered.end(), out.delivered.begin(), out.delivered.end());
  }
  EXPECT_EQ(delivered, (std::vector<Serial>{0, 4, 5})); // record 3 skipped
}

// ---------------------------------------------------------------------------------
// Kexec (2.16): start values are lost, the carried list lacks the trimmed prefix.

TEST(MsKexec, StartIsLostAndTrueValuesNoLongerMatch) {
  Booted b = booted();
  KernelState &state = b.state;
  const Bytes first = true_target(b, kSha256, 2);
  ASSERT_EQ(write_file(state, 1, kPcrs, first), len(first));
  kexec(state);
  EXPECT_EQ(list_serials(state).front(), 2u);
  for (std::size_t bank = 0; bank < 4; ++bank)
    EXPECT_EQ(state.ms.start[bank][0], Digest(digest_size(state.pcrs.bank_algo(bank)), 0));
  ASSERT_EQ(apply(state, Measure{6, 0}).ret, 0);
  const std::size_t before = state.list.size();
  const Bytes now = target(10, "sha256", state.pcrs.value_copy(kSha256, 10));
  EXPECT_EQ(write_file(state, 1, kPcrs, now), len(now)); // silent success, no trim
  EXPECT_EQ(state.list.size(), before);
  EXPECT_TRUE(state.ghost.del.empty());
}

// A target replayed from zero over the carried records does match after kexec; the purge
// then unlinks restored records that were never in H (spec 4.6).
TEST(MsKexec, PurgingRestoredRecordsUnlinksGarbage) {
  Booted b = booted();
  KernelState &state = b.state;
  kexec(state);
  Digest value(32, 0);
  for (std::size_t i = 0; i < 2; ++i)
    value = Hasher(HashAlgo::sha256).update(value).update(content_digest(state, i)).finish();
  const Bytes input = target(10, "sha256", value);
  EXPECT_EQ(write_file(state, 1, kPcrs, input), len(input));
  EXPECT_EQ(state.ghost.del, (std::vector<Serial>{0, 1}));
  EXPECT_EQ(count_events(state, MemEventKind::unlink_garbage), 2u);
}

} // namespace
} // namespace trimcheck::test
