// The Sassu series, RFC v1 .. v7: effects of the commands on L, S, H, the counters, Del
// and memory, and interleavings of the multi-step writes (spec 2.7-2.15, P18).
#include "sassu_harness.hpp"

#include <gtest/gtest.h>

#include <cerrno>

namespace trimcheck::test {
namespace {

using namespace sassu_series;

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
  const int fd = open_result(state, 1, kStaged, Access::write);
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
  EXPECT_EQ(count_events(rfc1, MemEventKind::free_without_grace), 16u); // 4 objects x 4 records
  EXPECT_EQ(rfc1.events.size(), 16u);

  KernelState rfc2 = booted(sassu_rfc2, config_with(true));
  const int fd = open_result(rfc2, 1, kStaged, Access::write);
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
    EXPECT_EQ(count_events(state, MemEventKind::leak), leaks ? 4u : 0u);
    EXPECT_EQ(state.events.size(), leaks ? 4u : 0u);
    EXPECT_EQ(freed(state, 0, Obj::qe), !leaks);
    EXPECT_TRUE(freed(state, 0, Obj::data));
  }
  // v3 ignores ima_flush_htable with DISABLE_HTABLE, so flushing does not help.
  KernelState v3 = booted(sassu_v3, config_with(true, true));
  ASSERT_EQ(command(v3, 'A', "A\n"), 2);
  ASSERT_EQ(command(v3, 'D', "D\n"), 2);
  EXPECT_EQ(count_events(v3, MemEventKind::leak), 4u);
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
    const int fd = open_result(state, 1, kLive, Access::write);
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
  const int fd = open_result(state, 1, kStaged, Access::write);
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
  const int fd = open_result(state, 1, kStaged, Access::write);
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
  const int fd = open_result(state, 1, kStaged, Access::write);
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
    const int live = open_result(state, 1, kLive, Access::write);
    const int staged = open_result(state, 1, kStaged, Access::write);
    const Pid child = static_cast<Pid>(apply(state, Fork{1}).ret);
    EXPECT_FALSE(apply(state, Write{1, live, to_bytes("3\n")}).done); // walk: mark = 2
    EXPECT_EQ(write_all(state, child, staged, "A\n"), 2);
    const Outcome out = apply(state, Continue{1});
    EXPECT_TRUE(out.done);
    EXPECT_EQ(count_events(state, MemEventKind::list_corruption), 1u);
  }
  // Two N requests on two live files: the second cut uses a stale walk and removes fewer
  // records than its counter update assumes.
  KernelState state = booted(sassu_v7);
  const int first = open_result(state, 1, kLive, Access::write);
  const int second = open_result(state, 1, kLive, Access::write);
  const Pid child = static_cast<Pid>(apply(state, Fork{1}).ret);
  EXPECT_FALSE(apply(state, Write{1, first, to_bytes("3\n")}).done);
  EXPECT_EQ(write_all(state, child, second, "1\n"), 2);
  while (!apply(state, Continue{1}).done) {
  }
  EXPECT_EQ(state.ghost.del, range(0, 2));
  EXPECT_EQ(state.list.size(), 1u);
  EXPECT_EQ(shown_count(state), 0); // 4 - 1 - 3, with one record left in L
}

} // namespace
} // namespace trimcheck::test
