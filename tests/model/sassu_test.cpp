// The Sassu series, RFC v1 .. v7 (spec 2.7-2.16), through the public API only: files,
// the write grammar of every version, open mediation and reads. Effects, memory and
// interleavings are in sassu_effects_test.cpp, kexec in sassu_kexec_test.cpp.
#include "sassu_harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <string>

namespace trimcheck::test {
namespace {

using namespace sassu_series;

// ---- Files (spec 2.7, 2.9, 2.10, 2.11, 2.13) ----

TEST(SassuFiles, NamesModesSymlinksAndKconfigPerVersion) {
  for (ProposalId id : kVersions) {
    const bool rfc = id <= sassu_rfc2;
    for (bool staging : {true, false}) {
      KernelConfig config;
      config.staging = staging;
      const KernelState state = boot(id, config);
      const bool staged_exist = staging || id < sassu_v4; // CONFIG_IMA_STAGING from v4
      const std::string per_algo = rfc ? "binary_runtime_measurements_staged_sha256"
                                       : "binary_runtime_measurements_sha256_staged";
      const std::string other = rfc ? "binary_runtime_measurements_sha256_staged"
                                    : "binary_runtime_measurements_staged_sha256";
      const std::string ascii_per_algo =
          rfc ? "ascii_runtime_measurements_staged_sha1" : "ascii_runtime_measurements_sha1_staged";
      SCOPED_TRACE(key(id) + (staging ? " staging" : " !staging"));
      EXPECT_EQ(find_file(state, other), nullptr);
      const FileSpec *spec = find_file(state, per_algo);
      const FileSpec *ascii = find_file(state, ascii_per_algo);
      const FileSpec *link = find_file(state, kStaged);
      const FileSpec *ascii_link = find_file(state, kStagedAscii);
      if (!staged_exist) {
        EXPECT_EQ(spec, nullptr);
        EXPECT_EQ(link, nullptr);
        EXPECT_EQ(ascii_link, nullptr);
      } else {
        ASSERT_NE(spec, nullptr);
        ASSERT_NE(ascii, nullptr);
        ASSERT_NE(link, nullptr);
        ASSERT_NE(ascii_link, nullptr);
        EXPECT_EQ(spec->mode, 0660);
        EXPECT_EQ(spec->kind, FileKind::staged_binary);
        EXPECT_EQ(ascii->kind, FileKind::staged_ascii);
        EXPECT_EQ(link->link_to, rfc ? "binary_runtime_measurements_staged_sha1"
                                     : "binary_runtime_measurements_sha1_staged");
        EXPECT_EQ(ascii_link->link_to, ascii_per_algo);
      }
      const FileSpec *live = find_file(state, "binary_runtime_measurements_sha256");
      ASSERT_NE(live, nullptr);
      EXPECT_EQ(live->mode, id >= sassu_v5 ? 0660 : 0440);
      EXPECT_EQ(find_file(state, "ascii_runtime_measurements_sha1")->mode,
                id >= sassu_v5 ? 0660 : 0440);
    }
  }
}

TEST(SassuFiles, WithoutStagingKconfigOnlyTheLiveNCommandRemains) {
  KernelConfig config;
  config.staging = false;
  for (ProposalId id : {sassu_v4, sassu_v5, sassu_v6, sassu_v7}) {
    KernelState state = booted(id, config);
    EXPECT_EQ(open_result(state, 1, kStaged, Access::write), -ENOENT) << key(id);
    const int fd = open_result(state, 1, kLive, Access::write);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(write_all(state, 1, fd, "1\n"), id == sassu_v4 ? -EINVAL : 2) << key(id);
  }
}

// ---- Write grammar (spec 2.7-2.14) ----

struct GrammarCase {
  ProposalId id;
  bool staged_file; // write to the staged file (else the live one)
  std::string input;
  std::int64_t expected; // return value of write(2): length or -errno
  bool stage_first = false;
  bool flush = false;
  bool disable_htable = false;
};

std::string describe_case(const GrammarCase &c) {
  std::string text;
  for (char ch : c.input)
    text += ch == '\n' ? std::string("\\n") : ch == '\0' ? std::string("\\0") : std::string(1, ch);
  return key(c.id) + (c.staged_file ? " staged " : " live ") + "\"" + text + "\"" +
         (c.stage_first ? " after A" : "") + (c.flush ? " flush" : "") +
         (c.disable_htable ? " DISABLE_HTABLE" : "");
}

std::int64_t run_case(const GrammarCase &c) {
  KernelState state = booted(c.id, config_with(c.flush, c.disable_htable)); // |L| = 4
  if (c.stage_first) {
    EXPECT_EQ(command(state, 'A', "A\n"), 2);
  }
  const int fd = open_result(state, 1, c.staged_file ? kStaged : kLive, Access::write);
  EXPECT_GE(fd, 0);
  return write_all(state, 1, fd, c.input);
}

const std::string k22Bytes = std::string(21, '1') + "\n";
const std::string kUlongMax = "18446744073709551615\n";
const std::string kAboveUlongMax = "18446744073709551616\n";
const std::string kLongMax = "9223372036854775807\n";
const std::string kAboveLongMax = "9223372036854775808\n";
constexpr bool S = true, L = false;

const std::vector<GrammarCase> kGrammar = {
    // RFC v1: base 0, first '\n' cut, "A"/"D" need len 2 and a NUL at [1].
    {sassu_rfc1, S, "A\n", 2},
    {sassu_rfc1, S, "D\n", -ENOENT},
    {sassu_rfc1, S, "D\n", 2, true},
    {sassu_rfc1, S, "A", -EINVAL},
    {sassu_rfc1, S, k22Bytes, -EINVAL},
    {sassu_rfc1, S, "AX", -EINVAL},
    {sassu_rfc1, S, std::string("A\0", 2), 2},
    {sassu_rfc1, S, "A\n\n", -EINVAL},
    {sassu_rfc1, S, "2\n", 2},
    {sassu_rfc1, S, "0x2\n", 4},
    {sassu_rfc1, S, "04\n", 3},
    {sassu_rfc1, S, "010\n", -ENOENT},
    {sassu_rfc1, S, "0\n", -ENOENT},
    {sassu_rfc1, S, "5\n", -ENOENT},
    {sassu_rfc1, S, "12", -ENOENT},
    {sassu_rfc1, S, "3\nxy", 4},
    {sassu_rfc1, S, "+2\n", 3},
    {sassu_rfc1, S, "-1\n", -EINVAL},
    {sassu_rfc1, S, "2x\n", -EINVAL},
    {sassu_rfc1, S, kUlongMax, 21},
    {sassu_rfc1, S, kAboveUlongMax, -ERANGE},
    {sassu_rfc1, S, "1\n", 2, false, true},
    {sassu_rfc1, S, "A\n", -EEXIST, true},
    {sassu_rfc1, S, "1\n", -EEXIST, true},
    {sassu_rfc1, L, "A\n", -EINVAL},
    // RFC v2: trailing '\n', "-<N>" trim, 0 < N <= LONG_MAX, LONG_MAX = all.
    {sassu_rfc2, S, "A\n", 2},
    {sassu_rfc2, S, "AX", -EINVAL},
    {sassu_rfc2, S, std::string("A\0", 2), -EINVAL},
    {sassu_rfc2, S, "12", -EINVAL},
    {sassu_rfc2, S, "2\n", 2},
    {sassu_rfc2, S, "-2\n", 3},
    {sassu_rfc2, S, "0\n", -EINVAL},
    {sassu_rfc2, S, "-0\n", -EINVAL},
    {sassu_rfc2, S, kAboveLongMax, -EINVAL},
    {sassu_rfc2, S, kLongMax, 20},
    {sassu_rfc2, S, "-" + kLongMax, 21},
    {sassu_rfc2, S, "0x2\n", 4},
    {sassu_rfc2, S, "3\nx\n", -EINVAL},
    {sassu_rfc2, S, "3\n\n", 3},
    {sassu_rfc2, S, "5\n", -ENOENT},
    {sassu_rfc2, S, "-5\n", -ENOENT},
    {sassu_rfc2, S, "-x\n", -EINVAL},
    {sassu_rfc2, S, "A\n", -EEXIST, true},
    {sassu_rfc2, S, "-1\n", -EEXIST, true},
    {sassu_rfc2, S, "D\n", -ENOENT},
    {sassu_rfc2, S, "D\n", 2, true},
    {sassu_rfc2, S, "-1\n", 3, false, true},
    {sassu_rfc2, L, "A\n", -EINVAL},
    // v3: decimal, 1 <= N < ULONG_MAX, N deletes from S, flush forbids N after parsing.
    {sassu_v3, S, "A\n", 2},
    {sassu_v3, S, "D\n", -ENOENT},
    {sassu_v3, S, "1\n", -ENOENT},
    {sassu_v3, S, "2\n", 2, true},
    {sassu_v3, S, "4\n", 2, true},
    {sassu_v3, S, "5\n", -ENOENT, true},
    {sassu_v3, S, "0x2\n", -EINVAL, true},
    {sassu_v3, S, "0\n", -EINVAL, true},
    {sassu_v3, S, "-1\n", -EINVAL, true},
    {sassu_v3, S, "12", -EINVAL, true},
    {sassu_v3, S, kUlongMax, -ERANGE, true},
    {sassu_v3, S, kUlongMax, -ERANGE, true, true},
    {sassu_v3, S, "1\n", -EINVAL, true, true},
    {sassu_v3, S, "1\n", 2, true, true, true}, // flush ignored with DISABLE_HTABLE
    {sassu_v3, S, "D\n", 2, true, true},
    {sassu_v3, S, "A\n", -EEXIST, true},
    {sassu_v3, L, "A\n", -EINVAL},
    // v4: N stages first (EEXIST if staged), flush checked before parsing.
    {sassu_v4, S, "2\n", 2},
    {sassu_v4, S, "4\n", 2},
    {sassu_v4, S, "2\n", -EEXIST, true},
    {sassu_v4, S, "9\n", -ENOENT},
    {sassu_v4, S, kUlongMax, -ENOENT},
    {sassu_v4, S, kAboveUlongMax, -ERANGE},
    {sassu_v4, S, "2\n", -EINVAL, false, true},
    {sassu_v4, S, kAboveUlongMax, -EINVAL, false, true},
    {sassu_v4, S, "2\n", 2, false, true, true},
    {sassu_v4, S, "0\n", -EINVAL},
    {sassu_v4, S, "D\n", -ENOENT},
    {sassu_v4, S, "D\n", 2, true},
    {sassu_v4, S, "D\n", 2, true, true},
    {sassu_v4, L, "A\n", -EINVAL},
    {sassu_v4, L, "2\n", -EINVAL},
    // v5: A and N on live, D on staged.
    {sassu_v5, L, "A\n", 2},
    {sassu_v5, S, "A\n", -EINVAL},
    {sassu_v5, S, "D\n", 2, true},
    {sassu_v5, L, "D\n", -EINVAL, true},
    {sassu_v5, L, "2\n", 2},
    {sassu_v5, S, "2\n", -EINVAL},
    {sassu_v5, L, "2\n", -EINVAL, false, true},
    {sassu_v5, L, "0\n", -EINVAL},
    {sassu_v5, L, "x\n", -EINVAL},
    {sassu_v5, L, "5\n", -ENOENT},
    {sassu_v5, L, "AX\n", -EINVAL},
    {sassu_v5, L, kAboveUlongMax, -ERANGE},
    {sassu_v5, L, "A\n", -EEXIST, true},
    // v6/v7 (the same rows run for v6): A and D on staged, N on live.
    {sassu_v7, S, "A\n", 2},
    {sassu_v7, L, "A\n", -EINVAL},
    {sassu_v7, S, "A\n", -EEXIST, true},
    {sassu_v7, S, "AB\n", -EINVAL},
    {sassu_v7, S, "D\n", -ENOENT},
    {sassu_v7, S, "D\n", 2, true},
    {sassu_v7, L, "D\n", -EINVAL, true},
    {sassu_v7, L, "2\n", 2},
    {sassu_v7, L, "4\n", 2},
    {sassu_v7, L, "5\n", -ENOENT},
    {sassu_v7, S, "2\n", -EINVAL},
    {sassu_v7, L, "2\n", -EINVAL, false, true},
    {sassu_v7, L, "2\n", 2, false, true, true},
    {sassu_v7, L, "0\n", -EINVAL},
    {sassu_v7, L, "x\n", -EINVAL},
    {sassu_v7, L, "0x2\n", -EINVAL},
    {sassu_v7, L, "+2\n", 3},
    {sassu_v7, L, "2 \n", -EINVAL},
    {sassu_v7, L, "99999999999999999999\n", -ERANGE},
    {sassu_v7, L, kUlongMax, -ENOENT},
    {sassu_v7, L, "2", -EINVAL},
    {sassu_v7, L, "\n", -EINVAL},
    {sassu_v7, L, k22Bytes, -EINVAL},
    {sassu_v7, L, std::string(20, '0') + "\n", -EINVAL},
    {sassu_v7, L, std::string(19, '0') + "2\n", 21},
};

TEST(SassuGrammar, EveryVersionAcceptsAndRefusesExactlyAsSpecified) {
  for (const GrammarCase &c : kGrammar)
    EXPECT_EQ(run_case(c), c.expected) << describe_case(c);
}

TEST(SassuGrammar, V6BehavesAsV7) {
  for (GrammarCase c : kGrammar)
    if (c.id == sassu_v7) {
      c.id = sassu_v6;
      EXPECT_EQ(run_case(c), c.expected) << describe_case(c);
    }
}

TEST(SassuGrammar, CommonErrorsInEveryVersion) {
  for (ProposalId id : kVersions) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    EXPECT_EQ(command(state, 'D', "D\n"), -ENOENT); // nothing staged
    EXPECT_EQ(command(state, 'A', "A\n"), 2);
    EXPECT_EQ(command(state, 'A', "A\n"), -EEXIST); // already staged
    EXPECT_EQ(command(state, 'D', "D\n"), 2);
    EXPECT_EQ(command(state, 'A', "A\n"), -ENOENT); // L empty
    EXPECT_EQ(command(state, 'D', "D\n"), -ENOENT);
    EXPECT_EQ(command(state, 'N', "A"), -EINVAL);      // too short
    EXPECT_EQ(command(state, 'N', k22Bytes), -EINVAL); // too long
    EXPECT_EQ(state.events.size(), 0u);
  }
}

// *ppos: RFC v1 .. v5 refuse a write after a read on the same file unless it seeks back
// to 0; v6/v7 ignore it (spec 2.10, 2.12).
TEST(SassuGrammar, WriteAfterReadOnTheSameFile) {
  for (ProposalId id : kVersions) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    EXPECT_EQ(command(state, 'A', "A\n"), 2);
    const int fd = open_result(state, 1, kStaged, Access::read_write);
    ASSERT_GE(fd, 0);
    EXPECT_GT(read_fd(state, 1, fd).ret, 0);
    const std::int64_t expected = id >= sassu_v6 ? 2 : -EINVAL;
    EXPECT_EQ(write_all(state, 1, fd, "D\n"), expected);
    if (expected < 0) {
      apply(state, Seek{1, fd});
      EXPECT_EQ(write_all(state, 1, fd, "D\n"), 2);
    }
    EXPECT_TRUE(state.staged.empty());
  }
}

