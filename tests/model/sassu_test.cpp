// The Sassu series, RFC v1 .. v7 (spec 2.7-2.16), through the public API only: files,
// open mediation, the write grammar of every version, effects on L/S/H/counters/Del,
// memory events, interleavings of the multi-step writes, kexec.
#include "trimcheck/model/machine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <random>
#include <string>

namespace trimcheck::test {
namespace {

using namespace model;
using enum ProposalId;

constexpr ProposalId kVersions[] = {sassu_rfc1, sassu_rfc2, sassu_v3, sassu_v4,
                                    sassu_v5,   sassu_v6,   sassu_v7};

std::string key(ProposalId id) {
  return std::string(proposal_info(id).key);
}

const std::string kLive = "binary_runtime_measurements";
const std::string kStaged = "binary_runtime_measurements_staged";
const std::string kLiveAscii = "ascii_runtime_measurements";
const std::string kStagedAscii = "ascii_runtime_measurements_staged";

// The file each command is written to (spec 2.14).
const std::string &file_for(ProposalId id, char command) {
  const bool live = (command == 'A' && id == sassu_v5) || (command == 'N' && id >= sassu_v5);
  return live ? kLive : kStaged;
}

KernelConfig config_with(bool flush = false, bool disable_htable = false) {
  KernelConfig config;
  config.flush_htable = flush;
  config.disable_htable = disable_htable;
  return config;
}

// Boots and measures `files` more files: L = boot_aggregate (serial 0) + serials 1..files.
KernelState booted(ProposalId id, const KernelConfig &config = {}, std::uint32_t files = 3) {
  KernelState state = boot(id, config);
  for (std::uint32_t file = 1; file <= files; ++file)
    EXPECT_EQ(apply(state, Measure{file, 0}).ret, 0);
  return state;
}

int open_fd(KernelState &state, Pid pid, const std::string &path, Access access) {
  return static_cast<int>(apply(state, Open{pid, path, access}).ret);
}

// Runs the write to completion, whatever the number of steps.
std::int64_t write_all(KernelState &state, Pid pid, int fd, std::string_view text) {
  Outcome out = apply(state, Write{pid, fd, to_bytes(text)});
  while (!out.done)
    out = apply(state, Continue{pid});
  return out.ret;
}

// Opens the command's file for write as process 1, writes, closes.
std::int64_t command(KernelState &state, char which, std::string_view text) {
  const int fd = open_fd(state, 1, file_for(state.proposal, which), Access::write);
  EXPECT_GE(fd, 0) << key(state.proposal) << " open for " << text;
  const std::int64_t ret = write_all(state, 1, fd, text);
  apply(state, Close{1, fd});
  return ret;
}

Outcome read_fd(KernelState &state, Pid pid, int fd, std::size_t count = 1 << 20) {
  return apply(state, Read{pid, fd, count});
}

std::vector<Serial> serials(const KernelState &state, const std::vector<NodeId> &nodes) {
  std::vector<Serial> out;
  for (NodeId node : nodes)
    out.push_back(state.nodes.at(node).serial);
  return out;
}

std::uint64_t bytes_of(const KernelState &state, const std::vector<NodeId> &nodes) {
  std::uint64_t sum = 0;
  for (NodeId node : nodes)
    sum += binary_runtime_size(state.contents.at(state.nodes.at(node).serial));
  return sum;
}

const Node &node_of(const KernelState &state, Serial serial) {
  for (const Node &node : state.nodes)
    if (node.serial == serial)
      return node;
  throw std::logic_error("no node");
}

bool freed(const KernelState &state, Serial serial, Obj obj) {
  return node_of(state, serial).freed[static_cast<std::size_t>(obj)];
}

std::size_t events_of(const KernelState &state, MemEventKind kind) {
  std::size_t n = 0;
  for (const MemEvent &event : state.events)
    n += event.kind == kind;
  return n;
}

const FileSpec *find_file(const KernelState &state, const std::string &path) {
  for (const FileSpec &spec : state.files)
    if (spec.path == path)
      return &spec;
  return nullptr;
}

std::vector<Serial> range(Serial first, Serial last) {
  std::vector<Serial> out;
  for (Serial s = first; s <= last; ++s)
    out.push_back(s);
  return out;
}

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
    EXPECT_EQ(open_fd(state, 1, kStaged, Access::write), -ENOENT) << key(id);
    const int fd = open_fd(state, 1, kLive, Access::write);
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
  const int fd = open_fd(state, 1, c.staged_file ? kStaged : kLive, Access::write);
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
    const int fd = open_fd(state, 1, kStaged, Access::read_write);
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
    EXPECT_EQ(open_fd(state, unprivileged, kStaged, Access::write), -EPERM);
    EXPECT_EQ(open_fd(state, unprivileged, kStaged, Access::read_write), -EPERM);
    const int reader = open_fd(state, other, kLiveAscii, Access::read);
    ASSERT_GE(reader, 0);
    EXPECT_EQ(state.users, 1);
    EXPECT_EQ(open_fd(state, 1, kStaged, Access::write), -EBUSY); // reader excludes writer
    apply(state, Close{other, reader});
    const int writer = open_fd(state, 1, kStaged, Access::write);
    ASSERT_GE(writer, 0);
    EXPECT_EQ(state.users, -1);
    EXPECT_EQ(open_fd(state, other, kLive, Access::read), -EBUSY);
    EXPECT_EQ(open_fd(state, 1, kLive, Access::read), -EBUSY);
    EXPECT_EQ(open_fd(state, 1, kLive, Access::write), -EBUSY); // even the same task
    EXPECT_EQ(open_fd(state, other, kStaged, Access::read_write), -EBUSY);
    EXPECT_GE(open_fd(state, other, "runtime_measurements_count", Access::read), 0);
    apply(state, Close{1, writer});
    EXPECT_EQ(state.users, 0);
    EXPECT_GE(open_fd(state, other, kStaged, Access::read), 0);
  }
}

