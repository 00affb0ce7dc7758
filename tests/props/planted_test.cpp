// Every property's checker catches a planted violation: a real run whose state is then
// broken the way a faulty kernel would break it. If a checker change hides a violation,
// the matching test here fails.
#include "trimcheck/props/property.hpp"

#include "../../props/src/properties.hpp"

#include <gtest/gtest.h>

namespace trimcheck::props {
namespace {

using namespace model;

KernelState fresh(ProposalId id = ProposalId::baseline_6_12, KernelConfig config = {}) {
  KernelState state = boot(id, config);
  for (std::uint32_t f = 1; f <= 3; ++f)
    apply(state, Measure{f, 0});
  return state;
}

struct Probe {
  std::unique_ptr<Monitor> monitor;
  explicit Probe(const Property &property, const KernelState &state)
      : monitor(property.make_monitor()) {
    monitor->start(state);
  }
  std::optional<std::string> see(const KernelState &state, const TraceAction &action,
                                 const Outcome &outcome = {}, StepFacts facts = {}) {
    return monitor->observe(state, action, outcome, facts);
  }
};

const Property &prop(std::string_view id) {
  const Property *p = find_property(id);
  EXPECT_NE(p, nullptr) << id;
  return *p;
}

const TraceAction kNoop = Action{Measure{9, 9}};

TEST(Planted, P2CatchesARecordLostFromL) {
  KernelState state = fresh();
  Probe probe(prop("P2"), state);
  EXPECT_FALSE(probe.see(state, kNoop));
  state.list.erase(state.list.begin() + 1); // removed without entering Del
  EXPECT_TRUE(probe.see(state, kNoop));
}

// Full = Del ++ S ++ L is compared in order, across the three sequences.
TEST(Planted, P2CatchesRecordsOutOfOrder) {
  KernelState state = fresh();
  Probe probe(prop("P2"), state);
  ASSERT_GE(state.list.size(), 4u);
  state.ghost.del.push_back(state.nodes[state.list.front()].serial); // deleted, in Del
  state.list.erase(state.list.begin());
  state.staged.push_back(state.list.front()); // staged, in S
  state.list.erase(state.list.begin());
  EXPECT_FALSE(probe.see(state, kNoop));
  std::swap(state.list[0], state.list[1]); // L out of order, same records
  EXPECT_TRUE(probe.see(state, kNoop));
  std::swap(state.list[0], state.list[1]);
  std::swap(state.staged[0], state.list[0]); // S and L swap a record
  EXPECT_TRUE(probe.see(state, kNoop));
}

TEST(Planted, P3aCatchesADumpMissingARecord) {
  KernelState state = fresh();
  apply(state, KexecLoad{});
  apply(state, KexecExecute{});
  Probe probe(prop("P3a"), state);
  StepFacts facts;
  facts.dumped = true;
  for (NodeId id : state.list)
    facts.list_before.push_back(state.nodes[id].serial);
  apply(state, Continue{0});
  EXPECT_FALSE(probe.see(state, kNoop, {}, facts));
  state.ghost.last_dump.pop_back();
  EXPECT_TRUE(probe.see(state, kNoop, {}, facts));
}

TEST(Planted, P3bCatchesASuccessfulDeleteOfDumpedRecords) {
  KernelState state = fresh();
  state.kexec = {true, 1 << 20};
  Probe probe(prop("P3b"), state);
  StepFacts dump;
  dump.dumped = true;
  state.ghost.last_dump = {1, 2};
  EXPECT_FALSE(probe.see(state, kNoop, {}, dump));
  StepFacts del;
  del.actor = 2;
  del.deleted = {1};
  del.call_returned = true;
  EXPECT_TRUE(probe.see(state, Action{Write{2, 3, to_bytes("D\n")}}, {.ret = 2}, del));
}

TEST(Planted, P4aAndP4bCatchAcceptedDuplicates) {
  for (bool flush : {false, true}) {
    KernelConfig config;
    config.flush_htable = flush;
    KernelState state = fresh(ProposalId::baseline_6_12, config);
    Probe probe(prop(flush ? "P4b" : "P4a"), state);
    // Plant: a duplicate of /f1 appended although the original is deleted (P4a) or still
    // in L (P4b).
    const Serial original = 1;
    if (!flush) {
      state.ghost.del.push_back(original);
      state.list.erase(state.list.begin() + 1);
    }
    state.contents.push_back(state.contents.id(original));
    StepFacts facts;
    facts.appended = {static_cast<Serial>(state.contents.size() - 1)};
    EXPECT_TRUE(probe.see(state, kNoop, {}, facts)) << flush;
  }
}

TEST(Planted, P5AndP6CatchMemoryEvents) {
  KernelState state = fresh();
  Probe safety(prop("P5"), state), release(prop("P6"), state);
  state.events.push_back({MemEventKind::leak, 1, Obj::qe, "planted"});
  EXPECT_FALSE(safety.see(state, kNoop));
  EXPECT_TRUE(release.see(state, kNoop));
  state.events.push_back({MemEventKind::use_after_free, 1, Obj::data, "planted"});
  EXPECT_TRUE(safety.see(state, kNoop));
}

TEST(Planted, P7CatchesWrongCounters) {
  KernelState state = fresh();
  Probe probe(prop("P7"), state);
  EXPECT_FALSE(probe.see(state, kNoop));
  state.counters.bin_size += 1;
  EXPECT_TRUE(probe.see(state, kNoop));
  state.counters.bin_size -= 1;
  state.counters.htable_len += 1;
  EXPECT_TRUE(probe.see(state, kNoop));
}

TEST(Planted, P8CatchesAWrongTotal) {
  KernelState state = fresh();
  Probe probe(prop("P8"), state);
  EXPECT_FALSE(probe.see(state, kNoop));
  state.counters.trimcount = 3;
  EXPECT_TRUE(probe.see(state, kNoop));
}

TEST(Planted, P9AndP9bCatchRemovalOfUnreadRecords) {
  KernelState state = fresh();
  apply(state, Spawn{});
  Probe stale(prop("P9"), state), multi(prop("P9b"), state);
  StepFacts read;
  read.actor = 1;
  read.file = 0;
  Outcome shown{.ret = 10, .delivered = {0, 1}};
  EXPECT_FALSE(stale.see(state, kNoop, shown, read));
  EXPECT_FALSE(multi.see(state, kNoop, shown, read));
  StepFacts del_by_reader;
  del_by_reader.actor = 1;
  del_by_reader.deleted = {2};
  EXPECT_TRUE(stale.see(state, kNoop, {}, del_by_reader)); // p1 read r0 and r1, not r2
  StepFacts del_by_other;
  del_by_other.actor = 2;
  del_by_other.deleted = {2};
  EXPECT_TRUE(multi.see(state, kNoop, {}, del_by_other)); // p1 has not read r2
}

TEST(Planted, P10CatchesRemovalThatChangesViolations) {
  KernelState state = fresh();
  apply(state, MeasureViolation{4});
  Probe probe(prop("P10"), state);
  StepFacts facts;
  facts.deleted = {1};
  facts.violations_before = state.counters.violations;
  state.counters.violations = 0;
  EXPECT_TRUE(probe.see(state, kNoop, {}, facts));
}

TEST(Planted, P11AndP13CatchKernelStartValues) {
  KernelState state = fresh();
  Probe anchor(prop("P11"), state), meta(prop("P13"), state);
  EXPECT_FALSE(anchor.see(state, kNoop));
  state.ms.start = {{Digest(20, 7)}};
  EXPECT_TRUE(anchor.see(state, kNoop));
  EXPECT_FALSE(meta.see(state, kNoop));
  state.ms.start = {{Digest(20, 0)}};
  StepFacts boot;
  boot.booted = true;
  EXPECT_TRUE(meta.see(state, kNoop, {}, boot)); // start values lost across kexec
}

TEST(Planted, P12CatchesARemovalBeyondTheQuote) {
  KernelState state = fresh();
  Probe probe(prop("P12"), state);
  EXPECT_FALSE(probe.see(state, Quote{2}));
  apply(state, Measure{5, 0});
  state.ghost.del = state.ghost.full; // removed everything, including after the quote
  StepFacts facts;
  facts.actor = 2;
  facts.call_returned = true;
  facts.deleted = state.ghost.full;
  EXPECT_TRUE(probe.see(state, kNoop, {.ret = 2}, facts));
  // And a removal that stops short of the quote.
  KernelState short_state = fresh();
  Probe short_probe(prop("P12"), short_state);
  EXPECT_FALSE(short_probe.see(short_state, Quote{2}));
  short_state.ghost.del = {short_state.ghost.full[0]};
  facts.deleted = short_state.ghost.del;
  EXPECT_TRUE(short_probe.see(short_state, kNoop, {.ret = 2}, facts));
}

TEST(Planted, P14CatchesUnhashedCarriedRecords) {
  KernelState state = fresh();
  Probe probe(prop("P14"), state);
  StepFacts facts;
  facts.booted = true;
  EXPECT_FALSE(probe.see(state, kNoop, {}, facts));
  state.nodes[1].hashed = false;
  EXPECT_TRUE(probe.see(state, kNoop, {}, facts));
}

TEST(Planted, P15CatchesTwoWritersAndAStuckCounter) {
  KernelState state = fresh();
  Probe probe(prop("P15"), state);
  EXPECT_FALSE(probe.see(state, kNoop));
  state.users = -1; // every file closed, the writer slot never given back
  EXPECT_TRUE(probe.see(state, kNoop));
  state.users = 0;
  apply(state, Spawn{});
  apply(state, Open{1, "binary_runtime_measurements", Access::write});
  apply(state, Open{2, "binary_runtime_measurements", Access::write});
  EXPECT_TRUE(probe.see(state, kNoop));
}

TEST(Planted, P16CatchesRemovalWithoutCapability) {
  KernelState state = fresh();
  apply(state, DropCap{1});
  Probe probe(prop("P16"), state);
  Outcome opened = apply(state, Open{1, "binary_runtime_measurements", Access::read});
  EXPECT_FALSE(
      probe.see(state, Action{Open{1, "binary_runtime_measurements", Access::read}}, opened));
  StepFacts facts;
  facts.actor = 1;
  facts.deleted = {1};
  facts.file = *state.procs[0].fds[static_cast<std::size_t>(opened.ret)];
  EXPECT_TRUE(probe.see(state, kNoop, {}, facts));
}

TEST(Planted, P17CatchesALongLockedWalk) {
  KernelState state = fresh();
  Probe probe(prop("P17"), state);
  StepFacts facts;
  facts.actor = 1;
  EXPECT_FALSE(probe.see(state, kNoop, {}, facts));
  state.mutex_walk = 3;
  EXPECT_TRUE(probe.see(state, kNoop, {}, facts));
}

TEST(Planted, P18CatchesRemovalOfARecordAppendedMidRequest) {
  KernelState state = fresh();
  Probe probe(prop("P18"), state);
  Request request;
  request.kind = Request::Kind::write;
  request.pid = 1;
  request.pc = 1;
  state.requests.push_back(request);
  StepFacts add;
  add.appended = {3};
  EXPECT_FALSE(probe.see(state, kNoop, {}, add));
  StepFacts del;
  del.actor = 1;
  del.deleted = {3};
  EXPECT_TRUE(probe.see(state, kNoop, {}, del));
}

TEST(Planted, P19CatchesRemovalWithTheOptionOff) {
  KernelConfig config;
  config.staging = false;
  KernelState state = fresh(ProposalId::baseline_6_12, config);
  state.proposal = ProposalId::sassu_v7; // judged as the version with the option off
  Probe probe(prop("P19"), state);
  StepFacts facts;
  facts.deleted = {1};
  EXPECT_TRUE(probe.see(state, kNoop, {}, facts));
}

TEST(Planted, P20CatchesAPartialRemovalReportedAsSuccess) {
  KernelState state = fresh();
  state.proposal = ProposalId::sassu_v7;
  state.files.push_back({"trim", FileKind::list_binary, 0, 0660});
  Probe probe(prop("P20"), state);
  StepFacts start;
  start.actor = 1;
  start.file = 0;
  state.open_files.push_back({state.files.size() - 1, Access::write, 1});
  start.deleted = {1};
  start.call_returned = true;
  EXPECT_TRUE(probe.see(state, Action{Write{1, 3, to_bytes("3\n")}}, {.ret = 2}, start));
}

TEST(Planted, P21CatchesAnUndocumentedErrno) {
  KernelState state = fresh();
  Probe probe(prop("P21"), state);
  StepFacts facts;
  facts.actor = 1;
  facts.call_returned = true;
  EXPECT_TRUE(probe.see(state, Action{Write{1, 3, to_bytes("-5\n")}}, {.ret = -5}, facts));
}

TEST(Planted, P21CatchesAParsePastTheDeliveredBytes) {
  KernelState state = fresh();
  StepFacts facts;
  facts.actor = 1;
  Outcome read_past{.ret = 0, .done = false};
  read_past.read_past_user_data = true;
  Probe unterminated(prop("P21"), state);
  const auto message =
      unterminated.see(state, Action{Write{1, 3, to_bytes("0:5")}}, read_past, facts);
  ASSERT_TRUE(message);
  EXPECT_NE(message->find("past the written bytes"), std::string::npos) << *message;
  Probe faulted(prop("P21"), state);
  const auto fault = faulted.see(state, Action{Write{1, 3, to_bytes("05"), 1}}, read_past, facts);
  ASSERT_TRUE(fault);
  EXPECT_NE(fault->find("faults after 1 of its 2 bytes"), std::string::npos) << *fault;
  Probe clean(prop("P21"), state);
  facts.call_returned = true;
  EXPECT_FALSE(clean.see(state, Action{Write{1, 3, to_bytes("05"), 1}}, {.ret = -14}, facts));
}

TEST(Planted, P22CatchesAWrongReplay) {
  KernelState state = fresh();
  state.ms.configured_pcrs = {10};
  state.ms.start.assign(state.config.banks.tpm_banks.size(), {Digest(20, 0)});
  for (std::size_t b = 0; b < state.ms.start.size(); ++b)
    state.ms.start[b][0] = Digest(digest_size(state.config.banks.tpm_banks[b].algo), 0);
  Probe probe(prop("P22"), state);
  state.ghost.del = {1};
  state.ms.start[0][0] = Digest(20, 1); // not what the TPM was extended with
  EXPECT_TRUE(probe.see(state, kNoop));
}

TEST(Planted, P23CatchesATooSmallSegment) {
  KernelState state = fresh();
  apply(state, KexecLoad{});
  Probe probe(prop("P23"), state);
  EXPECT_FALSE(probe.see(state, Action{KexecLoad{}}));
  state.kexec.size = 64;
  EXPECT_TRUE(probe.see(state, Action{KexecLoad{}}));
}

TEST(Planted, BaselineInvariantsCatchBrokenStates) {
  KernelState state = fresh();
  Probe grows(prop("B1"), state), unique(prop("B2"), state), replay(prop("B3"), state),
      count(prop("B4"), state);
  EXPECT_FALSE(grows.see(state, kNoop));
  EXPECT_FALSE(unique.see(state, kNoop));
  EXPECT_FALSE(replay.see(state, kNoop));
  EXPECT_FALSE(count.see(state, kNoop));
  KernelState dup = state;
  dup.contents.push_back(dup.contents.id(1));
  dup.nodes.push_back({static_cast<Serial>(dup.contents.size() - 1)});
  dup.list.push_back(static_cast<NodeId>(dup.nodes.size() - 1));
  EXPECT_TRUE(unique.see(dup, kNoop));
  EXPECT_TRUE(grows.see(dup, kNoop)); // |L| != |Full|
  KernelState pcr = state;
  pcr.pcrs.extend(0, 10, Digest(20, 1));
  EXPECT_TRUE(replay.see(pcr, kNoop));
  KernelState violations = state;
  violations.counters.violations = 1;
  EXPECT_TRUE(count.see(violations, kNoop));
}

TEST(Planted, P1CatchesAReaderSkippingAnotherFilesRemoval) {
  KernelState state = fresh();
  Probe probe(prop("P1"), state);
  apply(state, Spawn{});
  Outcome opened = apply(state, Open{1, "binary_runtime_measurements", Access::read});
  StepFacts read;
  read.actor = 1;
  read.file = *state.procs[0].fds[static_cast<std::size_t>(opened.ret)];
  EXPECT_FALSE(probe.see(state, kNoop, {.ret = 1, .delivered = {0}}, read));
  StepFacts removal;
  removal.actor = 2;
  removal.deleted = {1};
  removal.file = 99;
  state.ghost.del = {1};
  state.list.erase(state.list.begin() + 1);
  EXPECT_FALSE(probe.see(state, kNoop, {}, removal));
  EXPECT_TRUE(probe.see(state, kNoop, {.ret = 1, .delivered = {2}}, read));
}

TEST(Catalogue, EveryPropertyOfTheSpecIsPresentWithText) {
  std::vector<std::string> expected{"P1",  "P2",  "P3a", "P3b", "P4a", "P4b", "P5",  "P6",
                                    "P7",  "P8",  "P9",  "P9b", "P10", "P11", "P12", "P13",
                                    "P14", "P15", "P16", "P17", "P18", "P19", "P20", "P21",
                                    "P22", "P23", "B1",  "B2",  "B3",  "B4",  "B5"};
  for (const std::string &id : expected) {
    const Property *p = find_property(id);
    ASSERT_NE(p, nullptr) << id;
    EXPECT_FALSE(p->title.empty());
    EXPECT_GT(p->statement.size(), 30u) << id;
    EXPECT_FALSE(p->sources.empty());
  }
  EXPECT_EQ(all_properties().size(), expected.size());
}

} // namespace
} // namespace trimcheck::props