// ---- Open mediation (spec 2.7, 2.12, 2.13, P15) ----

TEST(SassuMediation, SingleWriterExcludesReadersAndOtherWriters) {
  for (ProposalId id : {sassu_rfc1, sassu_rfc2, sassu_v3, sassu_v4, sassu_v5}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    const Pid other = static_cast<Pid>(apply(state, Spawn{}).ret);
    const Pid unprivileged = static_cast<Pid>(apply(state, Spawn{false}).ret);
    EXPECT_EQ(open_result(state, unprivileged, kStaged, Access::write), -EPERM);
    EXPECT_EQ(open_result(state, unprivileged, kStaged, Access::read_write), -EPERM);
    const int reader = open_result(state, other, kLiveAscii, Access::read);
    ASSERT_GE(reader, 0);
    EXPECT_EQ(state.users, 1);
    EXPECT_EQ(open_result(state, 1, kStaged, Access::write), -EBUSY); // reader excludes writer
    apply(state, Close{other, reader});
    const int writer = open_result(state, 1, kStaged, Access::write);
    ASSERT_GE(writer, 0);
    EXPECT_EQ(state.users, -1);
    EXPECT_EQ(open_result(state, other, kLive, Access::read), -EBUSY);
    EXPECT_EQ(open_result(state, 1, kLive, Access::read), -EBUSY);
    EXPECT_EQ(open_result(state, 1, kLive, Access::write), -EBUSY); // even the same task
    EXPECT_EQ(open_result(state, other, kStaged, Access::read_write), -EBUSY);
    EXPECT_GE(open_result(state, other, "runtime_measurements_count", Access::read), 0);
    apply(state, Close{1, writer});
    EXPECT_EQ(state.users, 0);
    EXPECT_GE(open_result(state, other, kStaged, Access::read), 0);
  }
}