// CAP_SYS_ADMIN is checked at open only (P16): dropping it later changes nothing.
TEST(SassuMediation, CapabilityCheckedAtOpenOnly) {
  for (ProposalId id : kVersions) {
    KernelState state = booted(id);
    const int fd = open_fd(state, 1, file_for(id, 'A'), Access::write);
    ASSERT_GE(fd, 0);
    apply(state, DropCap{1});
    EXPECT_EQ(write_all(state, 1, fd, "A\n"), 2) << key(id);
    EXPECT_EQ(open_fd(state, 1, kStaged, Access::write), -EPERM) << key(id); // before EBUSY
  }
}

TEST(SassuMediation, SameTaskWriterV6V7) {
  for (ProposalId id : {sassu_v6, sassu_v7}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    const Pid other = static_cast<Pid>(apply(state, Spawn{}).ret);
    const Pid unprivileged = static_cast<Pid>(apply(state, Spawn{false}).ret);
    const int live = open_fd(state, 1, kLive, Access::write);
    ASSERT_GE(live, 0);
    EXPECT_EQ(state.measure_writer, Pid{1});
    const int staged = open_fd(state, 1, kStaged, Access::read_write);
    ASSERT_GE(staged, 0);
    EXPECT_EQ(state.writer_extra_writes, 1);
    EXPECT_EQ(state.users, -1);
    EXPECT_EQ(open_fd(state, 1, kLive, Access::read), -EBUSY); // even the writer task
    EXPECT_EQ(open_fd(state, other, kLive, Access::read), -EBUSY);
    EXPECT_EQ(open_fd(state, other, kStaged, Access::write), -EBUSY);
    EXPECT_EQ(open_fd(state, unprivileged, kStaged, Access::write), -EPERM);
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
    EXPECT_GE(open_fd(state, other, kLive, Access::read), 0);
  }
}

TEST(SassuMediation, ReadersRefusedWithEnfileAtLongMax) {
  for (ProposalId id : {sassu_v6, sassu_v7}) {
    KernelState state = booted(id);
    state.users = std::numeric_limits<std::int64_t>::max();
    EXPECT_EQ(open_fd(state, 1, kLive, Access::read), -ENFILE) << key(id);
    state.users = std::numeric_limits<std::int64_t>::max() - 1;
    EXPECT_GE(open_fd(state, 1, kLive, Access::read), 0) << key(id);
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
  const int first = open_fd(state, 1, kLive, Access::write);
  const int second = open_fd(state, 1, kStaged, Access::write);
  ASSERT_GE(second, 0);
  const int passed = static_cast<int>(apply(state, PassFd{1, second, helper}).ret);
  apply(state, Close{1, second}); // not the final close
  EXPECT_EQ(state.writer_extra_writes, 1);
  apply(state, Close{helper, passed}); // final close by a task that is not the writer
  EXPECT_EQ(state.users, 0);
  EXPECT_EQ(state.measure_writer, std::nullopt);
  EXPECT_EQ(state.writer_extra_writes, 1);
  // A second writer task now coexists with the first one's open write file.
  const int intruder = open_fd(state, third, kStaged, Access::write);
  EXPECT_GE(intruder, 0);
  EXPECT_EQ(state.measure_writer, third);
  apply(state, Close{1, first}); // not the writer any more: users++ and writer reset
  EXPECT_EQ(state.users, 0);
  EXPECT_EQ(state.measure_writer, std::nullopt);
  EXPECT_GE(open_fd(state, helper, kLive, Access::read), 0); // reader beside a writer
}

TEST(SassuMediation, ExitAndForkRelease) {
  for (ProposalId id : kVersions) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    const int writer = open_fd(state, 1, kStaged, Access::write);
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
  open_fd(state, 1, kLive, Access::write);
  open_fd(state, 1, kStaged, Access::write);
  open_fd(state, 1, kLive, Access::read_write);
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
    const int fd = open_fd(state, 1, kStagedAscii, Access::read);
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
      const int fd = open_fd(state, 1, path, Access::read);
      Outcome out = read_fd(state, 1, fd);
      EXPECT_EQ(std::count(out.data.begin(), out.data.end(), '\n'), lines) << path;
      apply(state, Close{1, fd});
    }
    const int count = open_fd(state, 1, "runtime_measurements_count", Access::read);
    EXPECT_EQ(read_fd(state, 1, count).data, to_bytes("1\n"));
  }
}

// ---- Effects on L, S, H, counters, Del, memory (spec 2.7-2.13) ----

