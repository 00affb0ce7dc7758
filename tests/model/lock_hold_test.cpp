// KernelState::mutex_walk (P17, spec 2.15 "Mutex held" and 3.2): the list nodes a step
// of a removal request visits one by one while it holds ima_extend_list_mutex. Every
// scenario starts from L = boot_aggregate + files 1-5 (six records), runs one write
// step by step and compares the value after each step with what the posted code walks:
// O(N) or O(|L|) for the locked walks, at most 1 for a cut at a remembered record, 0 for
// head-only pointer surgery and for every step outside the mutex.
#include "harness.hpp"

#include "trimcheck/props/property.hpp"

namespace trimcheck::test {
namespace {

using namespace model;
using enum ProposalId;

constexpr std::int64_t kLen = INT64_MAX; // "the write returns its byte count"
const std::string kTrimLog = "ima_trim_log";
const std::string kLive = "binary_runtime_measurements";
const std::string kStaged = "binary_runtime_measurements_staged";
const std::string kPcrs = "/sys/kernel/config/ima/pcrs";

std::string key(ProposalId id) {
  return std::string(proposal_info(id).key);
}

KernelState booted(ProposalId id, bool flush = false) {
  KernelConfig config;
  config.flush_htable = flush;
  KernelState state = boot(id, config);
  measure_files(state, 5);
  EXPECT_EQ(state.list.size(), 6u);
  return state;
}

// One write(2) run step by step: its return value and mutex_walk after every step.
struct Stepped {
  std::int64_t ret = 0;
  std::vector<std::uint64_t> walks;
};

Stepped step_write(KernelState &state, const std::string &path, const Bytes &data) {
  const int fd = open_fd(state, 1, path, Access::write);
  Stepped out;
  Outcome step = apply(state, Write{1, fd, data});
  out.walks.push_back(state.mutex_walk);
  while (!step.done) {
    if (out.walks.size() > 16)
      throw std::runtime_error("write does not return");
    step = apply(state, Continue{1});
    out.walks.push_back(state.mutex_walk);
  }
  out.ret = step.ret;
  apply(state, Close{1, fd});
  return out;
}

struct Command {
  std::string path;
  std::string text;
};

struct LockCase {
  ProposalId id;
  bool flush;
  std::vector<Command> before; // run to completion first (e.g. "A" before "D")
  Command command;
  std::int64_t ret; // kLen: the byte count
  std::vector<std::uint64_t> walks;
  std::string what;
};

void check(const LockCase &c) {
  SCOPED_TRACE(key(c.id) + (c.flush ? " flush: " : ": ") + c.what);
  KernelState state = booted(c.id, c.flush);
  for (const Command &command : c.before)
    ASSERT_EQ(step_write(state, command.path, bytes(command.text)).ret,
              static_cast<std::int64_t>(command.text.size()))
        << command.text;
  const Stepped got = step_write(state, c.command.path, bytes(c.command.text));
  EXPECT_EQ(got.ret, c.ret == kLen ? static_cast<std::int64_t>(c.command.text.size()) : c.ret);
  EXPECT_EQ(got.walks, c.walks);
}

// ---------------------------------------------------------------------------------
// Chen (2.2-2.6): steps kDecide, (v5) kCut, kFree.

TEST(LockHold, ChenWalksPerVersion) {
  const Command v12{kTrimLog, "03"}, v3{kTrimLog, "3\n"}, v45{kTrimLog, "0:3"};
  const std::vector<LockCase> cases = {
      // v1: purge under the mutexes, one step, O(N); fewer records: all of them.
      {chen_v1, false, {}, v12, kLen, {3}, "purge 3"},
      {chen_v1, false, {}, {kTrimLog, "09"}, kLen, {6}, "purge 9 of 6 removes all 6"},
      {chen_v1, false, {}, {kTrimLog, "00"}, kLen, {0}, "N = 0 takes no mutex"},
      // v2: walk to the N-th (+ unlink the same records with flush), cut; frees unlocked.
      {chen_v2, false, {}, v12, kLen, {3, 0}, "walk 3 and cut"},
      {chen_v2, true, {}, v12, kLen, {3, 0}, "walk 3, unlink them, cut"},
      {chen_v2, false, {}, {kTrimLog, "09"}, kENOENT, {6}, "walks all 6 before ENOENT"},
      // v3/v4: counter first; a partial trim walks N and then the rest: |L|.
      {chen_v3, false, {}, v3, kLen, {6, 0}, "walk 3 + the 3 left"},
      {chen_v3, true, {}, v3, kLen, {6, 0}, "walk 3 (unlinking) + the 3 left"},
      {chen_v3, false, {}, {kTrimLog, "6\n"}, kLen, {0, 0}, "N == |L|: list_replace"},
      {chen_v3, true, {}, {kTrimLog, "6\n"}, kLen, {6, 0}, "N == |L| with flush: 6 unlinks"},
      {chen_v3, false, {}, {kTrimLog, "9\n"}, kENOENT, {0}, "counter says ENOENT"},
      {chen_v4, false, {}, v45, kLen, {6, 0}, "walk 3 + the 3 left"},
      {chen_v4, false, {}, {kTrimLog, "0:6"}, kLen, {0, 0}, "N == |L|: list_replace"},
      // v5: lockless pre-walk, one cut at the remembered record, frees.
      {chen_v5, false, {}, v45, kLen, {0, 1, 0}, "pre-walk 3, cut"},
      {chen_v5, true, {}, v45, kLen, {0, 1, 0}, "pre-walk 3, cut (never unlinks)"},
      {chen_v5, false, {}, {kTrimLog, "0:6"}, kLen, {0, 0, 0}, "N == |L|: list_replace"},
  };
  for (const LockCase &c : cases)
    check(c);
}

// ---------------------------------------------------------------------------------
// Sassu (2.7-2.14).

TEST(LockHold, SassuRfcWalksPerVersion) {
  const Command a{kStaged, "A\n"}, d{kStaged, "D\n"}, n{kStaged, "3\n"};
  const std::vector<LockCase> cases = {
      // RFC v1: stage N walks N under the mutex; A is a list_replace, plus one unlink per
      // staged record with flush; D takes no mutex.
      {sassu_rfc1, false, {}, n, kLen, {3}, "stage 3"},
      {sassu_rfc1, true, {}, n, kLen, {3}, "stage 3, unlinking them"},
      {sassu_rfc1, false, {}, {kStaged, "9\n"}, kENOENT, {6}, "walks all 6 before ENOENT"},
      {sassu_rfc1, false, {}, a, kLen, {0}, "stage all"},
      {sassu_rfc1, true, {}, a, kLen, {6}, "stage all, unlinking 6"},
      {sassu_rfc1, false, {a}, d, kLen, {0, 0}, "delete staged"},
      {sassu_rfc1, true, {a}, d, kLen, {0, 0}, "delete staged"},
      // RFC v2: as RFC v1 plus a synchronize_rcu step with flush; "-N" trims N the same
      // way; D detaches S under the mutex in O(1).
      {sassu_rfc2, false, {}, n, kLen, {3}, "stage 3"},
      {sassu_rfc2, true, {}, n, kLen, {3, 0}, "stage 3 unlinking them, grace period"},
      {sassu_rfc2, false, {}, {kStaged, "-3\n"}, kLen, {3, 0}, "trim 3, frees"},
      {sassu_rfc2, true, {}, {kStaged, "-3\n"}, kLen, {3, 0, 0}, "trim 3, grace, frees"},
      {sassu_rfc2, true, {}, a, kLen, {6, 0}, "stage all, unlinking 6"},
      {sassu_rfc2, false, {a}, d, kLen, {0, 0}, "detach S, frees"},
  };
  for (const LockCase &c : cases)
    check(c);
}

TEST(LockHold, SassuSeriesCutsInConstantWork) {
  const Command a{kStaged, "A\n"}, d{kStaged, "D\n"}, staged_n{kStaged, "3\n"},
      live_n{kLive, "3\n"};
  const std::vector<LockCase> cases = {
      // v3: A is a list_replace; N and D walk S without the mutex, then one cut at the
      // walked record and a splice of the rest (a blank table with flush).
      {sassu_v3, false, {}, a, kLen, {0}, "stage all"},
      {sassu_v3, false, {a}, staged_n, kLen, {0, 1, 0}, "walk S, cut + splice, frees"},
      {sassu_v3, false, {a}, d, kLen, {0, 1, 0}, "walk S, cut all, frees"},
      {sassu_v3, true, {a}, d, kLen, {0, 1, 0, 0}, "walk, cut + blank table, grace, frees"},
      // v4: N stages all first, then as v3; D detaches S in O(1).
      {sassu_v4, false, {}, staged_n, kLen, {0, 0, 1, 0}, "stage, walk S, cut + splice, frees"},
      {sassu_v4, false, {a}, d, kLen, {0, 0}, "detach S, frees"},
      {sassu_v4, true, {a}, d, kLen, {0, 0, 0}, "detach S + blank table, grace, frees"},
      // v5-v7: N walks L without the mutex, then one cut at the walked record.
      {sassu_v5, false, {}, live_n, kLen, {0, 1, 0}, "walk L, cut, frees"},
      {sassu_v5, false, {{kLive, "A\n"}}, d, kLen, {0, 0}, "detach S, frees"},
      {sassu_v6, false, {}, live_n, kLen, {0, 1, 0}, "walk L, cut, frees"},
      {sassu_v6, false, {a}, d, kLen, {0, 0}, "detach S, frees"},
      {sassu_v7, false, {}, live_n, kLen, {0, 1, 0}, "walk L, cut, frees"},
      {sassu_v7, false, {}, a, kLen, {0}, "stage all"},
      {sassu_v7, false, {a}, d, kLen, {0, 0}, "detach S, frees"},
      {sassu_v7, true, {a}, d, kLen, {0, 0, 0}, "detach S + blank table, grace, frees"},
  };
  for (const LockCase &c : cases)
    check(c);
}

// ---------------------------------------------------------------------------------
// Microsoft RFC v1 (2.1): replay walk unlocked, purge of `count` records locked, start
// update unlocked.

TEST(LockHold, MsPurgeVisitsEveryPurgedRecord) {
  KernelState state = boot(ms_rfc1, KernelConfig{});
  measure_files(state, 2);
  // PCR 10 of the sha256 bank once three records (boot_aggregate, files 1, 2) are in L.
  const Digest target = state.pcrs.value_copy(1, 10);
  ASSERT_EQ(state.pcrs.bank_algo(1), HashAlgo::sha256);
  for (std::uint32_t file = 3; file <= 5; ++file)
    ASSERT_EQ(apply(state, Measure{file, 0}).ret, 0);
  ASSERT_EQ(state.list.size(), 6u);
  Bytes input = bytes("pcr10:sha256:");
  input.insert(input.end(), target.begin(), target.end());
  const Stepped got = step_write(state, kPcrs, input);
  EXPECT_EQ(got.ret, static_cast<std::int64_t>(input.size()));
  EXPECT_EQ(got.walks, (std::vector<std::uint64_t>{0, 3, 0}));
  EXPECT_EQ(list_serials(state), (std::vector<Serial>{3, 4, 5}));
}

// ---------------------------------------------------------------------------------
// The value belongs to the latest step only.

TEST(LockHold, EveryStepStartsFromZero) {
  KernelState state = booted(chen_v3);
  const int fd = open_fd(state, 1, kTrimLog, Access::write);
  ASSERT_FALSE(apply(state, Write{1, fd, bytes("3\n")}).done);
  EXPECT_EQ(state.mutex_walk, 6u);
  // Another process's read is a step of another request: it holds no mutex.
  const Pid reader = static_cast<Pid>(apply(state, Spawn{true}).ret);
  const int count_fd = open_fd(state, reader, "runtime_measurements_count", Access::read);
  EXPECT_EQ(apply(state, Read{reader, count_fd, 64}).ret, 2);
  EXPECT_EQ(state.mutex_walk, 0u);
  EXPECT_TRUE(apply(state, Continue{1}).done);
  EXPECT_EQ(state.mutex_walk, 0u);
}

// The P17 monitor sees the instrumentation: Chen v3's locked walk is flagged, Sassu
// v7's cut is not.
TEST(LockHold, MonitorFlagsOnlyLockedWalks) {
  const props::Property *p17 = props::find_property("P17");
  ASSERT_NE(p17, nullptr);
  auto run = [&](ProposalId id, const std::string &path, std::string_view text) {
    std::vector<props::TraceAction> actions;
    for (std::uint32_t file = 1; file <= 5; ++file)
      actions.emplace_back(Action{Measure{file, 0}});
    actions.emplace_back(Action{Open{1, path, Access::write}});
    actions.emplace_back(Action{Write{1, 3, bytes(text)}});
    actions.emplace_back(Action{Continue{1}});
    actions.emplace_back(Action{Continue{1}});
    return props::run_actions(id, KernelConfig{}, *p17, actions);
  };
  // Chen v3: the write's first step walks all of L under the mutex.
  const props::RunResult chen = run(chen_v3, kTrimLog, "3\n");
  EXPECT_TRUE(chen.invalid.empty()) << chen.invalid;
  EXPECT_EQ(chen.steps.size(), 7u);
  EXPECT_NE(chen.violation.find("walked 6 list nodes"), std::string::npos) << chen.violation;
  // Sassu v7: lockless walk, cut, frees; the write returns 2 (bytes) without a violation.
  const props::RunResult sassu = run(sassu_v7, kLive, "3\n");
  EXPECT_TRUE(sassu.invalid.empty()) << sassu.invalid;
  EXPECT_EQ(sassu.violation, "");
  ASSERT_EQ(sassu.steps.size(), 9u);
  EXPECT_EQ(sassu.steps[5].outcome.ret, 3); // the fd the writes use
  EXPECT_TRUE(sassu.steps[8].outcome.done);
  EXPECT_EQ(sassu.steps[8].outcome.ret, 2);
}

} // namespace
} // namespace trimcheck::test