// CAP_SYS_ADMIN is checked at open only (P16): dropping it later changes nothing.
TEST(SassuMediation, CapabilityCheckedAtOpenOnly) {
  for (ProposalId id : kVersions) {
    KernelState state = booted(id);
    const int fd = open_result(state, 1, file_for(id, 'A'), Access::write);
    ASSERT_GE(fd, 0);
    apply(state, DropCap{1});
    EXPECT_EQ(write_all(state, 1, fd, "A\n"), 2) << key(id);
    EXPECT_EQ(open_result(state, 1, kStaged, Access::write), -EPERM) << key(id); // before EBUSY
  }
}

TEST(SassuMediation, SameTaskWriterV6V7) {
  for (ProposalId id : {sassu_v6, sassu_v7}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    const Pid other = static_cast<Pid>(apply(state, Spawn{}).ret);
    const Pid unprivileged = static_cast<Pid>(apply(state, Spawn{false}).ret);
    const int live = open_result(state, 1, kLive, Access::write);
    ASSERT_GE(live, 0);
    EXPECT_EQ(state.measure_writer, Pid{1});
    const int staged = open_result(state, 1, kStaged, Access::read_write);
    ASSERT_GE(staged, 0);
    EXPECT_EQ(state.writer_extra_writes, 1);
    EXPECT_EQ(state.users, -1);
    EXPECT_EQ(open_result(state, 1, kLive, Access::read), -EBUSY); // even the writer task
    EXPECT_EQ(open_result(state, other, kLive, Access::read), -EBUSY);
    EXPECT_EQ(open_result(state, other, kStaged, Access::write), -EBUSY);
    EXPECT_EQ(open_result(state, unprivileged, kStaged, Access::write), -EPERM);
    // The writer task uses both files: A and D on staged, N on live.
    EXPECT_EQ(write_all(state, 1, staged, "A\n"), 2);
    apply(state, Measure{9, 0});
    EXPECT_EQ(write_all(state, 1, live, "1\n"), 2);
    EXPECT_EQ(write_all(state, 1, staged, "D\n"), 2);
    apply(state, Close{1, staged});
    EXPECT_EQ(state.writer_extra_writes, 0);
    EXPECT_EQ(state.users, -1);
    apply(state, Close{1, live});
    EXPECT_EQ(state.users, 0);
    EXPECT_EQ(state.measure_writer, std::nullopt);
    EXPECT_GE(open_result(state, other, kLive, Access::read), 0);
  }
}

