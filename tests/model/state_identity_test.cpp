// The kernel state's identity (state_identity.hpp): every field of a reachable state is
// changed on its own, and the encoding must change exactly for the fields that are part of
// the identity. Each aggregate's table has one row per field, held to the aggregate's
// field count, so a field added to the state needs a row here as well as a decision in
// state_identity.cpp.
#include "harness.hpp"

#include "trimcheck/model/field_count.hpp"
#include "trimcheck/model/state_identity.hpp"

#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <span>

namespace trimcheck::model {
namespace {

using test::bytes;
using test::open_fd;
using test::write_fd;

// One field of an aggregate: how to change it, and whether the change must show in the
// encoding (false: left out of the identity on purpose, state_identity.hpp says why).
struct FieldChange {
  const char *field;
  std::function<void(KernelState &)> change;
  bool identity;
};

// A reachable sassu-v6 state in which most parts of the identity are populated: records
// (ima-ng and a violation), a writer task that staged, read part of S (bytes pending) and
// is blocked in a "D" write that has cut S off (request.cut), a record in L appended
// since, another process, and a loaded kexec segment. (The other parts are empty here
// and are filled by the changes below.)
struct Reached {
  KernelState state;
  Pid writer = 1, other = 0;
  OpenFileId writer_file = 0; // the writer's open file description of the staged list
  Serial violation = 0;       // a violation record
  Serial measured = 0;        // an ima-ng record
  NodeId node = 0;            // a node in L
};

Reached reached() {
  Reached out;
  KernelState &state = out.state;
  state = boot(ProposalId::sassu_v6, KernelConfig{});
  apply(state, Measure{1, 1});
  apply(state, MeasureViolation{2});
  out.violation = static_cast<Serial>(state.contents.size() - 1);
  const int fd = open_fd(state, 1, "binary_runtime_measurements_staged", Access::read_write);
  out.writer_file = state.procs[0].fds.at(fd).value();
  EXPECT_EQ(write_fd(state, 1, fd, bytes("A\n")), 2);
  EXPECT_EQ(apply(state, Read{1, fd, 10}).ret, 10);
  apply(state, Measure{3, 1});
  out.measured = static_cast<Serial>(state.contents.size() - 1);
  out.node = state.list.back();
  out.other = static_cast<Pid>(apply(state, Spawn{}).ret);
  apply(state, KexecLoad{});
  EXPECT_FALSE(apply(state, Write{1, fd, bytes("D\n")}).done);
  return out;
}

// Whether `change` changes the encoding of the reached state.
bool changes_identity(const std::function<void(KernelState &)> &change) {
  const Reached base = reached();
  KernelState changed = base.state;
  change(changed);
  return kernel_identity(changed) != kernel_identity(base.state);
}

void expect_decided(std::span<const FieldChange> fields, const char *aggregate) {
  for (const FieldChange &field : fields)
    EXPECT_EQ(changes_identity(field.change), field.identity)
        << aggregate << "::" << field.field
        << (field.identity ? " is part of the identity but its change does not show"
                           : " is left out of the identity but its change shows");
}

// contents[serial] replaced by `change`d copy (records are immutable in the state), in a
// table of its own.
void change_record(KernelState &state, Serial serial, const std::function<void(Record &)> &change) {
  RecordList contents(std::make_shared<RecordTable>());
  for (Serial at = 0; at < state.contents.size(); ++at) {
    Record record = state.contents[at];
    if (at == serial)
      change(record);
    contents.push_back(contents.table().intern(std::move(record)));
  }
  state.contents = std::move(contents);
}

const Reached &fixture() {
  static const Reached kReached = reached();
  return kReached;
}

Request &request(KernelState &state) {
  return state.requests.at(0);
}

TEST(StateIdentity, TheReachedStateHasEveryPart) {
  const Reached &r = fixture();
  EXPECT_FALSE(r.state.list.empty());
  ASSERT_EQ(r.state.requests.size(), 1u);
  EXPECT_FALSE(r.state.requests[0].cut.empty());
  EXPECT_EQ(r.state.measure_writer, std::optional<Pid>{1});
  EXPECT_FALSE(r.state.open_files[r.writer_file].pending.empty());
  EXPECT_FALSE(r.state.open_files[r.writer_file].pending_records.empty());
  EXPECT_TRUE(r.state.procs.at(r.other - 1).alive);
  EXPECT_TRUE(r.state.kexec.loaded);
  EXPECT_TRUE(r.state.contents[r.violation].violation);
  EXPECT_EQ(r.state.contents[r.measured].data.kind, TemplateKind::ima_ng);
  EXPECT_EQ(kernel_identity(r.state), kernel_identity(reached().state)); // deterministic
}

TEST(StateIdentity, KernelStateFields) {
  const Reached &r = fixture();
  const std::array<FieldChange, 25> fields{{
      {"proposal", [](KernelState &s) { s.proposal = ProposalId::sassu_v5; }, false},
      {"config", [](KernelState &s) { s.config.flush_htable = true; }, false},
      {"contents", [&](KernelState &s) { s.contents.push_back(s.contents.id(r.measured)); }, true},
      {"nodes", [](KernelState &s) { s.nodes.push_back(Node{}); }, true},
      {"list", [&](KernelState &s) { s.list.push_back(r.node); }, true},
      {"staged", [&](KernelState &s) { s.staged.push_back(r.node); }, true},
      {"counters", [](KernelState &s) { ++s.counters.htable_len; }, true},
      {"pcrs", [](KernelState &s) { s.pcrs.extend(0, 10, s.pcrs.value_copy(0, 10)); }, true},
      {"suspended", [](KernelState &s) { s.suspended = !s.suspended; }, true},
      {"kexec", [](KernelState &s) { s.kexec.loaded = !s.kexec.loaded; }, true},
      {"ms", [](KernelState &s) { s.ms.configured_pcrs.push_back(10); }, true},
      {"sassu", [](KernelState &s) { s.sassu.list_copied = !s.sassu.list_copied; }, true},
      {"users", [](KernelState &s) { ++s.users; }, true},
      {"measure_writer", [&](KernelState &s) { s.measure_writer = r.other; }, true},
      {"writer_extra_writes", [](KernelState &s) { ++s.writer_extra_writes; }, true},
      {"files", [](KernelState &s) { s.files = std::vector<FileSpec>{}; }, false},
      {"procs", [](KernelState &s) { s.procs.push_back(Process{.pid = 9}); }, true},
      {"open_files", [](KernelState &s) { s.open_files.push_back(OpenFile{.refs = 1}); }, true},
      {"requests", [](KernelState &s) { s.requests.clear(); }, true},
      {"ghost", [](KernelState &s) { s.ghost.last_dump_failed = !s.ghost.last_dump_failed; }, true},
      {"mutex_walk", [](KernelState &s) { ++s.mutex_walk; }, true},
      {"events",
       [](KernelState &s) {
         s.events.push_back({MemEventKind::leak, 0, Obj::qe, "test"});
       },
       false},
      {"clock_ns", [](KernelState &s) { ++s.clock_ns; }, true},
      {"clock_reads", [](KernelState &s) { ++s.clock_reads; }, true},
      {"digest_memo", [](KernelState &s) { s.digest_memo = SharedDigestMemo::fresh(); }, false},
  }};
  static_assert(fields.size() == field_count<KernelState>(), "a KernelState field has no row");
  expect_decided(fields, "KernelState");
}

TEST(StateIdentity, RecordFields) {
  const Reached &r = fixture();
  const Serial measured = r.measured, violation = r.violation;
  const std::array<FieldChange, 4> record{{
      {"pcr", [=](KernelState &s) { change_record(s, measured, [](Record &x) { x.pcr = 11; }); },
       true},
      {"data",
       [=](KernelState &s) {
         change_record(s, measured, [](Record &x) { x.data.kind = TemplateKind::ima; });
       },
       true},
      {"digests",
       [=](KernelState &s) {
         change_record(s, measured, [](Record &x) { x.digests.front()[0] ^= 1; });
       },
       true},
      {"violation",
       [=](KernelState &s) {
         change_record(s, measured, [](Record &x) { x.violation = !x.violation; });
       },
       true},
  }};
  static_assert(record.size() == field_count<Record>(), "a Record field has no row");
  expect_decided(record, "Record");
  const std::array<FieldChange, 3> data{{
      {"kind",
       [=](KernelState &s) {
         change_record(s, violation, [](Record &x) { x.data.kind = TemplateKind::ima; });
       },
       true},
      {"fields", // a violation record's fields are written whole
       [=](KernelState &s) {
         change_record(s, violation, [](Record &x) { x.data.fields.back().push_back(0); });
       },
       true},
      {"format", // a custom template's: the record's digest does not cover it
       [=](KernelState &s) {
         change_record(s, measured, [](Record &x) { x.data.format = "d-ng|n-ng"; });
       },
       true},
  }};
  static_assert(data.size() == field_count<TemplateData>(), "a TemplateData field has no row");
  expect_decided(data, "TemplateData");
}

// An ima-ng record's template digest stands for its fields (state_identity.hpp): fields
// changed with their digests change the identity; the digests alone are what it reads.
TEST(StateIdentity, ADigestStandsForTheFieldsItHashes) {
  const Reached &r = fixture();
  const Serial measured = r.measured;
  EXPECT_TRUE(changes_identity([=](KernelState &s) {
    change_record(s, measured, [&](Record &x) {
      x = make_record(s.config.banks, x.pcr, measured_template(s.config, 7, 7, false));
    });
  }));
  EXPECT_FALSE(changes_identity([=](KernelState &s) {
    change_record(s, measured, [](Record &x) { x.data.fields.back().push_back(0); });
  }));
}

TEST(StateIdentity, NodeFields) {
  const NodeId node = fixture().node;
  auto on_node = [=](std::function<void(Node &)> change) {
    return [=](KernelState &s) { change(s.nodes.at(node)); };
  };
  const std::array<FieldChange, 6> fields{{
      {"serial", on_node([](Node &n) { ++n.serial; }), true},
      {"freed", on_node([](Node &n) { n.freed[1] = !n.freed[1]; }), true},
      {"hashed", on_node([](Node &n) { n.hashed = !n.hashed; }), true},
      {"hnext_garbage", on_node([](Node &n) { n.hnext_garbage = !n.hnext_garbage; }), true},
      {"awaiting_grace", on_node([](Node &n) { n.awaiting_grace = !n.awaiting_grace; }), true},
      {"leak_reported", on_node([](Node &n) { n.leak_reported = !n.leak_reported; }), true},
  }};
  static_assert(fields.size() == field_count<Node>(), "a Node field has no row");
  expect_decided(fields, "Node");
}

TEST(StateIdentity, CounterFields) {
  const std::array<FieldChange, 9> fields{{
      {"htable_len", [](KernelState &s) { ++s.counters.htable_len; }, true},
      {"violations", [](KernelState &s) { ++s.counters.violations; }, true},
      {"bin_size", [](KernelState &s) { ++s.counters.bin_size; }, true},
      {"staged_len", [](KernelState &s) { ++s.counters.staged_len; }, true},
      {"staged_size", [](KernelState &s) { ++s.counters.staged_size; }, true},
      {"full_len", [](KernelState &s) { ++s.counters.full_len; }, true},
      {"full_size", [](KernelState &s) { ++s.counters.full_size; }, true},
      {"number_entries", [](KernelState &s) { ++s.counters.number_entries; }, true},
      {"trimcount", [](KernelState &s) { ++s.counters.trimcount; }, true},
  }};
  static_assert(fields.size() == field_count<Counters>(), "a Counters field has no row");
  expect_decided(fields, "Counters");
}

TEST(StateIdentity, GhostKexecMsAndSassuFields) {
  const std::array<FieldChange, 5> ghost{{
      {"boot", [](KernelState &s) { ++s.ghost.boot; }, false},
      {"full", [](KernelState &s) { s.ghost.full.push_back(0); }, true},
      {"del", [](KernelState &s) { s.ghost.del.push_back(0); }, true},
      {"last_dump", [](KernelState &s) { s.ghost.last_dump.push_back(0); }, true},
      {"last_dump_failed",
       [](KernelState &s) { s.ghost.last_dump_failed = !s.ghost.last_dump_failed; }, true},
  }};
  static_assert(ghost.size() == field_count<Ghost>(), "a Ghost field has no row");
  expect_decided(ghost, "Ghost");
  const std::array<FieldChange, 2> kexec{{
      {"loaded", [](KernelState &s) { s.kexec.loaded = !s.kexec.loaded; }, true},
      {"size", [](KernelState &s) { s.kexec.size += kPageSize; }, true},
  }};
  static_assert(kexec.size() == field_count<KexecSegment>(), "a KexecSegment field has no row");
  expect_decided(kexec, "KexecSegment");
  const std::array<FieldChange, 2> ms{{
      {"configured_pcrs", [](KernelState &s) { s.ms.configured_pcrs.push_back(10); }, true},
      {"start", [](KernelState &s) { s.ms.start.push_back({Digest(20, 0)}); }, true},
  }};
  static_assert(ms.size() == field_count<MsState>(), "an MsState field has no row");
  expect_decided(ms, "MsState");
  const std::array<FieldChange, 2> sassu{{
      {"staged_copied", [](KernelState &s) { s.sassu.staged_copied = !s.sassu.staged_copied; },
       true},
      {"list_copied", [](KernelState &s) { s.sassu.list_copied = !s.sassu.list_copied; }, true},
  }};
  static_assert(sassu.size() == field_count<SassuState>(), "a SassuState field has no row");
  expect_decided(sassu, "SassuState");
}

TEST(StateIdentity, ProcessAndOpenFileFields) {
  const Reached &r = fixture();
  const Pid other = r.other;
  const OpenFileId file = r.writer_file;
  auto on_other = [=](std::function<void(Process &)> change) {
    return [=](KernelState &s) { change(s.procs.at(other - 1)); };
  };
  const std::array<FieldChange, 4> process{{
      // Always the index + 1 (the renaming names a process by its index).
      {"pid", on_other([](Process &p) { p.pid = 7; }), false},
      {"alive", on_other([](Process &p) { p.alive = !p.alive; }), true},
      {"cap_sys_admin", on_other([](Process &p) { p.cap_sys_admin = !p.cap_sys_admin; }), true},
      {"fds", on_other([=](Process &p) { p.fds.push_back(file); }), true},
  }};
  static_assert(process.size() == field_count<Process>(), "a Process field has no row");
  expect_decided(process, "Process");
  auto on_file = [=](std::function<void(OpenFile &)> change) {
    return [=](KernelState &s) { change(s.open_files.at(file)); };
  };
  const std::array<FieldChange, 8> open_file{{
      {"file", on_file([](OpenFile &f) { ++f.file; }), true},
      {"access", on_file([](OpenFile &f) { f.access = Access::read; }), true},
      {"opener", on_file([=](OpenFile &f) { f.opener = other; }), true},
      {"pos", on_file([](OpenFile &f) { ++f.pos; }), true},
      {"pending", on_file([](OpenFile &f) { f.pending.push_back(0); }), true},
      {"pending_records", on_file([](OpenFile &f) {
         f.pending_records.push_back({0, 1});
       }),
       true},
      {"refs", on_file([](OpenFile &f) { ++f.refs; }), true},
      {"counted", on_file([](OpenFile &f) { f.counted = !f.counted; }), true},
  }};
  static_assert(open_file.size() == field_count<OpenFile>(), "an OpenFile field has no row");
  expect_decided(open_file, "OpenFile");
}

TEST(StateIdentity, RequestFields) {
  const Reached &r = fixture();
  const Pid other = r.other;
  const NodeId node = r.node;
  auto on = [](std::function<void(Request &)> change) {
    return [=](KernelState &s) { change(request(s)); };
  };
  const std::array<FieldChange, 15> fields{{
      {"kind", on([](Request &q) { q.kind = Request::Kind::read; }), true},
      {"pid", on([=](Request &q) { q.pid = other; }), true},
      {"fd", on([](Request &q) { ++q.fd; }), true},
      {"open_file", on([](Request &q) { q.open_file = 99; }), true}, // no such file: gone
      {"count", on([](Request &q) { ++q.count; }), true},
      {"input", on([](Request &q) { q.input.push_back('x'); }), true},
      {"fault_after", on([](Request &q) { q.fault_after = 1; }), true},
      {"read_past_user_data",
       on([](Request &q) { q.read_past_user_data = !q.read_past_user_data; }), true},
      {"pc", on([](Request &q) { ++q.pc; }), true},
      {"n", on([](Request &q) { ++q.n; }), true},
      {"result", on([](Request &q) { ++q.result; }), true},
      {"sum", on([](Request &q) { ++q.sum; }), true},
      {"cut", on([=](Request &q) { q.cut.push_back(node); }), true},
      {"mark", on([=](Request &q) { q.mark = node; }), true},
      {"command", on([](Request &q) { ++q.command; }), true},
  }};
  static_assert(fields.size() == field_count<Request>(), "a Request field has no row");
  expect_decided(fields, "Request");
}

// The renaming: states that differ only in which pid the surviving process got encode
// alike; a process that exited and that nothing refers to is gone.
TEST(StateIdentity, ProcessesAreNamedCanonically) {
  KernelState state = boot(ProposalId::sassu_v6, KernelConfig{});
  const Pid first = static_cast<Pid>(apply(state, Spawn{}).ret);
  const Pid second = static_cast<Pid>(apply(state, Spawn{}).ret);
  KernelState one = state, other = state;
  apply(one, Exit{first});
  apply(other, Exit{second});
  EXPECT_NE(one, other);
  EXPECT_EQ(kernel_identity(one), kernel_identity(other));
  apply(other, DropCap{first});
  EXPECT_NE(kernel_identity(one), kernel_identity(other));
}

} // namespace
} // namespace trimcheck::model
