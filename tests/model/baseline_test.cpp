// The baseline state machine (spec section 4): dedupe, counters, files, seq_file reads,
// the 6.15 reboot suspend and kexec records, and restore after kexec.
#include "trimcheck/model/list_format.hpp"
#include "trimcheck/model/machine.hpp"

#include <gtest/gtest.h>

namespace trimcheck::model {
namespace {

KernelState with_records(ProposalId id, std::uint32_t count) {
  KernelState state = boot(id, KernelConfig{});
  for (std::uint32_t f = 1; f <= count; ++f)
    apply(state, Measure{f, 0});
  return state;
}

TEST(Baseline, DuplicateDigestAnswersEexistAndDoesNotExtend) {
  KernelState state = with_records(ProposalId::baseline_6_12, 1);
  const PcrBanks before = state.pcrs;
  EXPECT_EQ(apply(state, Measure{1, 0}).ret, -17);
  EXPECT_EQ(state.pcrs, before);
  EXPECT_EQ(state.list.size(), 2u);
  EXPECT_EQ(apply(state, Measure{1, 1}).ret, 0); // new content, new digest
}

TEST(Baseline, ViolationsAreCountedRecordedAsZeroAndExtendedAsOnes) {
  KernelState state = with_records(ProposalId::baseline_6_12, 0);
  apply(state, MeasureViolation{3});
  EXPECT_EQ(state.counters.violations, 1);
  const Record &record = state.contents.back();
  EXPECT_TRUE(record.violation);
  for (const Digest &digest : record.digests)
    EXPECT_EQ(digest, Digest(digest.size(), 0));
  const auto extended = extend_value(state.config.banks, 1, record);
  EXPECT_EQ(Digest(extended.begin(), extended.end()), Digest(32, 0xFF));
  apply(state, MeasureViolation{3}); // violations are never deduplicated
  EXPECT_EQ(state.list.size(), 3u);
}

TEST(Baseline, FilesAndModes) {
  KernelState state = boot(ProposalId::baseline_6_12, KernelConfig{});
  auto mode = [&](const std::string &path) -> int {
    for (const FileSpec &spec : state.files)
      if (spec.path == path)
        return spec.mode;
    return -1;
  };
  EXPECT_EQ(mode("binary_runtime_measurements_sha256"), 0440);
  EXPECT_EQ(mode("ascii_runtime_measurements_sha512"), 0440);
  EXPECT_EQ(mode("runtime_measurements_count"), 0440);
  EXPECT_EQ(mode("violations"), 0440);
  EXPECT_EQ(mode("policy"), 0600);
  EXPECT_EQ(apply(state, Open{1, "binary_runtime_measurements_staged", Access::read}).ret, -2);
  // No write method on the list files.
  auto fd = apply(state, Open{1, "binary_runtime_measurements", Access::write});
  ASSERT_GE(fd.ret, 0);
  EXPECT_EQ(apply(state, Write{1, static_cast<int>(fd.ret), to_bytes("1\n")}).ret, -22);
}

TEST(Baseline, CountersShowTheList) {
  KernelState state = with_records(ProposalId::baseline_6_12, 4);
  auto fd = apply(state, Open{1, "runtime_measurements_count", Access::read});
  EXPECT_EQ(apply(state, Read{1, static_cast<int>(fd.ret), 100}).data, to_bytes("5\n"));
  std::uint64_t size = 0;
  for (const Record &record : state.contents)
    size += binary_runtime_size(record);
  EXPECT_EQ(state.counters.bin_size, size);
}

TEST(Baseline, SeqFileReadsResumeAtPosAndKeepLeftoverBytes) {
  KernelState state = with_records(ProposalId::baseline_6_12, 3);
  Bytes whole;
  for (NodeId id : state.list)
    append_binary(whole, list_entry(state.contents[state.nodes[id].serial], 0));
  auto fd =
      static_cast<int>(apply(state, Open{1, "binary_runtime_measurements", Access::read}).ret);
  Bytes got;
  std::size_t reads = 0;
  for (Outcome out; (out = apply(state, Read{1, fd, 37})).ret > 0; ++reads) {
    EXPECT_LE(out.data.size(), 37u);
    got.insert(got.end(), out.data.begin(), out.data.end());
  }
  EXPECT_EQ(got, whole);
  EXPECT_GT(reads, 3u);
  // A later append is read by the same fd: the list never shrinks, *pos stays valid.
  apply(state, Measure{9, 0});
  EXPECT_GT(apply(state, Read{1, fd, 4096}).ret, 0);
}

TEST(Baseline, Suspend615RefusesAddsAfterTheRebootNotifier) {
  for (ProposalId id : {ProposalId::baseline_6_12, ProposalId::baseline_6_15}) {
    KernelState state = with_records(id, 1);
    apply(state, KexecLoad{});
    apply(state, KexecExecute{}); // reboot notifiers
    const std::int64_t ret = apply(state, Measure{5, 0}).ret;
    if (id == ProposalId::baseline_6_15) {
      EXPECT_EQ(ret, -19);
      bool load = false, execute = false;
      for (const Record &record : state.contents)
        if (record.data.kind == TemplateKind::ima_buf) {
          load |= record.data.fields[1] == field_name("kexec_load");
          execute |= record.data.fields[1] == field_name("kexec_execute");
        }
      EXPECT_TRUE(load && execute);
    } else {
      EXPECT_EQ(ret, 0); // 6.12: extended, and carried only if before the dump
    }
  }
}

TEST(Baseline, KexecRestoresTheListOutsideTheHashTableWithZeroViolations) {
  KernelState state = with_records(ProposalId::baseline_6_12, 3);
  apply(state, MeasureViolation{7});
  const PcrBanks pcrs = state.pcrs;
  apply(state, KexecLoad{});
  apply(state, KexecExecute{});
  apply(state, Continue{0});
  apply(state, Continue{0});
  EXPECT_EQ(state.ghost.boot, 1u);
  EXPECT_EQ(state.list.size(), 5u + 1u); // carried + the new boot_aggregate
  EXPECT_EQ(state.counters.violations, 0);
  EXPECT_FALSE(state.nodes[1].hashed);
  // The TPM was not reset: only the new boot_aggregate was extended on top.
  EXPECT_NE(state.pcrs, pcrs);
  // A carried file measured again is appended (restored records are not in H).
  EXPECT_EQ(apply(state, Measure{1, 0}).ret, 0);
}

TEST(Baseline, LegacyTemplateRecordsAreNotRestoredAfterKexec) {
  KernelConfig config;
  config.template_kind = TemplateKind::ima;
  KernelState state = boot(ProposalId::baseline_6_12, config);
  EXPECT_EQ(state.contents[0].data.fields[0].size(), 20u); // SHA-1 boot_aggregate
  apply(state, Measure{1, 0});
  apply(state, KexecLoad{});
  apply(state, KexecExecute{});
  apply(state, Continue{0});
  apply(state, Continue{0});
  // The next kernel refuses to restore `ima` records (ima_restore_measurement_list), so
  // nothing is carried: only its own boot_aggregate is listed. Seen on 6.12 by conform.
  EXPECT_EQ(state.list.size(), 1u);
  EXPECT_EQ(state.ghost.boot, 1u);
}

struct MalformedCase {
  const char *what;
  Bytes bytes;
  std::string message;
};

Bytes valid_record() {
  return to_binary(std::vector{list_entry(
      make_record({}, 10, make_ima_ng(HashAlgo::sha256, Digest(32, 1), "/bin/true")), 0)});
}

TEST(Parser, EveryMalformedInputNamesOffsetAndRecord) {
  Bytes two = valid_record();
  const Bytes one = two;
  two.insert(two.end(), one.begin(), one.end());
  auto patched = [&](std::size_t at, std::vector<std::uint8_t> value) {
    Bytes out = two;
    std::copy(value.begin(), value.end(),
              out.begin() + static_cast<std::ptrdiff_t>(one.size() + at));
    return out;
  };
  const std::vector<MalformedCase> cases{
      {"truncated", Bytes(two.begin(), two.end() - 3), "truncated record"},
      {"pcr", patched(0, {99, 0, 0, 0}), "PCR index 99 out of range"},
      {"name length", patched(24, {0x2c, 1, 0, 0}), "absurd template name length 300 (1..255)"},
      {"unknown template", patched(28, {'x'}), "unknown template 'xma-ng'"},
      {"data length", patched(34, {0xff, 0xff, 0xff, 0x7f}), "absurd template data length"},
      {"field length", patched(38, {39, 0, 0, 0}), "wrong digest size"},
      {"field past data", patched(38, {200, 0, 0, 0}), "runs past"},
  };
  for (const MalformedCase &c : cases) {
    try {
      parse_binary(c.bytes, 20);
      ADD_FAILURE() << c.what << " parsed";
    } catch (const ListParseError &error) {
      EXPECT_NE(std::string(error.what()).find(c.message), std::string::npos)
          << c.what << ": " << error.what();
      EXPECT_EQ(error.record_index(), 1u) << c.what;
      EXPECT_NE(std::string(error.what())
                    .find("record 1 (starting at byte " + std::to_string(one.size()) + ")"),
                std::string::npos)
          << error.what();
    }
  }
  // A d-ng field whose digest does not have its algorithm's size.
  TemplateData short_digest{TemplateKind::ima_ng,
                            {field_d_ng(HashAlgo::sha256, Digest(31, 1)), field_name("/x")}};
  const Bytes bad = to_binary(std::vector{ListEntry{10, Digest(20, 2), short_digest}});
  try {
    parse_binary(bad, 20);
    ADD_FAILURE() << "short digest parsed";
  } catch (const ListParseError &error) {
    EXPECT_NE(std::string(error.what()).find("wrong digest size: sha256 digest of 31 bytes"),
              std::string::npos)
        << error.what();
  }
}

// ima_calc_boot_aggregate_tfm: PCRs 8-9 enter non-SHA1 aggregates only. A 6.12 kernel
// booted with ima_template=ima (SHA1 aggregate) showed it; the model hashed 0-9.
TEST(Baseline, Sha1BootAggregateHashesPcrs0To7Only) {
  auto aggregate = [](TemplateKind kind, std::uint8_t pcr8) {
    KernelConfig config;
    config.template_kind = kind;
    PcrBanks firmware(config.banks);
    for (std::size_t bank = 0; bank < config.banks.tpm_banks.size(); ++bank)
      firmware.set_firmware(bank, 8, Digest(digest_size(config.banks.tpm_banks[bank].algo), pcr8));
    return boot_aggregate(config, firmware).fields[0];
  };
  EXPECT_EQ(aggregate(TemplateKind::ima, 1), aggregate(TemplateKind::ima, 2));
  EXPECT_NE(aggregate(TemplateKind::ima_ng, 1), aggregate(TemplateKind::ima_ng, 2));
}

// A measured file's path (model::measured_path): exactly as long as asked, in directories
// whose names a file system takes (1 to 255 bytes), ending in the file's own name.
TEST(MeasuredPath, IsExactlyAsLongAsAskedInDirectoriesOfNamesUpTo255Bytes) {
  EXPECT_EQ(measured_path(3), "/f3");
  EXPECT_EQ(measured_path(3, 5), "/d/f3");
  for (std::uint32_t file : {0u, 5u, 12u})
    for (std::uint32_t bytes : {7u, 258u, 259u, 513u, 3500u, kMaxPathBytes}) {
      const std::string path = measured_path(file, bytes);
      const std::string name = "/f" + std::to_string(file);
      EXPECT_EQ(path.size(), bytes);
      ASSERT_TRUE(path.ends_with(name)) << path;
      for (std::size_t begin = 0; begin < path.size();) {
        const std::size_t end = std::min(path.find('/', begin + 1), path.size());
        EXPECT_GE(end - begin - 1, 1u) << bytes << ": an empty name at " << begin;
        EXPECT_LE(end - begin - 1, 255u) << bytes << ": a name longer than NAME_MAX at " << begin;
        begin = end;
      }
    }
  for (std::uint32_t bytes : {1u, 4u, kMaxPathBytes + 1})
    EXPECT_THROW(measured_path(3, bytes), std::invalid_argument) << bytes;
}

// ima-ng records the whole path; the legacy `ima` template, whose name field is at most
// 255 bytes, records the file's own name instead (ima_eventname_init).
TEST(Baseline, ALongPathIsRecordedWholeExceptByTheLegacyTemplate) {
  KernelState state = boot(ProposalId::baseline_6_12, KernelConfig{});
  const std::uint64_t before = kexec_runtime_size(state);
  EXPECT_EQ(apply(state, Measure{2, 0, 3000}).ret, 0);
  EXPECT_EQ(state.contents.back().data.fields[1], field_name(measured_path(2, 3000)));
  EXPECT_GT(kexec_runtime_size(state) - before, 3000u);
  EXPECT_EQ(apply(state, Measure{2, 0, 3000}).ret, -17); // the same record: a duplicate
  EXPECT_EQ(apply(state, Measure{2, 0}).ret, 0);         // another name, another record

  KernelConfig legacy;
  legacy.template_kind = TemplateKind::ima;
  EXPECT_EQ(measured_template(legacy, 2, 0, false, 3000).fields[1], field_name("f2"));
  EXPECT_EQ(measured_template(legacy, 2, 0, false, 255).fields[1],
            field_name(measured_path(2, 255)));
}

// ima_write_template_field_data turns spaces of string fields into underscores; seen on
// a Chen v5 kernel, whose trim record is named "trim ima event logs" in the source.
TEST(Baseline, EventNamesHaveNoSpaces) {
  const Bytes name = field_name("trim ima event logs");
  EXPECT_EQ(std::string(name.begin(), name.end()), std::string("trim_ima_event_logs") + '\0');
}

} // namespace
} // namespace trimcheck::model