namespace trimcheck::props {
namespace {

using namespace model;

TEST(Planted, P8CatchesACriticalDataRecordWithTheWrongTotal) {
  KernelState state = boot(ProposalId::chen_v5, KernelConfig{});
  auto monitor = find_property("P8")->make_monitor();
  monitor->start(state);
  apply(state, MeasureRecord{10,
                             make_ima_buf(HashAlgo::sha256, "trim ima event logs",
                                          to_bytes("time= 1; number= 0;")),
                             false});
  state.counters.trimcount = 2;
  state.ghost.del = {7, 8}; // two trimmed, T = 2, but the record says 0
  StepFacts facts;
  facts.actor = 1;
  facts.appended = {static_cast<Serial>(state.contents.size() - 1)};
  facts.call_returned = true;
  EXPECT_TRUE(monitor->observe(state, Action{Continue{1}}, {.ret = 4}, facts));
}

TEST(Planted, P1CatchesASkipOfRecordsStillInTheList) {
  KernelState state = boot(ProposalId::baseline_6_12, KernelConfig{});
  for (std::uint32_t f = 1; f <= 5; ++f)
    apply(state, Measure{f, 0});
  auto monitor = find_property("P1")->make_monitor();
  monitor->start(state);
  Outcome opened = apply(state, Open{1, "binary_runtime_measurements", Access::read});
  StepFacts read;
  read.actor = 1;
  read.file = *state.procs[0].fds[static_cast<std::size_t>(opened.ret)];
  EXPECT_FALSE(
      monitor->observe(state, Action{Read{1, 3, 1}}, {.ret = 1, .delivered = {0, 1}}, read));
  StepFacts removal; // another file removes r0, r1: *pos now points two records further
  removal.deleted = {0, 1};
  removal.file = 99;
  EXPECT_FALSE(monitor->observe(state, Action{Continue{2}}, {}, removal));
  // The reader's next read returns r4: r2 and r3 are still in L but were skipped.
  EXPECT_TRUE(monitor->observe(state, Action{Read{1, 3, 1}}, {.ret = 1, .delivered = {4}}, read));
}

} // namespace
} // namespace trimcheck::props