TEST(SassuEffects, V7StageDeleteAndTrimN) {
  KernelState state = booted(sassu_v7);
  const std::uint64_t all = bytes_of(state, state.list);
  ASSERT_EQ(command(state, 'A', "A\n"), 2);
  EXPECT_EQ(serials(state, state.staged), range(0, 3));
  EXPECT_TRUE(state.list.empty());
  EXPECT_EQ(state.counters.htable_len, 0);
  EXPECT_EQ(state.counters.bin_size, 0u);
  EXPECT_EQ(state.counters.staged_len, 4);
  EXPECT_EQ(state.counters.staged_size, all);
  EXPECT_EQ(state.counters.full_len, 4);
  EXPECT_EQ(shown_count(state), 0);
  apply(state, Measure{4, 0});
  apply(state, Measure{5, 0});
  EXPECT_EQ(kexec_runtime_size(state), all + bytes_of(state, state.list));
  ASSERT_EQ(command(state, 'D', "D\n"), 2);
  EXPECT_EQ(state.ghost.del, range(0, 3));
  EXPECT_TRUE(state.staged.empty());
  EXPECT_EQ(state.counters.staged_len, 0);
  EXPECT_EQ(state.counters.staged_size, 0u);
  EXPECT_EQ(state.counters.htable_len, 2);
  EXPECT_EQ(state.counters.full_len, 6);
  for (Serial s : range(0, 3)) {
    EXPECT_TRUE(node_of(state, s).hashed); // dedupe kept
    EXPECT_TRUE(freed(state, s, Obj::data));
    EXPECT_FALSE(freed(state, s, Obj::qe));
    EXPECT_FALSE(freed(state, s, Obj::digests));
  }
  EXPECT_EQ(apply(state, Measure{2, 0}).ret, -EEXIST); // deleted, still deduplicated
  ASSERT_EQ(command(state, 'N', "1\n"), 2);
  EXPECT_EQ(state.ghost.del, range(0, 4));
  EXPECT_EQ(serials(state, state.list), std::vector<Serial>{5});
  EXPECT_EQ(state.counters.htable_len, 1);
  EXPECT_EQ(state.counters.bin_size, bytes_of(state, state.list));
  EXPECT_EQ(state.counters.full_len, 6);
  EXPECT_TRUE(state.events.empty());
}

// Flushing replaces the whole table, including the buckets of records added to L
// between A and D: those are no longer deduplicated (spec 2.13 "Hash table").
TEST(SassuEffects, FlushDropsTheBucketsOfCurrentRecords) {
  for (ProposalId id : {sassu_v3, sassu_v4, sassu_v5, sassu_v6, sassu_v7}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id, config_with(true));
    ASSERT_EQ(command(state, 'A', "A\n"), 2);
    apply(state, Measure{4, 0});
    ASSERT_EQ(command(state, 'D', "D\n"), 2);
    for (const Node &node : state.nodes)
      EXPECT_FALSE(node.hashed);
    for (Serial s : range(0, 3))
      for (Obj obj : kAllObjs)
        EXPECT_TRUE(freed(state, s, obj));
    EXPECT_EQ(apply(state, Measure{4, 0}).ret, 0); // duplicate of a record in L
    EXPECT_EQ(apply(state, Measure{1, 0}).ret, 0); // duplicate of a deleted record
    EXPECT_TRUE(state.events.empty());
  }
}

TEST(SassuEffects, V7DeleteStepsWithFlush) {
  KernelState state = booted(sassu_v7, config_with(true));
  ASSERT_EQ(command(state, 'A', "A\n"), 2);
  const int fd = open_fd(state, 1, kStaged, Access::write);
  Outcome out = apply(state, Write{1, fd, to_bytes("D\n")}); // pc0: detach, blank table
  EXPECT_FALSE(out.done);
  EXPECT_TRUE(state.staged.empty());
  EXPECT_TRUE(node_of(state, 0).awaiting_grace);
  EXPECT_EQ(apply(state, Measure{8, 0}).ret, 0); // add proceeds
  out = apply(state, Continue{1});               // pc1: synchronize_rcu
  EXPECT_FALSE(out.done);
  EXPECT_FALSE(node_of(state, 0).awaiting_grace);
  EXPECT_FALSE(freed(state, 0, Obj::data));
  out = apply(state, Continue{1}); // pc2: frees
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.ret, 2);
  EXPECT_TRUE(freed(state, 0, Obj::qe));
  EXPECT_TRUE(state.events.empty());
}

// v3: records appended between A and D/N are counted twice (spec 2.9).
TEST(SassuEffects, V3DoubleCountsRecordsAddedAfterStaging) {
  KernelState state = booted(sassu_v3);
  ASSERT_EQ(command(state, 'A', "A\n"), 2);
  apply(state, Measure{4, 0});
  apply(state, Measure{5, 0});
  EXPECT_EQ(state.counters.staged_len, 6); // |L| + |S|
  ASSERT_EQ(command(state, 'D', "D\n"), 2);
  EXPECT_EQ(state.list.size(), 2u);
  EXPECT_EQ(shown_count(state), 4);
  EXPECT_EQ(state.counters.bin_size, 2 * bytes_of(state, state.list));
  EXPECT_EQ(state.counters.staged_len, 4);

  KernelState partial = booted(sassu_v3);
  ASSERT_EQ(command(partial, 'A', "A\n"), 2);
  apply(partial, Measure{4, 0});
  apply(partial, Measure{5, 0});
  ASSERT_EQ(command(partial, 'N', "1\n"), 2);
  EXPECT_EQ(serials(partial, partial.list), range(1, 5)); // the rest went back to L's head
  EXPECT_EQ(partial.ghost.del, std::vector<Serial>{0});
  EXPECT_EQ(shown_count(partial), 7); // |L| = 5
}

// RFC v2: D sets STAGED (= |L| + |S|) to 0, forgetting L (spec 2.8).
TEST(SassuEffects, Rfc2DeleteResetsTheStagedCounter) {
  KernelState state = booted(sassu_rfc2);
  ASSERT_EQ(command(state, 'A', "A\n"), 2);
  apply(state, Measure{4, 0});
  apply(state, Measure{5, 0});
  EXPECT_EQ(state.counters.staged_len, 6);
  ASSERT_EQ(command(state, 'D', "D\n"), 2);
  EXPECT_EQ(state.counters.staged_len, 0);
  EXPECT_EQ(state.counters.staged_size, 0u);
  EXPECT_EQ(state.counters.htable_len, 2);
  EXPECT_EQ(kexec_runtime_size(state), 0u); // the kexec segment is sized from nothing
  EXPECT_GT(bytes_of(state, state.list), 0u);
}