TEST(SassuMediation, ReadersRefusedWithEnfileAtLongMax) {
  for (ProposalId id : {sassu_v6, sassu_v7}) {
    KernelState state = booted(id);
    state.users = std::numeric_limits<std::int64_t>::max();
    EXPECT_EQ(open_result(state, 1, kLive, Access::read), -ENFILE) << key(id);
    state.users = std::numeric_limits<std::int64_t>::max() - 1;
    EXPECT_GE(open_result(state, 1, kLive, Access::read), 0) << key(id);
  }
}

// The release compares the task running the final close with measure_writer: a write
// file passed to another task and released there frees the writer slot while the
// writer task still holds another write file (spec 2.13 "Identity is the task that
// runs the final fput").
TEST(SassuMediation, ReleaseIdentityIsTheClosingTask) {
  KernelState state = booted(sassu_v7);
  const Pid helper = static_cast<Pid>(apply(state, Spawn{}).ret);
  const Pid third = static_cast<Pid>(apply(state, Spawn{}).ret);
  const int first = open_result(state, 1, kLive, Access::write);
  const int second = open_result(state, 1, kStaged, Access::write);
  ASSERT_GE(second, 0);
  const int passed = static_cast<int>(apply(state, PassFd{1, second, helper}).ret);
  apply(state, Close{1, second}); // not the final close
  EXPECT_EQ(state.writer_extra_writes, 1);
  apply(state, Close{helper, passed}); // final close by a task that is not the writer
  EXPECT_EQ(state.users, 0);
  EXPECT_EQ(state.measure_writer, std::nullopt);
  EXPECT_EQ(state.writer_extra_writes, 1);
  // A second writer task now coexists with the first one's open write file.
  const int intruder = open_result(state, third, kStaged, Access::write);
  EXPECT_GE(intruder, 0);
  EXPECT_EQ(state.measure_writer, third);
  apply(state, Close{1, first}); // not the writer any more: users++ and writer reset
  EXPECT_EQ(state.users, 0);
  EXPECT_EQ(state.measure_writer, std::nullopt);
  EXPECT_GE(open_result(state, helper, kLive, Access::read), 0); // reader beside a writer
}

