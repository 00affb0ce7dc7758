// Chen v1-v5 (spec 2.2-2.6, 2.15, 2.16) through the public API. Every test starts from
// a kernel whose L holds the boot_aggregate (serial 0) and files 1-5 (serials 1-5).
#include "harness.hpp"

#include <regex>

namespace trimcheck::test {
namespace {

using namespace model;
using namespace std::string_literals;

constexpr ProposalId kV1 = ProposalId::chen_v1, kV2 = ProposalId::chen_v2,
                     kV3 = ProposalId::chen_v3, kV4 = ProposalId::chen_v4,
                     kV5 = ProposalId::chen_v5;
constexpr ProposalId kAllVersions[] = {kV1, kV2, kV3, kV4, kV5};
constexpr std::int64_t kLen = INT64_MAX; // "the write returns its byte count"
const std::string kTrimLog = "ima_trim_log";
const std::vector<Serial> kOriginal{0, 1, 2, 3, 4, 5};

std::string key(ProposalId id) {
  return std::string(proposal_info(id).key);
}

KernelState booted(ProposalId id, KernelConfig config = {}) {
  KernelState state = boot(id, config);
  measure_files(state, 5);
  return state;
}

// The version's command to remove n records, given the current trimcount T.
std::string trim_command(ProposalId id, int n, std::int64_t total = 0) {
  switch (id) {
  case ProposalId::chen_v1:
  case ProposalId::chen_v2:
    return (n < 10 ? "0" : "") + std::to_string(n); // digits only, at least two bytes
  case ProposalId::chen_v3:
    return std::to_string(n) + "\n";
  default:
    return std::to_string(total) + ":" + std::to_string(n);
  }
}

std::int64_t trim(KernelState &state, ProposalId id, int n) {
  return write_file(state, 1, kTrimLog, bytes(trim_command(id, n, state.counters.trimcount)));
}

// ---------------------------------------------------------------------------------
// Files and open rules (2.2, 2.3, 2.4)

TEST(ChenFiles, TrimLogExistsPerVersionAndKconfig) {
  for (ProposalId id : kAllVersions)
    for (bool log_trimming : {true, false}) {
      KernelConfig config;
      config.log_trimming = log_trimming;
      KernelState state = boot(id, config);
      const bool gated = id != kV1 && id != kV2;
      auto it = std::find_if(state.files.begin(), state.files.end(),
                             [](const FileSpec &f) { return f.path == "ima_trim_log"; });
      const bool exists = it != state.files.end();
      EXPECT_EQ(exists, !gated || log_trimming) << key(id) << " log_trimming=" << log_trimming;
      if (exists) {
        EXPECT_EQ(it->mode, 0660);
        EXPECT_EQ(it->kind, FileKind::trim_log);
      } else {
        EXPECT_EQ(apply(state, Open{1, kTrimLog, Access::write}).ret, kENOENT);
      }
    }
}

struct OpenCase {
  bool cap;
  Access access;
  std::int64_t ret;         // 0: success (an fd)
  std::int64_t users_v1;    // ima_measure_users afterwards: v1 has no slots (2.2)
  std::int64_t users_v2_on; // v2+: a write-mode open is the single writer (2.3)
};

TEST(ChenOpen, CapabilityAndWriterSlot) {
  const std::vector<OpenCase> cases = {
      {true, Access::read, 0, 0, 0}, // read-only: allowed, not counted
      {true, Access::write, 0, 0, -1},
      {true, Access::read_write, 0, 0, -1},
      {false, Access::read, kEPERM, 0, 0},
      {false, Access::write, kEPERM, 0, 0},
      {false, Access::read_write, kEPERM, 0, 0},
  };
  for (ProposalId id : kAllVersions)
    for (const OpenCase &c : cases) {
      KernelState state = booted(id);
      const Pid pid = c.cap ? 1 : static_cast<Pid>(apply(state, Spawn{false}).ret);
      const std::int64_t ret = apply(state, Open{pid, kTrimLog, c.access}).ret;
      SCOPED_TRACE(key(id) + " cap=" + std::to_string(c.cap) +
                   " access=" + std::to_string(static_cast<int>(c.access)));
      if (c.ret == 0)
        EXPECT_GE(ret, 3);
      else
        EXPECT_EQ(ret, c.ret);
      EXPECT_EQ(state.users, id == kV1 ? c.users_v1 : c.users_v2_on);
    }
}

struct ExclusionCase {
  std::string first_path;
  Access first;
  std::string second_path;
  Access second;
  std::int64_t v1; // v1 has no mediation (2.2)
  std::int64_t v2_plus;
};

TEST(ChenOpen, ReaderWriterExclusion) {
  const std::string list = "ascii_runtime_measurements";
  const std::string binary = "binary_runtime_measurements_sha256";
  const std::vector<ExclusionCase> cases = {
      {kTrimLog, Access::write, kTrimLog, Access::write, 0, kEBUSY}, // second writer
      {kTrimLog, Access::write, kTrimLog, Access::read_write, 0, kEBUSY},
      {kTrimLog, Access::write, list, Access::read, 0, kEBUSY}, // reader while writer
      {kTrimLog, Access::write, binary, Access::read, 0, kEBUSY},
      {kTrimLog, Access::write, kTrimLog, Access::read, 0, 0},  // trimcount reader ok
      {list, Access::read, kTrimLog, Access::write, 0, kEBUSY}, // writer while reader
      {list, Access::read, list, Access::read, 0, 0},           // readers share
      {list, Access::read, kTrimLog, Access::read, 0, 0},
  };
  for (ProposalId id : kAllVersions)
    for (const ExclusionCase &c : cases) {
      KernelState state = booted(id);
      const Pid other = static_cast<Pid>(apply(state, Spawn{true}).ret);
      open_fd(state, 1, c.first_path, c.first);
      const std::int64_t ret = apply(state, Open{other, c.second_path, c.second}).ret;
      const std::int64_t expected = id == kV1 ? c.v1 : c.v2_plus;
      SCOPED_TRACE(key(id) + ": " + c.first_path + " then " + c.second_path);
      if (expected == 0)
        EXPECT_GE(ret, 3);
      else
        EXPECT_EQ(ret, expected);
    }
}

TEST(ChenOpen, ListMediationIsNotGatedByKconfig) {
  for (ProposalId id : {kV3, kV4, kV5}) {
    KernelConfig config;
    config.log_trimming = false;
    KernelState state = booted(id, config);
    open_fd(state, 1, "ascii_runtime_measurements", Access::read);
    EXPECT_EQ(apply(state, Open{1, "binary_runtime_measurements", Access::write}).ret, kEBUSY)
        << key(id);
  }
}

// 2.3: release tests the closing task; without CAP_SYS_ADMIN the writer slot stays taken.
TEST(ChenOpen, ReleaseAfterDropCapKeepsTheWriterSlot) {
  for (ProposalId id : kAllVersions)
    for (bool drop : {false, true}) {
      KernelState state = booted(id);
      const int fd = open_fd(state, 1, kTrimLog, Access::write);
      if (drop)
        apply(state, DropCap{1});
      apply(state, Close{1, fd});
      const bool slot_kept = drop && id != kV1;
      SCOPED_TRACE(key(id) + " drop=" + std::to_string(drop));
      EXPECT_EQ(state.users, slot_kept ? -1 : 0);
      const Pid admin = static_cast<Pid>(apply(state, Spawn{true}).ret);
      const std::int64_t writer = apply(state, Open{admin, kTrimLog, Access::write}).ret;
      if (slot_kept) {
        EXPECT_EQ(writer, kEBUSY);
        EXPECT_EQ(apply(state, Open{admin, "ascii_runtime_measurements"}).ret, kEBUSY);
      } else {
        EXPECT_GE(writer, 3);
        apply(state, Close{admin, static_cast<int>(writer)});
        EXPECT_GE(apply(state, Open{admin, "ascii_runtime_measurements"}).ret, 3);
      }
    }
}

// ---------------------------------------------------------------------------------
// Read of trimcount and *ppos (2.2, 2.5)

TEST(ChenRead, TrimcountAdvancesPosAndBlocksALaterWrite) {
  for (ProposalId id : kAllVersions) {
    KernelState state = booted(id);
    const int fd = open_fd(state, 1, kTrimLog, Access::read_write);
    Outcome first = apply(state, Read{1, fd, 100});
    EXPECT_EQ(text(first.data), "0\n") << key(id);
    EXPECT_EQ(apply(state, Read{1, fd, 100}).ret, 0) << key(id);
    const Bytes command = bytes(trim_command(id, 2));
    EXPECT_EQ(write_fd(state, 1, fd, command), kEINVAL) << key(id) << ": *ppos > 0";
    apply(state, Seek{1, fd});
    EXPECT_EQ(write_fd(state, 1, fd, command), static_cast<std::int64_t>(command.size()));
    apply(state, Seek{1, fd});
    EXPECT_EQ(text(apply(state, Read{1, fd, 100}).data), "2\n") << key(id);
    // A write does not move *ppos: a second write on the same fd is accepted.
    const Bytes next = bytes(trim_command(id, 1, 2));
    apply(state, Seek{1, fd});
    EXPECT_EQ(write_fd(state, 1, fd, next), static_cast<std::int64_t>(next.size())) << key(id);
  }
}

// ---------------------------------------------------------------------------------
// Write grammars (2.2-2.6): each case starts from L = 6 records, trimcount 0.

struct GrammarCase {
  std::string input;
  std::int64_t ret; // kLen: success
  std::size_t removed;
};

void check_grammar(ProposalId id, const std::vector<GrammarCase> &cases) {
  for (const GrammarCase &c : cases) {
    KernelState state = booted(id);
    const std::int64_t ret = write_file(state, 1, kTrimLog, bytes(c.input));
    SCOPED_TRACE(key(id) + " input \"" + c.input + "\" (" + std::to_string(c.input.size()) +
                 " bytes)");
    EXPECT_EQ(ret, c.ret == kLen ? static_cast<std::int64_t>(c.input.size()) : c.ret);
    EXPECT_EQ(state.ghost.del,
              std::vector<Serial>(kOriginal.begin(),
                                  kOriginal.begin() + static_cast<std::ptrdiff_t>(c.removed)));
    EXPECT_EQ(state.counters.trimcount, static_cast<std::int64_t>(c.removed));
  }
}

TEST(ChenGrammar, V1DigitsOnlyPartialTrim) {
  check_grammar(kV1, {
                         {"05", kLen, 5},
                         {"5\n", kEINVAL, 0}, // echo 5 >
                         {"5", kEINVAL, 0},   // single digit must be zero-padded
                         {"", kEINVAL, 0},
                         {"00", kLen, 0},
                         {"06", kLen, 6},
                         {"99", kLen, 6}, // fewer records than N: all removed
                         {"12345678901", kLen, 6},
                         {"123456789012", kEINVAL, 0}, // 12 bytes
                         {"+5", kEINVAL, 0},
                         {"-5", kEINVAL, 0},
                         {" 5", kEINVAL, 0},
                         {"0x5", kEINVAL, 0},
                         {"5\0"s, kEINVAL, 0},
                     });
}

TEST(ChenGrammar, V2DigitsOnlyNoPartialTrim) {
  check_grammar(kV2, {
                         {"05", kLen, 5},
                         {"5\n", kEINVAL, 0},
                         {"5", kEINVAL, 0},
                         {"00", kLen, 0},
                         {"06", kLen, 6},
                         {"07", kENOENT, 0},
                         {"99", kENOENT, 0},
                         {"123456789012", kEINVAL, 0},
                         {"+5", kEINVAL, 0},
                         {"5\0"s, kEINVAL, 0},
                     });
}

TEST(ChenGrammar, V3Kstrtol) {
  check_grammar(kV3, {
                         {"5\n", kLen, 5},
                         {"05", kLen, 5},
                         {"+5", kLen, 5},
                         {"-5", kEIO, 0}, // the negative N is the error code
                         {"-1", kEPERM, 0},
                         {"-0", kLen, 0},
                         {"00", kLen, 0},
                         {"5", kEINVAL, 0}, // shorter than 2 bytes
                         {"5x", kEINVAL, 0},
                         {"5\n\n", kEINVAL, 0},
                         {"\n5", kEINVAL, 0},
                         {" 5", kEINVAL, 0},
                         {"0x5", kEINVAL, 0}, // base 10
                         {"+-5", kEINVAL, 0},
                         {"5\0"s, kLen, 5}, // the copy is NUL-terminated: parsing stops
                         {"5\0junk"s, kLen, 5},
                         {"06", kLen, 6},
                         {"07", kENOENT, 0},
                         {"12345678901", kENOENT, 0},
                         {"123456789012", kEINVAL, 0},
                         {"", kEINVAL, 0},
                     });
}

TEST(ChenGrammar, V4AndV5TotalColonN) {
  const std::vector<GrammarCase> cases = {
      {"0:5", kLen, 5},
      {"0:5\n", kLen, 5},
      {"00:5", kLen, 5},
      {":5", kLen, 5},     // empty T is 0
      {"1:5", kEINVAL, 0}, // stale T
      {"0:0x5", kLen, 5},  // kstrtoul base 0
      {"0:05", kLen, 5},   // octal
      {"0:08", kEINVAL, 0},
      {"0:+5", kLen, 5},
      {"0:-5", kEINVAL, 0},
      {"0:0", kLen, 0},
      {"0:", kEINVAL, 0},
      {"05", kEINVAL, 0}, // no ':'
      {"a:5", kEINVAL, 0},
      {"0:5x", kEINVAL, 0},
      {"0:5\n\n", kEINVAL, 0},
      {"0:5\0junk"s, kLen, 5},
      {"0\0:5"s, kEINVAL, 0}, // T stops at the NUL, no ':' there
      {"0:6", kLen, 6},
      {"0:7", kENOENT, 0},
      {"9223372036854775807:1", kEINVAL, 0}, // LONG_MAX parses, is not T
      {"9223372036854775808:1", kERANGE, 0},
      {"0:99999999999999999999", kERANGE, 0},
      {"0:0xffffffffffffffff", kEPERM, 0}, // ULONG_MAX as a long is -1
      {"0:9223372036854775808", INT64_MIN, 0},
      {"0", kEINVAL, 0},
      {"0:" + std::string(30, '0'), kLen, 0},    // 32 bytes: the longest accepted
      {"0:" + std::string(31, '0'), kEINVAL, 0}, // 33 bytes
  };
  for (ProposalId id : {kV4, kV5})
    check_grammar(id, cases);
}

// ---------------------------------------------------------------------------------
// Effects of removing 3 of 6 records: L, H, object lifetimes, counters (2.2-2.6)

struct EffectCase {
  ProposalId id;
  bool flush;
  bool disable_htable;
  bool still_hashed;  // the removed records are still linked in H
  bool rest_freed;    // their qe/entry/digests are freed
  std::size_t leaks;  // leak events
  std::size_t unsafe; // free-without-grace events
  bool size_is_rest;  // binary_runtime_size == size of L (else: never reduced)
};

TEST(ChenEffects, RemovingThreeRecords) {
  const std::vector<EffectCase> cases = {
      {kV1, false, false, false, false, 3, 3, false},
      {kV1, true, false, false, false, 3, 3, false}, // v1 has no flush option
      {kV1, false, true, false, false, 3, 0, false},
      {kV2, false, false, true, false, 0, 0, false},
      {kV2, true, false, false, true, 0, 12, false}, // freed right after the unlink
      {kV2, false, true, false, false, 3, 0, false},
      {kV2, true, true, false, true, 0, 0, false},
      {kV3, false, false, true, true, 0, 0, true}, // freed while still in H
      {kV3, true, false, false, true, 0, 0, true},
      {kV3, false, true, false, true, 0, 0, true},
      {kV4, false, false, true, false, 0, 0, true},
      {kV4, true, false, false, true, 0, 0, true},
      {kV4, false, true, false, false, 3, 0, true},
      {kV5, false, false, true, false, 0, 0, true},
      {kV5, true, false, true, true, 0, 0, true}, // never unlinked, freed anyway
      {kV5, false, true, false, false, 3, 0, true},
  };
  for (const EffectCase &c : cases) {
    KernelConfig config;
    config.flush_htable = c.flush;
    config.disable_htable = c.disable_htable;
    KernelState state = booted(c.id, config);
    SCOPED_TRACE(key(c.id) + " flush=" + std::to_string(c.flush) +
                 " disable_htable=" + std::to_string(c.disable_htable));
    ASSERT_GT(trim(state, c.id, 3), 0);

    const std::vector<Serial> removed{0, 1, 2};
    EXPECT_EQ(state.ghost.del, removed);
    std::vector<Serial> expected_list{3, 4, 5};
    const bool event = c.id != kV1;
    if (event)
      expected_list.push_back(6); // the trim's critical-data record
    EXPECT_EQ(list_serials(state), expected_list);
    for (Serial serial : removed) {
      const Node &node = node_of(state, serial);
      EXPECT_EQ(node.hashed, c.still_hashed) << "serial " << serial;
      EXPECT_TRUE(node.freed[static_cast<std::size_t>(Obj::data)]);
      for (Obj obj : {Obj::qe, Obj::entry, Obj::digests})
        EXPECT_EQ(node.freed[static_cast<std::size_t>(obj)], c.rest_freed) << obj_name(obj);
    }
    EXPECT_EQ(count_events(state, MemEventKind::leak), c.leaks);
    EXPECT_EQ(count_events(state, MemEventKind::free_without_grace), c.unsafe);
    EXPECT_EQ(count_events(state, MemEventKind::use_after_free), 0u);

    EXPECT_EQ(text(read_file(state, 1, "runtime_measurements_count")),
              std::to_string(expected_list.size()) + "\n");
    if (c.id == kV5) {
      EXPECT_EQ(state.counters.number_entries, 4);
      EXPECT_EQ(state.counters.htable_len, 7); // every record ever added
    } else {
      EXPECT_EQ(state.counters.htable_len, static_cast<std::int64_t>(expected_list.size()));
    }
    EXPECT_EQ(state.counters.bin_size, c.size_is_rest ? size_of(state, list_serials(state))
                                                      : size_of(state, state.ghost.full));
    EXPECT_EQ(state.counters.trimcount, 3);
  }
}

// Emptying L: v3/v4 reset binary_runtime_size; v5 leaves it (2.4, 2.6).
TEST(ChenEffects, RemovingEverything) {
  for (ProposalId id : kAllVersions) {
    KernelState state = booted(id);
    const std::uint64_t before = state.counters.bin_size;
    ASSERT_GT(trim(state, id, 6), 0);
    SCOPED_TRACE(key(id));
    EXPECT_EQ(state.ghost.del, kOriginal);
    const bool event = id != kV1;
    EXPECT_EQ(state.list.size(), event ? 1u : 0u);
    const std::uint64_t event_size = event ? size_of(state, {6}) : 0;
    switch (id) {
    case ProposalId::chen_v3:
    case ProposalId::chen_v4:
      EXPECT_EQ(state.counters.bin_size, event_size);
      break;
    default:
      EXPECT_EQ(state.counters.bin_size, before + event_size);
    }
  }
}

// ---------------------------------------------------------------------------------
// Critical-data records (2.3-2.6)

struct EventCase {
  ProposalId id;
  std::string first_buffer;  // after removing 2 (T = 0 before)
  std::string second_buffer; // after removing 1 more (T = 2 before)
};

std::string last_buffer(const KernelState &state) {
  const Record &record = state.contents.at(state.nodes.at(state.list.back()).serial);
  EXPECT_EQ(record.data.kind, TemplateKind::ima_buf);
  EXPECT_EQ(text(record.data.fields.at(1)), "trim_ima_event_logs"s + '\0'); // spaces: '_'
  return text(record.data.fields.at(2));
}

TEST(ChenEvents, CriticalDataBufferPerVersion) {
  const std::vector<EventCase> cases = {
      {kV2, "time=[0-9]+; log trim this time=2;", "time=[0-9]+; log trim this time=1;"},
      {kV3, "time= [0-9]+; number= 2;", "time= [0-9]+; number= 1;"},
      {kV4, "time= [0-9]+; number= 2;", "time= [0-9]+; number= 3;"}, // T after
      {kV5, "time= [0-9]+; number= 0;", "time= [0-9]+; number= 2;"}, // T before
  };
  for (const EventCase &c : cases) {
    KernelState state = booted(c.id);
    SCOPED_TRACE(key(c.id));
    ASSERT_GT(trim(state, c.id, 2), 0);
    const std::string first = last_buffer(state);
    EXPECT_TRUE(std::regex_match(first, std::regex(c.first_buffer))) << first;
    ASSERT_GT(trim(state, c.id, 1), 0);
    const std::string second = last_buffer(state);
    EXPECT_TRUE(std::regex_match(second, std::regex(c.second_buffer))) << second;
    EXPECT_NE(first.substr(0, 25), second.substr(0, 25)); // distinct timestamps
  }
}

TEST(ChenEvents, NoRecordForV1ForZeroOrWithoutAPolicyRule) {
  for (ProposalId id : kAllVersions)
    for (bool rule : {true, false}) {
      KernelConfig config;
      config.critical_data_rule = rule;
      KernelState state = booted(id, config);
      ASSERT_GT(trim(state, id, 0), 0);
      ASSERT_GT(trim(state, id, 2), 0);
      const bool expected = rule && id != kV1;
      EXPECT_EQ(state.contents.size(), expected ? 7u : 6u) << key(id) << " rule=" << rule;
    }
}

// ---------------------------------------------------------------------------------
// Dedupe and use-after-free when a removed file is measured again (P4a, P5)

struct DedupeCase {
  ProposalId id;
  bool flush;
  std::int64_t remeasure;
  bool use_after_free;
};

// A walk that reaches a freed queue entry is a use after free; the model does not guess
// what the freed memory answers, so it finds no duplicate there (issue 17, fault 4).
TEST(ChenMemory, MeasuringARemovedFileAgain) {
  const std::vector<DedupeCase> cases = {
      {kV1, false, 0, false},       {kV1, true, 0, false},        {kV2, false, kEEXIST, false},
      {kV2, true, 0, false},        {kV3, false, 0, true}, // the walk reaches a freed entry
      {kV3, true, 0, false},        {kV4, false, kEEXIST, false}, {kV4, true, 0, false},
      {kV5, false, kEEXIST, false}, {kV5, true, 0, true}, // flush frees what stays in H
  };
  for (const DedupeCase &c : cases) {
    KernelConfig config;
    config.flush_htable = c.flush;
    KernelState state = booted(c.id, config);
    ASSERT_GT(trim(state, c.id, 3), 0);
    const std::size_t before = state.events.size();
    EXPECT_EQ(apply(state, Measure{1, 0}).ret, c.remeasure) << key(c.id) << " flush=" << c.flush;
    EXPECT_EQ(count_events(state, MemEventKind::use_after_free) > 0, c.use_after_free)
        << key(c.id) << " flush=" << c.flush;
    if (c.use_after_free) {
      const MemEvent &event = state.events.at(before);
      EXPECT_EQ(event.serial, 1u);
      EXPECT_EQ(event.where, "ima_lookup_digest_entry");
    }
  }
}

// The walk visits a bucket newest first and stops at the first match: a duplicate found
// before the freed entry is refused without touching it.
TEST(ChenMemory, LookupStopsAtTheNewestMatch) {
  KernelState state = booted(kV3);
  const TemplateData f1 = state.contents.at(1).data;
  ASSERT_EQ(apply(state, MeasureRecord{11, f1}).ret, 0); // serial 6: /f1's digest on PCR 11
  ASSERT_GT(trim(state, kV3, 2), 0);                     // frees serials 0 and 1, still hashed
  EXPECT_EQ(apply(state, MeasureRecord{11, f1}).ret, kEEXIST);
  EXPECT_EQ(count_events(state, MemEventKind::use_after_free), 0u);
  EXPECT_EQ(apply(state, Measure{1, 0}).ret, 0); // PCR 10: the walk goes on to freed serial 1
  EXPECT_GT(count_events(state, MemEventKind::use_after_free), 0u);
}

// Finding 11 (docs/vm.md): every violation hashes to bucket 0, so linking a new violation
// writes the pprev link of the bucket's first node, the freed entry of a trimmed one.
TEST(ChenMemory, NewViolationLinksBehindAFreedViolation) {
  for (bool flush : {false, true}) {
    KernelConfig config;
    config.flush_htable = flush;
    KernelState state = boot(kV3, config);
    ASSERT_EQ(apply(state, MeasureViolation{5}).ret, 0); // serial 1
    ASSERT_GT(trim(state, kV3, 2), 0);
    EXPECT_EQ(count_events(state, MemEventKind::use_after_free), 0u);
    apply(state, MeasureViolation{1});
    const bool expected = !flush; // flush unlinks the trimmed violation first
    ASSERT_EQ(count_events(state, MemEventKind::use_after_free), expected ? 1u : 0u)
        << "flush=" << flush;
    if (expected) {
      EXPECT_EQ(state.events.back().serial, 1u);
      EXPECT_EQ(state.events.back().object, Obj::qe);
      EXPECT_EQ(state.events.back().where, "hlist_add_head_rcu (ima_add_digest_entry)");
    }
  }
}

// ---------------------------------------------------------------------------------
// Concurrency steps (2.15)

TEST(ChenSteps, NumberOfAtomicStepsPerVersion) {
  const std::vector<std::pair<ProposalId, int>> steps = {
      {kV1, 1}, {kV2, 2}, {kV3, 2}, {kV4, 2}, {kV5, 3}};
  for (auto [id, expected] : steps) {
    KernelState state = booted(id);
    const int fd = open_fd(state, 1, kTrimLog, Access::write);
    Outcome out = apply(state, Write{1, fd, bytes(trim_command(id, 2))});
    int taken = 1;
    while (!out.done) {
      EXPECT_TRUE(blocked(state, 1));
      out = apply(state, Continue{1});
      ++taken;
    }
    EXPECT_EQ(taken, expected) << key(id);
    EXPECT_EQ(out.ret, static_cast<std::int64_t>(trim_command(id, 2).size()));
  }
}

// v5: a record appended between the lockless pre-walk and the cut is not removed, and
// the cut then takes the partial path (binary_runtime_size reduced by the pre-walk sum).
TEST(ChenSteps, V5AppendBetweenPrewalkAndCutIsKept) {
  for (bool interleave : {false, true}) {
    KernelState state = booted(kV5);
    const std::uint64_t before = state.counters.bin_size;
    const int fd = open_fd(state, 1, kTrimLog, Access::write);
    Outcome out = apply(state, Write{1, fd, bytes("0:6")});
    ASSERT_FALSE(out.done);
    EXPECT_EQ(state.list.size(), 6u); // pre-walk removed nothing
    if (interleave) {
      ASSERT_EQ(apply(state, Measure{7, 0}).ret, 0); // serial 6
    }
    out = complete(state, 1, out);
    EXPECT_EQ(out.ret, 3);
    EXPECT_EQ(state.ghost.del, kOriginal) << "interleave=" << interleave;
    const std::vector<Serial> rest =
        interleave ? std::vector<Serial>{6, 7} : std::vector<Serial>{6};
    EXPECT_EQ(list_serials(state), rest);
    EXPECT_EQ(state.counters.number_entries, static_cast<std::int64_t>(rest.size()));
    const std::uint64_t expected_size =
        interleave ? size_of(state, rest) : before + size_of(state, rest); // whole-list path
    EXPECT_EQ(state.counters.bin_size, expected_size);
  }
}

// v3: the cut happens under the mutex, the frees after it; a duplicate measured in
// between is still deduplicated safely, one measured after the frees reads freed memory.
TEST(ChenSteps, V3DuplicateBetweenCutAndFree) {
  KernelState state = booted(kV3);
  const int fd = open_fd(state, 1, kTrimLog, Access::write);
  Outcome out = apply(state, Write{1, fd, bytes("3\n")});
  ASSERT_FALSE(out.done);
  EXPECT_EQ(state.ghost.del, (std::vector<Serial>{0, 1, 2}));
  EXPECT_EQ(list_serials(state), (std::vector<Serial>{3, 4, 5}));
  EXPECT_EQ(apply(state, Measure{1, 0}).ret, kEEXIST);
  EXPECT_EQ(count_events(state, MemEventKind::use_after_free), 0u);
  // Readers stay excluded while the call is in flight.
  const Pid reader = static_cast<Pid>(apply(state, Spawn{true}).ret);
  EXPECT_EQ(apply(state, Open{reader, "ascii_runtime_measurements"}).ret, kEBUSY);
  complete(state, 1, out);
  // Freed but still hashed: the walk reads freed memory and the model finds no duplicate.
  EXPECT_EQ(apply(state, Measure{1, 0}).ret, 0);
  EXPECT_GT(count_events(state, MemEventKind::use_after_free), 0u);
}

// The writer slot belongs to the open file: a forked child shares it and writes with no
// mutex around the request. v4: both writers pass the T check before either finishes,
// so the same view is trimmed twice (P9).
TEST(ChenSteps, V4SharedWriterFdTrimsTwice) {
  KernelState state = booted(kV4);
  const int fd = open_fd(state, 1, kTrimLog, Access::write);
  const Pid child = static_cast<Pid>(apply(state, Fork{1}).ret);
  Outcome parent = apply(state, Write{1, fd, bytes("0:2")});
  ASSERT_FALSE(parent.done);
  EXPECT_EQ(complete(state, child, apply(state, Write{child, fd, bytes("0:2")})).ret, 3);
  EXPECT_EQ(complete(state, 1, parent).ret, 3);
  EXPECT_EQ(state.ghost.del, (std::vector<Serial>{0, 1, 2, 3}));
  EXPECT_EQ(state.counters.trimcount, 4);
}

// v5: the child's trim removes the record the parent remembered in its pre-walk; the
// parent's cut then works on a node outside L.
TEST(ChenSteps, V5SharedWriterFdCutsAtAVanishedRecord) {
  KernelState state = booted(kV5);
  const int fd = open_fd(state, 1, kTrimLog, Access::write);
  const Pid child = static_cast<Pid>(apply(state, Fork{1}).ret);
  Outcome parent = apply(state, Write{1, fd, bytes("0:2")});
  ASSERT_FALSE(parent.done);
  EXPECT_EQ(complete(state, child, apply(state, Write{child, fd, bytes("0:2")})).ret, 3);
  EXPECT_EQ(count_events(state, MemEventKind::list_corruption), 0u);
  EXPECT_EQ(complete(state, 1, parent).ret, 3);
  EXPECT_EQ(count_events(state, MemEventKind::list_corruption), 1u);
  EXPECT_EQ(state.events.back().serial, 1u); // the parent's remembered second record
  EXPECT_EQ(state.ghost.del, (std::vector<Serial>{0, 1}));
}

// v1: no mediation, so a reader's *pos survives a trim by another fd and skips records.
TEST(ChenSteps, V1ReaderSkipsRecordsAfterATrim) {
  KernelState state = booted(kV1);
  const Pid reader = static_cast<Pid>(apply(state, Spawn{true}).ret);
  const int fd = open_fd(state, reader, "ascii_runtime_measurements", Access::read);
  std::vector<Serial> delivered;
  Outcome first = apply(state, Read{reader, fd, 1}); // renders record 0, *pos = 1
  delivered.insert(delivered.end(), first.delivered.begin(), first.delivered.end());
  ASSERT_EQ(trim(state, kV1, 2), 2);
  for (;;) {
    Outcome out = apply(state, Read{reader, fd, 4096});
    if (out.ret <= 0)
      break;
    delivered.insert(delivered.end(), out.delivered.begin(), out.delivered.end());
  }
  EXPECT_EQ(delivered, (std::vector<Serial>{0, 3, 4, 5})); // record 2 never seen
  EXPECT_EQ(list_serials(state), (std::vector<Serial>{2, 3, 4, 5}));
}

// ---------------------------------------------------------------------------------
// Kexec (2.16): trimcount is lost; the carried list lacks the removed records.

TEST(ChenKexec, TrimcountIsLost) {
  for (ProposalId id : kAllVersions) {
    KernelState state = booted(id);
    ASSERT_GT(trim(state, id, 2), 0);
    EXPECT_EQ(text(read_file(state, 1, kTrimLog)), "2\n");
    kexec(state);
    SCOPED_TRACE(key(id));
    EXPECT_EQ(text(read_file(state, 1, kTrimLog)), "0\n");
    EXPECT_EQ(state.users, 0);
    EXPECT_EQ(list_serials(state).front(), 2u);
    EXPECT_TRUE(state.ghost.del.empty());
    if (id == kV4 || id == kV5) {
      EXPECT_EQ(write_file(state, 1, kTrimLog, bytes("2:1")), kEINVAL);
      EXPECT_EQ(write_file(state, 1, kTrimLog, bytes("0:1")), 3);
    }
  }
}

struct RestoredCase {
  ProposalId id;
  bool flush;
  std::size_t garbage_unlinks; // hlist_del_rcu on a never-linked restored node (4.6)
  std::size_t leaks;
};

TEST(ChenKexec, TrimmingRestoredRecords) {
  const std::vector<RestoredCase> cases = {
      {kV1, false, 2, 2}, {kV2, false, 0, 2}, {kV2, true, 2, 0},
      {kV3, false, 0, 0}, {kV3, true, 2, 0},  {kV4, false, 0, 2},
      {kV4, true, 2, 0},  {kV5, false, 0, 2}, {kV5, true, 0, 0},
  };
  for (const RestoredCase &c : cases) {
    KernelConfig config;
    config.flush_htable = c.flush;
    KernelState state = booted(c.id, config);
    kexec(state);
    const std::size_t leaks_before = count_events(state, MemEventKind::leak);
    ASSERT_GT(trim(state, c.id, 2), 0);
    SCOPED_TRACE(key(c.id) + " flush=" + std::to_string(c.flush));
    EXPECT_EQ(state.ghost.del, (std::vector<Serial>{0, 1}));
    EXPECT_EQ(count_events(state, MemEventKind::unlink_garbage), c.garbage_unlinks);
    EXPECT_EQ(count_events(state, MemEventKind::leak) - leaks_before, c.leaks);
  }
}

} // namespace
} // namespace trimcheck::test
