#include "canonical.hpp"

#include <algorithm>
#include <numeric>

namespace trimcheck::props::detail {

using namespace model;

namespace {

constexpr std::uint32_t kGone = Renaming::kGone;

// Pids and open files, renamed as described in canonical.hpp.
// `names`, `pid_order`, `file_order` and `referenced` are the caller's scratch, overwritten.
void rename(const World &world, std::span<const std::size_t> order, Renaming &names,
            std::vector<Pid> &pid_order, std::vector<OpenFileId> &file_order,
            std::vector<bool> &referenced) {
  const KernelState &kernel = world.kernel;
  pid_order.clear();
  file_order.clear();
  names.pid.assign(kernel.procs.size() + 1, kGone);
  names.pid[0] = 0;
  std::uint32_t next = 1;
  auto give = [&](Pid pid) {
    if (pid > 0 && pid <= kernel.procs.size() && names.pid[pid] == kGone) {
      names.pid[pid] = next++;
      pid_order.push_back(pid);
    }
  };
  auto alive = [&](Pid pid) {
    return pid > 0 && pid <= kernel.procs.size() && kernel.procs[pid - 1].alive;
  };
  for (std::size_t agent : order)
    if (alive(world.agents[agent].pid()))
      give(world.agents[agent].pid());
  for (const Process &proc : kernel.procs)
    if (proc.alive)
      give(proc.pid);
  referenced.assign(kernel.procs.size() + 1, false);
  for (const OpenFile &file : kernel.open_files)
    if (file.refs > 0 && file.opener < referenced.size())
      referenced[file.opener] = true;
  if (kernel.measure_writer && *kernel.measure_writer < referenced.size())
    referenced[*kernel.measure_writer] = true;
  for (const Request &request : kernel.requests)
    if (request.pid < referenced.size())
      referenced[request.pid] = true;
  for (Pid pid = 1; pid < referenced.size(); ++pid)
    if (referenced[pid])
      give(pid);

  names.open_file.assign(kernel.open_files.size(), kGone);
  std::uint32_t next_file = 0;
  auto give_file = [&](OpenFileId id) {
    if (id < kernel.open_files.size() && kernel.open_files[id].refs > 0 &&
        names.open_file[id] == kGone) {
      names.open_file[id] = next_file++;
      file_order.push_back(id);
    }
  };
  for (Pid pid : pid_order)
    for (const auto &fd : kernel.procs[pid - 1].fds)
      if (fd)
        give_file(*fd);
  for (const Request &request : kernel.requests)
    if (request.pid != 0)
      give_file(request.open_file);
  for (OpenFileId id = 0; id < kernel.open_files.size(); ++id)
    give_file(id);
}

// A digest stands for what it hashes by its first bytes (canonical.hpp).
constexpr std::size_t kDigestPrefix = 16;

void encode_digest(std::span<const std::uint8_t> digest, StateEncoder &out) {
  out.blob(digest.first(std::min(digest.size(), kDigestPrefix)));
}

void encode_record(const Record &record, StateEncoder &out) {
  out.number(record.pcr);
  out.flag(record.violation);
  out.number(static_cast<std::uint8_t>(record.data.kind));
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

// Nodes that matter for the future (canonical.hpp), numbered by rank.
// Into `names`; `held` is the caller's scratch.
void node_names(const KernelState &kernel, std::vector<std::uint32_t> &names,
                std::vector<bool> &held) {
  held.assign(kernel.nodes.size(), false);
  for (NodeId id : kernel.list)
    held[id] = true;
  for (NodeId id : kernel.staged)
    held[id] = true;
  for (const Request &request : kernel.requests) {
    for (NodeId id : request.cut)
      held[id] = true;
    if (request.mark)
      held[*request.mark] = true;
  }
  names.assign(kernel.nodes.size(), kGone);
  std::uint32_t next = 0;
  for (NodeId id = 0; id < kernel.nodes.size(); ++id) {
    const Node &node = kernel.nodes[id];
    const bool all_freed = node.freed[0] && node.freed[1] && node.freed[2] && node.freed[3];
    if (held[id] || node.hashed || !(all_freed || node.leak_reported))
      names[id] = next++;
  }
}

void encode_nodes(const std::vector<NodeId> &list, std::span<const std::uint32_t> nodes,
                  StateEncoder &out) {
  out.number(list.size());
  for (NodeId id : list)
    out.number(nodes[id]);
}

// What does not depend on the agents' order: records, nodes, lists, counters, PCRs, flags,
// the ghost lists and the clock.
void encode_kernel_fixed(const KernelState &kernel, std::span<const std::uint32_t> nodes,
                         StateEncoder &out) {
  out.number(kernel.contents.size());
  std::array<bool, kNumPcrs> pcr_used{};
  for (const Record &record : kernel.contents) {
    encode_record(record, out);
    if (record.pcr < kNumPcrs)
      pcr_used[record.pcr] = true;
  }
  for (NodeId id = 0; id < kernel.nodes.size(); ++id) {
    if (nodes[id] == kGone)
      continue;
    const Node &node = kernel.nodes[id];
    out.number(node.serial);
    out.number(node.freed[0] | node.freed[1] << 1 | node.freed[2] << 2 | node.freed[3] << 3 |
               node.hashed << 4 | node.hnext_garbage << 5 | node.awaiting_grace << 6 |
               node.leak_reported << 7);
  }
  encode_nodes(kernel.list, nodes, out);
  encode_nodes(kernel.staged, nodes, out);
  const Counters &c = kernel.counters;
  for (std::int64_t value :
       {c.htable_len, c.violations, c.staged_len, c.full_len, c.number_entries, c.trimcount})
    out.signed_number(value);
  for (std::uint64_t value : {c.bin_size, c.staged_size, c.full_size})
    out.number(value);
  for (std::size_t bank = 0; bank < kernel.pcrs.num_banks(); ++bank)
    for (std::size_t pcr = 0; pcr < kNumPcrs; ++pcr)
      if (pcr_used[pcr])
        encode_digest(kernel.pcrs.value(bank, pcr), out);
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

// What names processes or open files: the measurement writer, live processes, open files
// and in-flight requests.
void encode_kernel_renamed(const KernelState &kernel, std::span<const std::uint32_t> nodes,
                           std::span<const Pid> pid_order, std::span<const OpenFileId> file_order,
                           StateEncoder &out) {
  out.flag(kernel.measure_writer.has_value());
  out.pid(kernel.measure_writer.value_or(0));
  out.signed_number(kernel.writer_extra_writes);
  out.number(pid_order.size());
  for (Pid pid : pid_order) {
    const Process &proc = kernel.procs[pid - 1];
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
  out.number(file_order.size());
  for (OpenFileId id : file_order) {
    const OpenFile &file = kernel.open_files[id];
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
  out.number(kernel.requests.size());
  for (const Request &request : kernel.requests) {
    out.number(static_cast<std::uint8_t>(request.kind));
    out.pid(request.pid);
    out.signed_number(request.fd);
    out.open_file(request.pid != 0 ? request.open_file : Renaming::kGone);
    out.number(request.count);
    out.blob(request.input);
    out.flag(request.fault_after.has_value());
    out.number(request.fault_after.value_or(0));
    out.flag(request.read_past_user_data);
    out.signed_number(request.pc);
    out.signed_number(request.n);
    out.signed_number(request.result);
    out.number(request.sum);
    encode_nodes(request.cut, nodes, out);
    out.flag(request.mark.has_value());
    out.number(request.mark ? nodes[*request.mark] : 0);
    out.signed_number(request.command);
  }
}

// Whether `a` is less than `b` at a byte both have: then every encoding that starts with `a`
// is less than every encoding that starts with `b` (std::string compares bytes unsigned).
bool decided_less(std::string_view a, std::string_view b) {
  const auto [at_a, at_b] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return at_a != a.end() && at_b != b.end() &&
         static_cast<unsigned char>(*at_a) < static_cast<unsigned char>(*at_b);
}

} // namespace

void Canonicalizer::encode_in_order(const World &world, std::span<const std::size_t> order,
                                    std::string &out, bool agents_only) {
  rename(world, order, names_, pid_order_, file_order_, referenced_);
  StateEncoder encoder(names_, std::move(out));
  for (std::size_t agent : order)
    world.agents[agent].encode(encoder);
  if (!agents_only) {
    encode_kernel_renamed(world.kernel, nodes_, pid_order_, file_order_, encoder);
    for (std::size_t p = 0; p < world.monitors.size(); ++p) {
      const Monitor *monitor = world.monitors.get(p);
      encoder.flag(monitor != nullptr);
      if (monitor != nullptr)
        monitor->encode(encoder);
    }
  }
  out = encoder.take();
}

std::string_view Canonicalizer::encode_view(const World &world) {
  node_names(world.kernel, nodes_, held_);
  const Renaming none;
  StateEncoder fixed(none, std::move(encoding_));
  const Budget &budget = world.budget;
  for (std::uint8_t value :
       {budget.config, budget.measures, budget.files_used, budget.loads, budget.executes})
    fixed.number(value);
  encode_kernel_fixed(world.kernel, nodes_, fixed);
  encoding_ = fixed.take();
  // The fixed part is common to every order, so the least encoding has the least rest.
  const std::size_t agents = world.agents.size();
  order_.resize(agents);
  std::iota(order_.begin(), order_.end(), 0);
  orders_.clear();
  do
    orders_.insert(orders_.end(), order_.begin(), order_.end());
  while (std::next_permutation(order_.begin(), order_.end()));
  const std::size_t count = agents == 0 ? 1 : orders_.size() / agents;
  auto order_at = [&](std::size_t i) {
    return std::span<const std::size_t>(orders_).subspan(i * agents, agents);
  };
  // The rest starts with the agents. An order whose agents' part is beaten by another's at
  // a byte both have cannot give the least encoding: only the others are encoded whole
  // (usually one; all when the agents' parts are equal).
  if (count > 1) {
    agent_parts_.resize(count);
    for (std::size_t i = 0; i < count; ++i)
      encode_in_order(world, order_at(i), agent_parts_[i], true);
  }
  auto beaten = [&](std::size_t i) {
    for (std::size_t j = 0; j < count; ++j)
      if (j != i && decided_less(agent_parts_[j], agent_parts_[i]))
        return true;
    return false;
  };
  bool have_best = false;
  for (std::size_t i = 0; i < count; ++i) {
    if (count > 1 && beaten(i))
      continue;
    encode_in_order(world, order_at(i), candidate_, false);
    if (!have_best || candidate_ < best_) {
      std::swap(best_, candidate_);
      have_best = true;
    }
  }
  encoding_ += best_;
  return encoding_;
}

std::string Canonicalizer::encode(const World &world) {
  return std::string(encode_view(world));
}

} // namespace trimcheck::props::detail