TEST(SassuMediation, ExitAndForkRelease) {
  for (ProposalId id : kVersions) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    const int writer = open_result(state, 1, kStaged, Access::write);
    ASSERT_GE(writer, 0);
    const Pid child = static_cast<Pid>(apply(state, Fork{1}).ret);
    apply(state, Close{1, writer});
    EXPECT_EQ(state.users, -1); // the child still holds the file
    EXPECT_EQ(write_all(state, child, writer, "D\n"), -ENOENT);
    apply(state, Exit{child});
    EXPECT_EQ(state.users, 0);
    EXPECT_EQ(state.measure_writer, std::nullopt);
  }
  KernelState state = booted(sassu_v7);
  open_result(state, 1, kLive, Access::write);
  open_result(state, 1, kStaged, Access::write);
  open_result(state, 1, kLive, Access::read_write);
  EXPECT_EQ(state.writer_extra_writes, 2);
  apply(state, Exit{1});
  EXPECT_EQ(state.users, 0);
  EXPECT_EQ(state.writer_extra_writes, 0);
  EXPECT_EQ(state.measure_writer, std::nullopt);
}

// ---- Reads (spec 2.7, 2.9, 2.13) ----

TEST(SassuRead, EmptyStagedFileIsEnoentInRfcAndEofLater) {
  for (ProposalId id : kVersions) {
    KernelState state = booted(id);
    const int fd = open_result(state, 1, kStagedAscii, Access::read);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(read_fd(state, 1, fd).ret, id <= sassu_rfc2 ? -ENOENT : 0) << key(id);
  }
}

TEST(SassuRead, StagedFilesShowSAndLiveFilesShowL) {
  for (ProposalId id : kVersions) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    ASSERT_EQ(command(state, 'A', "A\n"), 2);
    apply(state, Measure{7, 0});
    for (const auto &[path, lines] : {std::pair{kStagedAscii, 4}, std::pair{kLiveAscii, 1}}) {
      const int fd = open_result(state, 1, path, Access::read);
      Outcome out = read_fd(state, 1, fd);
      EXPECT_EQ(std::count(out.data.begin(), out.data.end(), '\n'), lines) << path;
      apply(state, Close{1, fd});
    }
    const int count = open_result(state, 1, "runtime_measurements_count", Access::read);
    EXPECT_EQ(read_fd(state, 1, count).data, to_bytes("1\n"));
  }
}

} // namespace
} // namespace trimcheck::test