TEST(SassuEffects, Rfc2TrimAndStagePrefix) {
  KernelState state = booted(sassu_rfc2);
  ASSERT_EQ(command(state, 'N', "-2\n"), 3);
  EXPECT_EQ(state.ghost.del, range(0, 1));
  EXPECT_EQ(serials(state, state.list), range(2, 3));
  EXPECT_TRUE(state.staged.empty());
  EXPECT_EQ(state.counters.htable_len, 2);
  EXPECT_EQ(state.counters.staged_len, 2);
  EXPECT_EQ(state.counters.full_len, 4);
  ASSERT_EQ(command(state, 'N', "1\n"), 2);
  EXPECT_EQ(serials(state, state.staged), std::vector<Serial>{2});
  EXPECT_EQ(state.counters.htable_len, 1);
  EXPECT_EQ(state.counters.staged_len, 2);
  EXPECT_EQ(state.ghost.del, range(0, 1)); // staging is not deletion
}

TEST(SassuEffects, Rfc1StagesAPrefix) {
  KernelState state = booted(sassu_rfc1);
  ASSERT_EQ(command(state, 'N', "3\n"), 2);
  EXPECT_EQ(serials(state, state.staged), range(0, 2));
  EXPECT_EQ(serials(state, state.list), std::vector<Serial>{3});
  EXPECT_EQ(shown_count(state), 1);
  EXPECT_EQ(state.counters.bin_size, bytes_of(state, state.list));
  EXPECT_EQ(state.counters.full_len, 4);
  EXPECT_TRUE(state.ghost.del.empty());
  ASSERT_EQ(command(state, 'D', "D\n"), 2);
  EXPECT_EQ(state.ghost.del, range(0, 2));
}

// Frees: RFC v1 frees the records unlinked at stage time without a grace period; RFC v2
// waits for one (spec 2.7, 2.8).
TEST(SassuMemory, FlushGracePeriodRfc1VersusRfc2) {
  KernelState rfc1 = booted(sassu_rfc1, config_with(true));
  ASSERT_EQ(command(rfc1, 'A', "A\n"), 2);
  for (Serial s : range(0, 3))
    EXPECT_FALSE(node_of(rfc1, s).hashed);
  EXPECT_TRUE(rfc1.events.empty());
  ASSERT_EQ(command(rfc1, 'D', "D\n"), 2);
  EXPECT_EQ(events_of(rfc1, MemEventKind::free_without_grace), 16u); // 4 objects x 4 records
  EXPECT_EQ(rfc1.events.size(), 16u);

  KernelState rfc2 = booted(sassu_rfc2, config_with(true));
  const int fd = open_fd(rfc2, 1, kStaged, Access::write);
  Outcome out = apply(rfc2, Write{1, fd, to_bytes("A\n")});
  EXPECT_FALSE(out.done); // synchronize_rcu after unlock
  EXPECT_TRUE(node_of(rfc2, 0).awaiting_grace);
  EXPECT_TRUE(apply(rfc2, Continue{1}).done);
  EXPECT_EQ(write_all(rfc2, 1, fd, "D\n"), 2);
  for (Obj obj : kAllObjs)
    EXPECT_TRUE(freed(rfc2, 0, obj));
  EXPECT_TRUE(rfc2.events.empty());
}

// DISABLE_HTABLE: qe/entry/digests leak until v4 frees them (spec 2.7, 2.9, 2.10).
TEST(SassuMemory, DisableHtableLeaksUntilV4) {
  for (ProposalId id : kVersions) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id, config_with(false, true));
    ASSERT_EQ(command(state, 'A', "A\n"), 2);
    ASSERT_EQ(command(state, 'D', "D\n"), 2);
    const bool leaks = id <= sassu_v3;
    EXPECT_EQ(events_of(state, MemEventKind::leak), leaks ? 4u : 0u);
    EXPECT_EQ(state.events.size(), leaks ? 4u : 0u);
    EXPECT_EQ(freed(state, 0, Obj::qe), !leaks);
    EXPECT_TRUE(freed(state, 0, Obj::data));
  }
  // v3 ignores ima_flush_htable with DISABLE_HTABLE, so flushing does not help.
  KernelState v3 = booted(sassu_v3, config_with(true, true));
  ASSERT_EQ(command(v3, 'A', "A\n"), 2);
  ASSERT_EQ(command(v3, 'D', "D\n"), 2);
  EXPECT_EQ(events_of(v3, MemEventKind::leak), 4u);
  // RFC v1 does not ignore it: flushing frees everything.
  KernelState rfc1 = booted(sassu_rfc1, config_with(true, true));
  ASSERT_EQ(command(rfc1, 'A', "A\n"), 2);
  ASSERT_EQ(command(rfc1, 'D', "D\n"), 2);
  EXPECT_TRUE(rfc1.events.empty());
  EXPECT_TRUE(freed(rfc1, 0, Obj::qe));
}

TEST(SassuEffects, V4NStagesDeletesAndReturnsTheRest) {
  KernelState state = booted(sassu_v4);
  ASSERT_EQ(command(state, 'N', "2\n"), 2);
  EXPECT_EQ(state.ghost.del, range(0, 1));
  EXPECT_EQ(serials(state, state.list), range(2, 3));
  EXPECT_TRUE(state.staged.empty());
  EXPECT_EQ(state.counters.htable_len, 2);
  EXPECT_EQ(state.counters.bin_size, bytes_of(state, state.list));
  EXPECT_EQ(state.counters.staged_len, 0);
  // Too many: staging is undone, nothing deleted.
  ASSERT_EQ(command(state, 'N', "3\n"), -ENOENT);
  EXPECT_EQ(serials(state, state.list), range(2, 3));
  EXPECT_TRUE(state.staged.empty());
  EXPECT_EQ(state.counters.htable_len, 2);
  EXPECT_EQ(state.counters.staged_len, 0);
}

