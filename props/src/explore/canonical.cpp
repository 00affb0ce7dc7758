#include "canonical.hpp"

#include <algorithm>
#include <numeric>

namespace trimcheck::props::detail {

using namespace model;

namespace {

constexpr std::uint32_t kGone = Renaming::kGone;

// Pids and open files, renamed as described in canonical.hpp.
Renaming rename(const World &world, std::span<const std::size_t> order, std::vector<Pid> &pid_order,
                std::vector<OpenFileId> &file_order) {
  const KernelState &kernel = world.kernel;
  Renaming names;
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
  std::vector<bool> referenced(kernel.procs.size() + 1, false);
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
  return names;
}

void encode_record(const Record &record, std::string &scratch, StateEncoder &out) {
  scratch.clear();
  scratch.push_back(static_cast<char>(record.pcr));
  scratch.push_back(record.violation ? '\1' : '\0');
  scratch.push_back(static_cast<char>(record.data.kind));
  for (const Bytes &field : record.data.fields) {
    const auto size = static_cast<std::uint32_t>(field.size());
    scratch.append(reinterpret_cast<const char *>(&size), sizeof size);
    scratch.append(field.begin(), field.end());
  }
  out.blob({reinterpret_cast<const std::uint8_t *>(scratch.data()), scratch.size()});
}

// Nodes that matter for the future (canonical.hpp), numbered by rank.
std::vector<std::uint32_t> node_names(const KernelState &kernel) {
  std::vector<bool> held(kernel.nodes.size(), false);
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
  std::vector<std::uint32_t> names(kernel.nodes.size(), kGone);
  std::uint32_t next = 0;
  for (NodeId id = 0; id < kernel.nodes.size(); ++id) {
    const Node &node = kernel.nodes[id];
    const bool all_freed = node.freed[0] && node.freed[1] && node.freed[2] && node.freed[3];
    if (held[id] || node.hashed || !(all_freed || node.leak_reported))
      names[id] = next++;
  }
  return names;
}

void encode_kernel(const KernelState &kernel, std::span<const Pid> pid_order,
                   std::span<const OpenFileId> file_order, StateEncoder &out) {
  std::string scratch;
  out.number(kernel.contents.size());
  std::vector<bool> pcr_used(kNumPcrs, false);
  for (const Record &record : kernel.contents) {
    encode_record(record, scratch, out);
    if (record.pcr < kNumPcrs)
      pcr_used[record.pcr] = true;
  }
  const auto nodes = node_names(kernel);
  for (NodeId id = 0; id < kernel.nodes.size(); ++id) {
    if (nodes[id] == kGone)
      continue;
    const Node &node = kernel.nodes[id];
    out.number(node.serial);
    out.number(node.freed[0] | node.freed[1] << 1 | node.freed[2] << 2 | node.freed[3] << 3 |
               node.hashed << 4 | node.hnext_garbage << 5 | node.awaiting_grace << 6 |
               node.leak_reported << 7);
  }
  auto node_list = [&](const std::vector<NodeId> &list) {
    out.number(list.size());
    for (NodeId id : list)
      out.number(nodes[id]);
  };
  node_list(kernel.list);
  node_list(kernel.staged);
  const Counters &c = kernel.counters;
  for (std::int64_t value :
       {c.htable_len, c.violations, c.staged_len, c.full_len, c.number_entries, c.trimcount})
    out.signed_number(value);
  for (std::uint64_t value : {c.bin_size, c.staged_size, c.full_size})
    out.number(value);
  for (std::size_t bank = 0; bank < kernel.pcrs.num_banks(); ++bank)
    for (std::size_t pcr = 0; pcr < kNumPcrs; ++pcr)
      if (pcr_used[pcr])
        out.blob(kernel.pcrs.value(bank, pcr));
  out.flag(kernel.suspended);
  out.flag(kernel.kexec.loaded);
  out.number(kernel.kexec.size);
  out.ms(kernel.ms);
  out.flag(kernel.sassu.staged_copied);
  out.flag(kernel.sassu.list_copied);
  out.signed_number(kernel.users);
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
    out.signed_number(request.pc);
    out.signed_number(request.n);
    out.signed_number(request.result);
    out.number(request.sum);
    node_list(request.cut);
    out.flag(request.mark.has_value());
    out.number(request.mark ? nodes[*request.mark] : 0);
    out.signed_number(request.command);
  }
  out.serials(kernel.ghost.full);
  out.serials(kernel.ghost.del);
  out.serials(kernel.ghost.last_dump);
  out.flag(kernel.ghost.last_dump_failed);
  out.number(kernel.mutex_walk);
  out.number(kernel.clock_ns - KernelState{}.clock_ns);
}

} // namespace

void Canonicalizer::encode_in_order(const World &world, std::span<const std::size_t> order,
                                    std::string &out) {
  std::vector<Pid> pid_order;
  std::vector<OpenFileId> file_order;
  const Renaming names = rename(world, order, pid_order, file_order);
  StateEncoder encoder(names, *intern_);
  const Budget &budget = world.budget;
  for (std::uint8_t value :
       {budget.config, budget.measures, budget.files_used, budget.loads, budget.executes})
    encoder.number(value);
  for (std::size_t agent : order)
    world.agents[agent].encode(encoder);
  encode_kernel(world.kernel, pid_order, file_order, encoder);
  for (const MonitorSlot &slot : world.monitors) {
    encoder.flag(slot.get() != nullptr);
    if (slot.get() != nullptr)
      slot.get()->encode(encoder);
  }
  out = encoder.take();
}

std::string Canonicalizer::encode(const World &world) {
  std::vector<std::size_t> order(world.agents.size());
  std::iota(order.begin(), order.end(), 0);
  std::string best, candidate;
  encode_in_order(world, order, best);
  while (std::next_permutation(order.begin(), order.end())) {
    encode_in_order(world, order, candidate);
    if (candidate < best)
      std::swap(best, candidate);
  }
  return best;
}

} // namespace trimcheck::props::detail
