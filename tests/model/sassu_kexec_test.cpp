// The Sassu series, RFC v1 .. v7: kexec (spec 2.16, 2.10-2.13), and random single-agent
// runs whose ghost lists and counters stay consistent.
#include "sassu_harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <random>

namespace trimcheck::test {
namespace {

using namespace sassu_series;

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
  const int fd = open_result(state, 1, kLive, Access::write);
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
  const int fd = open_result(racing, 1, kStaged, Access::write);
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
      EXPECT_EQ(count_events(state, MemEventKind::leak), flush ? 0u : carried);
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
    EXPECT_EQ(count_events(state, MemEventKind::unlink_garbage), carried) << key(id);
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
          const int fd = open_result(state, 1, file_for(id, which), Access::write);
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