// v5-v7: N deletes from L while S is non-empty (spec 2.11 "No check that S is empty").
TEST(SassuEffects, NWhileStagedV5ToV7) {
  for (ProposalId id : {sassu_v5, sassu_v6, sassu_v7}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    ASSERT_EQ(command(state, 'A', "A\n"), 2);
    apply(state, Measure{4, 0});
    apply(state, Measure{5, 0});
    ASSERT_EQ(command(state, 'N', "1\n"), 2);
    EXPECT_EQ(serials(state, state.staged), range(0, 3));
    EXPECT_EQ(serials(state, state.list), std::vector<Serial>{5});
    EXPECT_EQ(state.ghost.del, std::vector<Serial>{4});
    EXPECT_EQ(state.counters.staged_len, 4);
    EXPECT_EQ(state.counters.htable_len, 1);
    // Full = Del ++ S ++ L (P2) no longer holds as a sequence: 4 was deleted before 0-3.
    EXPECT_EQ(state.ghost.full, range(0, 5));
  }
}

// ---- Interleavings (spec 2.15, P18) ----

TEST(SassuInterleaving, MeasureBetweenWalkAndCutIsNotRemoved) {
  for (ProposalId id : {sassu_v5, sassu_v6, sassu_v7}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    const int fd = open_fd(state, 1, kLive, Access::write);
    Outcome out = apply(state, Write{1, fd, to_bytes("4\n")}); // pc0: lockless walk
    EXPECT_FALSE(out.done);
    EXPECT_TRUE(state.ghost.del.empty());
    EXPECT_EQ(apply(state, Measure{4, 0}).ret, 0); // proceeds
    out = apply(state, Continue{1});               // pc1: cut under the mutex
    EXPECT_FALSE(out.done);
    EXPECT_EQ(state.ghost.del, range(0, 3));
    EXPECT_EQ(serials(state, state.list), std::vector<Serial>{4});
    EXPECT_FALSE(freed(state, 0, Obj::data));
    out = apply(state, Continue{1}); // pc2: frees after unlock
    EXPECT_TRUE(out.done);
    EXPECT_EQ(out.ret, 2);
    EXPECT_TRUE(freed(state, 0, Obj::data));
    EXPECT_EQ(shown_count(state), 1);
  }
}

TEST(SassuInterleaving, V4MeasureDuringNGoesToTheNewList) {
  KernelState state = booted(sassu_v4);
  const int fd = open_fd(state, 1, kStaged, Access::write);
  EXPECT_FALSE(apply(state, Write{1, fd, to_bytes("1\n")}).done); // pc0: stage
  EXPECT_EQ(state.staged.size(), 4u);
  EXPECT_EQ(apply(state, Measure{4, 0}).ret, 0);
  EXPECT_FALSE(apply(state, Continue{1}).done); // pc1: walk S
  EXPECT_FALSE(apply(state, Continue{1}).done); // pc2: cut, splice
  EXPECT_EQ(serials(state, state.list), range(1, 4));
  const Outcome out = apply(state, Continue{1}); // pc3: frees
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.ret, 2);
  EXPECT_EQ(state.ghost.del, std::vector<Serial>{0});
  EXPECT_EQ(shown_count(state), 4);
}

TEST(SassuInterleaving, V3WalksSThenCutsUnderTheMutex) {
  KernelState state = booted(sassu_v3);
  ASSERT_EQ(command(state, 'A', "A\n"), 2);
  const int fd = open_fd(state, 1, kStaged, Access::write);
  EXPECT_FALSE(apply(state, Write{1, fd, to_bytes("2\n")}).done); // pc0: walk S
  EXPECT_TRUE(state.ghost.del.empty());
  EXPECT_FALSE(apply(state, Continue{1}).done); // pc1: cut + splice
  EXPECT_EQ(state.ghost.del, range(0, 1));
  EXPECT_EQ(serials(state, state.list), range(2, 3));
  EXPECT_TRUE(apply(state, Continue{1}).done); // pc3: frees (no flush: no pc2)
}

// Writes on one shared open file description are serialised by f_pos_lock.
TEST(SassuInterleaving, SharedFileWritesAreSerialised) {
  KernelState state = booted(sassu_v4);
  const int fd = open_fd(state, 1, kStaged, Access::write);
  const Pid child = static_cast<Pid>(apply(state, Fork{1}).ret);
  EXPECT_FALSE(apply(state, Write{1, fd, to_bytes("1\n")}).done); // staged, walking next
  const KernelState before = state;
  EXPECT_FALSE(apply(state, Write{child, fd, to_bytes("D\n")}).done);
  EXPECT_FALSE(apply(state, Continue{child}).done);
  EXPECT_EQ(state.staged, before.staged); // the child waits
  while (!apply(state, Continue{1}).done) {
  }
  const Outcome out = apply(state, Continue{child});
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.ret, -ENOENT); // S was spliced back by the parent's N
  EXPECT_TRUE(state.events.empty());
}

