// The canonical encoding of a kernel state (state_identity.hpp says what is kept and why).
//
// Every aggregate encoded here has its number of fields stated next to its encoding
// (IDENTITY_FIELDS): a field added to it fails the build here, where it must be encoded
// or named in state_identity.hpp as not part of the identity, and then counted.
#include "trimcheck/model/state_identity.hpp"
#include "trimcheck/model/detail/kernel_ops.hpp"
#include "trimcheck/model/field_count.hpp"

#include <algorithm>

// `fields` is the number of fields of `Type` this file has decided about: encoded, or left
// out of the identity with the reason in state_identity.hpp.
#define IDENTITY_FIELDS(Type, fields)                                                              \
  static_assert(field_count<Type>() == (fields),                                                   \
                "a field was added to " #Type ": encode it in state_identity.cpp (or say "         \
                "why it is not part of identity in state_identity.hpp), then update the "          \
                "count here and the field table of tests/model/state_identity_test.cpp")

namespace trimcheck::model {

namespace {

constexpr std::uint32_t kGone = Renaming::kGone;

// A digest stands for what it hashes by its first bytes (state_identity.hpp).
constexpr std::size_t kDigestPrefix = 16;

void encode_digest(std::span<const std::uint8_t> digest, StateEncoder &out) {
  out.blob(digest.first(std::min(digest.size(), kDigestPrefix)));
}

IDENTITY_FIELDS(Record, 4);
IDENTITY_FIELDS(TemplateData, 3);
void encode_record(const Record &record, StateEncoder &out) {
  out.number(record.pcr);
  out.flag(record.violation);
  out.number(static_cast<std::uint8_t>(record.data.kind));
  const std::string &format = record.data.format; // empty but for a custom template
  out.blob({reinterpret_cast<const std::uint8_t *>(format.data()), format.size()});
  out.number(record.data.fields.size());
  // The "ima" template's digest pads the name to a fixed size instead of prefixing its
  // length: names differing only past that size or in trailing zeros hash alike.
  if (!record.violation && !record.digests.empty() && record.data.kind != TemplateKind::ima) {
    encode_digest(record.digests.front(), out);
    return;
  }
  for (const Bytes &field : record.data.fields)
    out.blob(field);
}

IDENTITY_FIELDS(Node, 6);
void encode_node(const Node &node, StateEncoder &out) {
  out.number(node.serial);
  out.number(node.freed[0] | node.freed[1] << 1 | node.freed[2] << 2 | node.freed[3] << 3 |
             node.hashed << 4 | node.hnext_garbage << 5 | node.awaiting_grace << 6 |
             node.leak_reported << 7);
}

void encode_nodes(const std::vector<NodeId> &list, std::span<const std::uint32_t> ranks,
                  StateEncoder &out) {
  out.number(list.size());
  for (NodeId id : list)
    out.number(ranks[id]);
}

IDENTITY_FIELDS(Counters, 9);
void encode_counters(const Counters &c, StateEncoder &out) {
  for (std::int64_t value :
       {c.htable_len, c.violations, c.staged_len, c.full_len, c.number_entries, c.trimcount})
    out.signed_number(value);
  for (std::uint64_t value : {c.bin_size, c.staged_size, c.full_size})
    out.number(value);
}

IDENTITY_FIELDS(MsState, 2); // StateEncoder::ms, below
IDENTITY_FIELDS(KexecSegment, 2);
IDENTITY_FIELDS(SassuState, 2);
IDENTITY_FIELDS(Ghost, 5); // boot is not part of the identity

IDENTITY_FIELDS(Process, 4); // pid is not part of the identity (its index names it)
void encode_process(const Process &proc, StateEncoder &out) {
  out.flag(proc.alive);
  out.flag(proc.cap_sys_admin);
  std::size_t used = proc.fds.size();
  while (used > 0 && !proc.fds[used - 1])
    --used;
  out.number(used);
  for (std::size_t fd = 0; fd < used; ++fd) {
    out.flag(proc.fds[fd].has_value());
    if (proc.fds[fd])
      out.open_file(*proc.fds[fd]);
  }
}

IDENTITY_FIELDS(OpenFile, 8);
void encode_open_file(const OpenFile &file, StateEncoder &out) {
  out.number(file.file);
  out.number(static_cast<std::uint8_t>(file.access));
  out.pid(file.opener);
  out.number(file.pos);
  out.blob(file.pending);
  out.number(file.pending_records.size());
  for (const auto &[serial, end] : file.pending_records) {
    out.number(serial);
    out.number(end);
  }
  out.number(file.refs);
  out.flag(file.counted);
}

IDENTITY_FIELDS(Request, 15);
void encode_request(const Request &request, std::span<const std::uint32_t> ranks,
                    StateEncoder &out) {
  out.number(static_cast<std::uint8_t>(request.kind));
  out.pid(request.pid);
  out.signed_number(request.fd);
  out.open_file(request.pid != 0 ? request.open_file : kGone);
  out.number(request.count);
  out.blob(request.input);
  out.flag(request.fault_after.has_value());
  out.number(request.fault_after.value_or(0));
  out.flag(request.read_past_user_data);
  out.signed_number(request.pc);
  out.signed_number(request.n);
  out.signed_number(request.result);
  out.number(request.sum);
  encode_nodes(request.cut, ranks, out);
  out.flag(request.mark.has_value());
  out.number(request.mark ? ranks[*request.mark] : 0);
  out.signed_number(request.command);
}

// Not part of the identity: proposal, config, files, events, digest_memo (see
// state_identity.hpp). The other 20 fields are encoded by encode_fixed and encode_renamed.
IDENTITY_FIELDS(KernelState, 25);

} // namespace

void StateEncoder::ms(const MsState &ms) {
  number(ms.configured_pcrs.size());
  for (std::uint32_t pcr : ms.configured_pcrs)
    number(pcr);
  number(ms.start.size());
  for (const auto &bank : ms.start) {
    number(bank.size());
    for (const Digest &digest : bank)
      blob(digest);
  }
}

std::string record_identity(const Record &record) {
  const Renaming none;
  StateEncoder out(none);
  encode_record(record, out);
  return out.take();
}

void KernelIdentity::prepare(const KernelState &kernel) {
  held_.assign(kernel.nodes.size(), false);
  detail::mark_referenced_nodes(kernel, held_);
  node_ranks_.assign(kernel.nodes.size(), kGone);
  std::uint32_t next = 0;
  for (NodeId id = 0; id < kernel.nodes.size(); ++id) {
    const Node &node = kernel.nodes[id];
    const bool all_freed = node.freed[0] && node.freed[1] && node.freed[2] && node.freed[3];
    if (held_[id] || node.hashed || !(all_freed || node.leak_reported))
      node_ranks_[id] = next++;
  }
}

void KernelIdentity::encode_fixed(const KernelState &kernel, StateEncoder &out) const {
  out.number(kernel.contents.size());
  std::array<bool, kNumPcrs> pcr_used{};
  const RecordTable *table = kernel.contents.empty() ? nullptr : &kernel.contents.table();
  for (RecordId id : kernel.contents.ids()) {
    out.encoded(table->identity(id)); // encode_record's bytes, kept with the record
    if (const std::uint32_t pcr = (*table)[id].pcr; pcr < kNumPcrs)
      pcr_used[pcr] = true;
  }
  // The PCRs some record extends, ascending: one or two of the 24 in most runs.
  std::array<std::uint8_t, kNumPcrs> used_pcrs{};
  std::size_t used = 0;
  for (std::size_t pcr = 0; pcr < kNumPcrs; ++pcr)
    if (pcr_used[pcr])
      used_pcrs[used++] = static_cast<std::uint8_t>(pcr);
  for (NodeId id = 0; id < kernel.nodes.size(); ++id)
    if (node_ranks_[id] != kGone)
      encode_node(kernel.nodes[id], out);
  encode_nodes(kernel.list, node_ranks_, out);
  encode_nodes(kernel.staged, node_ranks_, out);
  encode_counters(kernel.counters, out);
  for (std::size_t bank = 0; bank < kernel.pcrs.num_banks(); ++bank)
    for (std::size_t i = 0; i < used; ++i)
      encode_digest(kernel.pcrs.value(bank, used_pcrs[i]), out);
  out.flag(kernel.suspended);
  out.flag(kernel.kexec.loaded);
  out.number(kernel.kexec.size);
  out.ms(kernel.ms);
  out.flag(kernel.sassu.staged_copied);
  out.flag(kernel.sassu.list_copied);
  out.signed_number(kernel.users);
  out.serials(kernel.ghost.full);
  out.serials(kernel.ghost.del);
  out.serials(kernel.ghost.last_dump);
  out.flag(kernel.ghost.last_dump_failed);
  out.number(kernel.mutex_walk);
  out.number(kernel.clock_ns - KernelState::kBootClockNs);
  out.number(kernel.clock_reads);
}

const Renaming &KernelIdentity::rename(const KernelState &kernel, std::span<const Pid> first,
                                       Naming &naming) {
  naming.pid_order.clear();
  naming.file_order.clear();
  naming.names.pid.assign(kernel.procs.size() + 1, kGone);
  naming.names.pid[0] = 0;
  std::uint32_t next = 1;
  auto give = [&](Pid pid) {
    if (pid > 0 && pid <= kernel.procs.size() && naming.names.pid[pid] == kGone) {
      naming.names.pid[pid] = next++;
      naming.pid_order.push_back(pid);
    }
  };
  auto alive = [&](Pid pid) {
    return pid > 0 && pid <= kernel.procs.size() && kernel.procs[pid - 1].alive;
  };
  for (Pid pid : first)
    if (alive(pid))
      give(pid);
  for (Pid pid = 1; pid <= kernel.procs.size(); ++pid) // by index: Process::pid is not read
    if (kernel.procs[pid - 1].alive)
      give(pid);
  referenced_.assign(kernel.procs.size() + 1, false);
  for (const OpenFile &file : kernel.open_files)
    if (file.refs > 0 && file.opener < referenced_.size())
      referenced_[file.opener] = true;
  if (kernel.measure_writer && *kernel.measure_writer < referenced_.size())
    referenced_[*kernel.measure_writer] = true;
  for (const Request &request : kernel.requests)
    if (request.pid < referenced_.size())
      referenced_[request.pid] = true;
  for (Pid pid = 1; pid < referenced_.size(); ++pid)
    if (referenced_[pid])
      give(pid);

  naming.names.open_file.assign(kernel.open_files.size(), kGone);
  std::uint32_t next_file = 0;
  auto give_file = [&](OpenFileId id) {
    if (id < kernel.open_files.size() && kernel.open_files[id].refs > 0 &&
        naming.names.open_file[id] == kGone) {
      naming.names.open_file[id] = next_file++;
      naming.file_order.push_back(id);
    }
  };
  for (Pid pid : naming.pid_order)
    for (const auto &fd : kernel.procs[pid - 1].fds)
      if (fd)
        give_file(*fd);
  for (const Request &request : kernel.requests)
    if (request.pid != 0)
      give_file(request.open_file);
  for (OpenFileId id = 0; id < kernel.open_files.size(); ++id)
    give_file(id);
  return naming.names;
}

void KernelIdentity::encode_renamed(const KernelState &kernel, const Naming &naming,
                                    StateEncoder &out) const {
  out.flag(kernel.measure_writer.has_value());
  out.pid(kernel.measure_writer.value_or(0));
  out.signed_number(kernel.writer_extra_writes);
  out.number(naming.pid_order.size());
  for (Pid pid : naming.pid_order)
    encode_process(kernel.procs[pid - 1], out);
  out.number(naming.file_order.size());
  for (OpenFileId id : naming.file_order)
    encode_open_file(kernel.open_files[id], out);
  out.number(kernel.requests.size());
  for (const Request &request : kernel.requests)
    encode_request(request, node_ranks_, out);
}

std::string kernel_identity(const KernelState &kernel) {
  KernelIdentity identity;
  identity.prepare(kernel);
  const Renaming none;
  StateEncoder fixed(none);
  identity.encode_fixed(kernel, fixed);
  std::string out = fixed.take();
  KernelIdentity::Naming naming;
  StateEncoder renamed(identity.rename(kernel, {}, naming));
  identity.encode_renamed(kernel, naming, renamed);
  out += renamed.bytes();
  return out;
}

} // namespace trimcheck::model