// v6/v7 allow several write files in one task; shared with a forked child, two removals
// can race: an A between N's walk and cut leaves the cut position in S.
TEST(SassuInterleaving, SameTaskWritersCanCorruptTheList) {
  for (ProposalId id : {sassu_v6, sassu_v7}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    const int live = open_fd(state, 1, kLive, Access::write);
    const int staged = open_fd(state, 1, kStaged, Access::write);
    const Pid child = static_cast<Pid>(apply(state, Fork{1}).ret);
    EXPECT_FALSE(apply(state, Write{1, live, to_bytes("3\n")}).done); // walk: mark = 2
    EXPECT_EQ(write_all(state, child, staged, "A\n"), 2);
    const Outcome out = apply(state, Continue{1});
    EXPECT_TRUE(out.done);
    EXPECT_EQ(events_of(state, MemEventKind::list_corruption), 1u);
  }
  // Two N requests on two live files: the second cut uses a stale walk and removes fewer
  // records than its counter update assumes.
  KernelState state = booted(sassu_v7);
  const int first = open_fd(state, 1, kLive, Access::write);
  const int second = open_fd(state, 1, kLive, Access::write);
  const Pid child = static_cast<Pid>(apply(state, Fork{1}).ret);
  EXPECT_FALSE(apply(state, Write{1, first, to_bytes("3\n")}).done);
  EXPECT_EQ(write_all(state, child, second, "1\n"), 2);
  while (!apply(state, Continue{1}).done) {
  }
  EXPECT_EQ(state.ghost.del, range(0, 2));
  EXPECT_EQ(state.list.size(), 1u);
  EXPECT_EQ(shown_count(state), 0); // 4 - 1 - 3, with one record left in L
}

// ---- Kexec (spec 2.16, 2.10-2.13) ----

void execute_kexec(KernelState &state) {
  apply(state, KexecExecute{}); // pc0: reboot notifier
  apply(state, Continue{0});    // pc1: dump
  apply(state, Continue{0});    // pc2: the next kernel boots
}

TEST(SassuKexec, Rfc1LosesTheStagedRecords) {
  KernelState state = booted(sassu_rfc1);
  ASSERT_EQ(command(state, 'N', "2\n"), 2);
  apply(state, KexecLoad{});
  EXPECT_EQ(kexec_runtime_size(state), bytes_of(state, state.list));
  apply(state, KexecExecute{});
  apply(state, Continue{0});
  EXPECT_EQ(state.ghost.last_dump, serials(state, state.list));
  EXPECT_EQ(state.ghost.last_dump.front(), 2u);
  apply(state, Continue{0});
  EXPECT_EQ(state.ghost.boot, 1u);
  for (Serial lost : {0u, 1u})
    EXPECT_EQ(std::count(state.ghost.full.begin(), state.ghost.full.end(), lost), 0);
}

TEST(SassuKexec, LaterVersionsCarrySThenL) {
  for (ProposalId id : {sassu_rfc2, sassu_v3, sassu_v4, sassu_v5, sassu_v6, sassu_v7}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    ASSERT_EQ(command(state, 'A', "A\n"), 2);
    apply(state, Measure{4, 0});
    apply(state, KexecLoad{});    // serial 5: kexec_load critical data
    apply(state, KexecExecute{}); // serial 6: kexec_execute, then suspend
    apply(state, Continue{0});
    EXPECT_EQ(state.ghost.last_dump, range(0, 6));
    apply(state, Continue{0});
    std::vector<Serial> carried = range(0, 6);
    carried.push_back(7); // the new boot_aggregate
    EXPECT_EQ(serials(state, state.list), carried);
    EXPECT_TRUE(state.staged.empty());
    EXPECT_EQ(state.counters.htable_len, 8);
    EXPECT_EQ(state.counters.full_len, 8);
    EXPECT_EQ(state.counters.staged_len, id <= sassu_v3 ? 8 : 0);
    EXPECT_FALSE(node_of(state, 0).hashed);
  }
}

TEST(SassuKexec, SegmentSizingPerVersion) {
  for (ProposalId id : kVersions) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    ASSERT_EQ(command(state, 'A', "A\n"), 2);
    apply(state, Measure{4, 0});
    const std::uint64_t staged = bytes_of(state, state.staged);
    const std::uint64_t list = bytes_of(state, state.list);
    EXPECT_EQ(kexec_runtime_size(state), id == sassu_rfc1 ? list : staged + list);
  }
}

TEST(SassuKexec, CriticalDataReportsTheFullCounters) {
  KernelState state = booted(sassu_v7);
  const std::uint64_t full = bytes_of(state, state.list);
  ASSERT_EQ(command(state, 'A', "A\n"), 2);
  ASSERT_EQ(command(state, 'D', "D\n"), 2);
  apply(state, KexecLoad{});
  const Record &event = state.contents.at(state.nodes.at(state.list.back()).serial);
  ASSERT_EQ(event.data.kind, TemplateKind::ima_buf);
  const std::string text(event.data.fields.at(2).begin(), event.data.fields.at(2).end());
  EXPECT_EQ(text, "kexec_segment_size=" + std::to_string(state.kexec.size) +
                      ";ima_binary_runtime_size=" + std::to_string(full) +
                      ";ima_runtime_measurements_count=4;");
}

TEST(SassuKexec, V6V7RefuseAfterTheRebootNotifier) {
  for (ProposalId id : {sassu_v6, sassu_v7}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    apply(state, KexecLoad{});
    apply(state, KexecExecute{}); // pc0: suspended
    EXPECT_TRUE(state.suspended);
    EXPECT_EQ(command(state, 'A', "A\n"), -EACCES);
    EXPECT_EQ(command(state, 'N', "1\n"), -ESTALE);
    EXPECT_EQ(apply(state, Measure{9, 0}).ret, -ENODEV);

    KernelState staged = booted(id);
    ASSERT_EQ(command(staged, 'A', "A\n"), 2);
    apply(staged, Measure{4, 0});
    apply(staged, KexecLoad{});
    apply(staged, KexecExecute{});
    EXPECT_EQ(command(staged, 'D', "D\n"), -ESTALE);
    EXPECT_EQ(command(staged, 'A', "A\n"), -EEXIST); // S checked first
    EXPECT_EQ(command(staged, 'N', "1\n"), -ESTALE);
    apply(staged, Continue{0});
    EXPECT_EQ(staged.ghost.last_dump.size(), staged.staged.size() + staged.list.size());
  }
}

// A N request whose walk ran before the reboot notifier is refused at its cut.
TEST(SassuKexec, V7NRacingTheRebootNotifier) {
  KernelState state = booted(sassu_v7);
  apply(state, KexecLoad{});
  const int fd = open_fd(state, 1, kLive, Access::write);
  EXPECT_FALSE(apply(state, Write{1, fd, to_bytes("2\n")}).done);
  apply(state, KexecExecute{});
  const Outcome out = apply(state, Continue{1});
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.ret, -ESTALE);
  EXPECT_TRUE(state.ghost.del.empty());
}

TEST(SassuKexec, V4StaleAfterADumpThatCarriedS) {
  KernelState state = booted(sassu_v4);
  ASSERT_EQ(command(state, 'A', "A\n"), 2);
  apply(state, KexecLoad{});
  apply(state, KexecExecute{});
  EXPECT_EQ(command(state, 'D', "D\n"), 2); // suspended, but before the dump: allowed
  KernelState dumped = booted(sassu_v4);
  ASSERT_EQ(command(dumped, 'A', "A\n"), 2);
  apply(dumped, KexecLoad{});
  apply(dumped, KexecExecute{});
  apply(dumped, Continue{0}); // the dump carries S
  EXPECT_TRUE(dumped.sassu.staged_copied);
  EXPECT_EQ(command(dumped, 'D', "D\n"), -ESTALE);
  EXPECT_EQ(dumped.staged.size(), 4u);
  // S empty at the dump: staging and deleting afterwards are allowed.
  KernelState empty = booted(sassu_v4);
  apply(empty, KexecLoad{});
  apply(empty, KexecExecute{});
  apply(empty, Continue{0});
  EXPECT_FALSE(empty.sassu.staged_copied);
  EXPECT_EQ(command(empty, 'A', "A\n"), 2);
  EXPECT_EQ(command(empty, 'D', "D\n"), 2);
  // N after a dump that carried S: staging succeeds, the delete is stale.
  KernelState partial = booted(sassu_v4);
  ASSERT_EQ(command(partial, 'A', "A\n"), 2);
  apply(partial, KexecLoad{});
  apply(partial, KexecExecute{});
  apply(partial, Continue{0});
  ASSERT_EQ(command(partial, 'D', "D\n"), -ESTALE);
  EXPECT_EQ(command(partial, 'N', "1\n"), -EEXIST);
  // The dump runs between N's implicit stage and its cut: the delete is stale and S
  // stays staged.
  KernelState racing = booted(sassu_v4);
  apply(racing, KexecLoad{});
  const int fd = open_fd(racing, 1, kStaged, Access::write);
  EXPECT_FALSE(apply(racing, Write{1, fd, to_bytes("1\n")}).done); // pc0: stage
  apply(racing, KexecExecute{});
  apply(racing, Continue{0});                    // dump carries S
  EXPECT_FALSE(apply(racing, Continue{1}).done); // pc1: walk S
  const Outcome out = apply(racing, Continue{1});
  EXPECT_TRUE(out.done);
  EXPECT_EQ(out.ret, -ESTALE);
  EXPECT_EQ(racing.staged.size(), 5u); // 4 + the kexec_load record
  EXPECT_TRUE(racing.ghost.del.empty());
}

TEST(SassuKexec, V5CopiedFlags) {
  KernelState state = booted(sassu_v5);
  ASSERT_EQ(command(state, 'A', "A\n"), 2);
  apply(state, Measure{4, 0});
  apply(state, KexecLoad{});
  apply(state, KexecExecute{});
  apply(state, Continue{0});
  EXPECT_TRUE(state.sassu.staged_copied);
  EXPECT_TRUE(state.sassu.list_copied);
  EXPECT_EQ(command(state, 'D', "D\n"), -ESTALE);
  EXPECT_EQ(command(state, 'N', "1\n"), -ESTALE);
  EXPECT_EQ(command(state, 'A', "A\n"), -EEXIST);

  KernelState list_only = booted(sassu_v5);
  apply(list_only, KexecLoad{});
  apply(list_only, KexecExecute{});
  apply(list_only, Continue{0});
  EXPECT_FALSE(list_only.sassu.staged_copied);
  EXPECT_TRUE(list_only.sassu.list_copied);
  EXPECT_EQ(command(list_only, 'N', "1\n"), -ESTALE);
  EXPECT_EQ(command(list_only, 'A', "A\n"), 2); // A unchanged
  EXPECT_EQ(command(list_only, 'D', "D\n"), 2);
}

// RFC v2 and v3 do not detect a D after the dump: the records are both carried and
// deleted (spec 2.8, P3b).
TEST(SassuKexec, DeleteAfterTheDumpIsUndetectedInRfc2AndV3) {
  for (ProposalId id : {sassu_rfc2, sassu_v3}) {
    SCOPED_TRACE(key(id));
    KernelState state = booted(id);
    ASSERT_EQ(command(state, 'A', "A\n"), 2);
    apply(state, KexecLoad{});
    apply(state, KexecExecute{});
    apply(state, Continue{0});
    EXPECT_EQ(command(state, 'D', "D\n"), 2);
    EXPECT_EQ(state.ghost.del, range(0, 3));
    EXPECT_EQ(std::vector<Serial>(state.ghost.last_dump.begin(), state.ghost.last_dump.begin() + 4),
              range(0, 3));
  }
}

// Records restored after kexec are not in H (4.6), so deleting them without flushing
// keeps qe/entry/digests that nothing references: a leak in every version.
TEST(SassuMemory, DeletingCarriedRecordsLeaksWithoutFlush) {
  for (ProposalId id : kVersions) {
    for (bool flush : {false, true}) {
      SCOPED_TRACE(key(id) + (flush ? " flush" : ""));
      KernelState state = booted(id, config_with(flush));
      apply(state, KexecLoad{});
      execute_kexec(state);
      const std::size_t carried = state.list.size() - 1; // all but the new boot_aggregate
      if (id <= sassu_rfc2 && flush)
        continue; // staging unlinks garbage hnext pointers (next test)
      ASSERT_EQ(command(state, 'A', "A\n"), 2);
      ASSERT_EQ(command(state, 'D', "D\n"), 2);
      EXPECT_EQ(events_of(state, MemEventKind::leak), flush ? 0u : carried);
      EXPECT_EQ(state.events.size(), flush ? 0u : carried);
    }
  }
}

// RFC v1/v2 with flush after kexec: staging unlinks restored records that were never
// linked into H (spec 4.6); v3 on replace the table instead.
TEST(SassuKexec, RfcFlushAfterKexecUnlinksGarbage) {
  for (ProposalId id : {sassu_rfc1, sassu_rfc2}) {
    KernelState state = booted(id, config_with(true));
    apply(state, KexecLoad{});
    execute_kexec(state);
    const std::size_t carried = state.list.size() - 1;
    ASSERT_EQ(command(state, 'A', "A\n"), 2);
    EXPECT_EQ(events_of(state, MemEventKind::unlink_garbage), carried) << key(id);
  }
  KernelState v7 = booted(sassu_v7, config_with(true));
  apply(v7, KexecLoad{});
  execute_kexec(v7);
  ASSERT_EQ(command(v7, 'A', "A\n"), 2);
  ASSERT_EQ(command(v7, 'D', "D\n"), 2);
  EXPECT_TRUE(v7.events.empty());
}

// ---- Random runs: the ghost lists and (from v4) the counters stay consistent ----

// Deterministic random single-agent runs with measurements interleaved between the
// steps of every write, and kexecs. At every quiescent point Full = Del ++ S ++ L
// (P2; from v5 only as sets, see NWhileStagedV5ToV7); from v4 the counters match the lists (P7);
// the only memory events are the leaks of deleted records carried over kexec.
TEST(SassuRandom, GhostListsAndCountersStayConsistent) {
  for (ProposalId id : kVersions) {
    for (const KernelConfig &config :
         {config_with(), config_with(true), config_with(false, true), config_with(true, true)}) {
      SCOPED_TRACE(key(id) + " " + config.describe());
      const bool default_config = !config.flush_htable && !config.disable_htable;
      std::mt19937 random(42);
      auto pick = [&](std::uint32_t n) { return static_cast<std::uint32_t>(random() % n); };
      KernelState state = booted(id, config);
      std::uint32_t version = 1;
      std::size_t seen = 0;
      for (int round = 0; round < 300; ++round) {
        const std::uint32_t choice = pick(12);
        if (choice < 4) {
          apply(state, Measure{pick(6), version++});
        } else if (choice < 11) {
          const char which = "AADNN"[pick(5)];
          const std::string text =
              which == 'N' ? std::to_string(1 + pick(4)) + "\n" : std::string(1, which) + "\n";
          const int fd = open_fd(state, 1, file_for(id, which), Access::write);
          ASSERT_GE(fd, 0);
          Outcome out = apply(state, Write{1, fd, to_bytes(text)});
          while (!out.done) {
            if (pick(2) == 0)
              apply(state, Measure{pick(6), version++});
            out = apply(state, Continue{1});
          }
          apply(state, Close{1, fd});
        } else {
          apply(state, KexecLoad{});
          execute_kexec(state);
        }
        ASSERT_TRUE(quiescent(state));
        std::vector<Serial> expected = state.ghost.del;
        for (const auto *list : {&state.staged, &state.list})
          for (Serial s : serials(state, *list))
            expected.push_back(s);
        if (id <= sassu_v4) {
          ASSERT_EQ(state.ghost.full, expected) << "round " << round;
        } else { // N may delete from L while S is staged: same records, Del out of order
          std::vector<Serial> full = state.ghost.full;
          std::sort(full.begin(), full.end());
          std::sort(expected.begin(), expected.end());
          ASSERT_EQ(full, expected) << "round " << round;
        }
        // Deleting a record carried over kexec leaks its qe/entry/digests: it was never
        // in H, so nothing references them once the template data is freed.
        for (; default_config && seen < state.events.size(); ++seen) {
          ASSERT_EQ(state.events[seen].kind, MemEventKind::leak) << "round " << round;
          ASSERT_TRUE(node_of(state, state.events[seen].serial).hnext_garbage);
        }
        if (id >= sassu_v4) {
          ASSERT_EQ(shown_count(state), static_cast<std::int64_t>(state.list.size()));
          ASSERT_EQ(state.counters.bin_size, bytes_of(state, state.list));
          ASSERT_EQ(state.counters.staged_len, static_cast<std::int64_t>(state.staged.size()));
          ASSERT_EQ(state.counters.staged_size, bytes_of(state, state.staged));
        }
      }
    }
  }
}

} // namespace
} // namespace trimcheck::test
