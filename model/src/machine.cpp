// Dispatch of actions, user space (processes, fds, open file descriptions) and the
// request scheduler. Kernel behaviour lives in kernel_ops.cpp and the family files.
#include "trimcheck/model/machine.hpp"

#include "trimcheck/model/detail/family.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace trimcheck::model {
namespace {

using namespace detail;

Process &process(KernelState &state, Pid pid) {
  if (pid == 0 || pid > state.procs.size() || !state.procs[pid - 1].alive)
    throw std::invalid_argument("no live process " + std::to_string(pid));
  return state.procs[pid - 1];
}

Process &idle_process(KernelState &state, Pid pid) {
  Process &proc = process(state, pid);
  if (blocked(state, pid))
    throw std::invalid_argument("process " + std::to_string(pid) + " is blocked in a call");
  return proc;
}

OpenFileId fd_file(const Process &proc, int fd) {
  if (fd < 0 || static_cast<std::size_t>(fd) >= proc.fds.size() || !proc.fds[fd])
    return UINT32_MAX;
  return *proc.fds[fd];
}

int install_fd(Process &proc, OpenFileId file) {
  for (std::size_t fd = 3; fd < proc.fds.size(); ++fd)
    if (!proc.fds[fd]) {
      proc.fds[fd] = file;
      return static_cast<int>(fd);
    }
  proc.fds.resize(std::max<std::size_t>(proc.fds.size(), 3));
  proc.fds.push_back(file);
  return static_cast<int>(proc.fds.size() - 1);
}

std::optional<std::size_t> resolve(const KernelState &state, std::string path) {
  for (int depth = 0; depth < 4; ++depth) {
    auto it = std::find_if(state.files.begin(), state.files.end(),
                           [&](const FileSpec &spec) { return spec.path == path; });
    if (it == state.files.end())
      return std::nullopt;
    if (it->link_to.empty())
      return static_cast<std::size_t>(it - state.files.begin());
    path = it->link_to;
  }
  return std::nullopt;
}

void finish_request(KernelState &state, Pid pid) {
  std::erase_if(state.requests, [&](const Request &r) { return r.pid == pid; });
}

Request *request_of(KernelState &state, Pid pid) {
  for (Request &r : state.requests)
    if (r.pid == pid)
      return &r;
  return nullptr;
}

// Runs one step of pid's request; returns the outcome once the call has returned.
Outcome step_request(KernelState &state, Pid pid) {
  Request *request = request_of(state, pid);
  if (request == nullptr)
    throw std::invalid_argument("process " + std::to_string(pid) + " has no call in flight");
  // P17: mutex_walk describes only the step about to run; the family hooks add the list
  // nodes this step visits under ima_extend_list_mutex (locked_visit).
  state.mutex_walk = 0;
  Outcome out;
  switch (request->kind) {
  case Request::Kind::write:
    hooks_for(state.proposal).write_step(state, *request);
    out.read_past_user_data = std::exchange(request->read_past_user_data, false);
    break;
  case Request::Kind::read:
    out = hooks_for(state.proposal).read(state, *request);
    request->pc = -1;
    request->result = out.ret;
    break;
  case Request::Kind::kexec_execute: {
    const FamilyHooks &hooks = hooks_for(state.proposal);
    if (request->pc == 0) { // reboot notifiers at default priority
      hooks.reboot(state);
      request->pc = 1;
    } else if (request->pc == 1) { // ima_update_kexec_buffer, priority INT_MIN
      DumpResult dump;
      if (state.kexec.loaded && state.config.ima_kexec) {
        auto order = hooks.dump_order(state);
        dump = dump_records(state, order);
        if (hooks.after_dump)
          hooks.after_dump(state);
      }
      state.ghost.last_dump = dump.complete;
      state.ghost.last_dump_failed = dump.overflowed;
      request->input = std::move(dump.segment);
      request->command = dump.overflowed ? 1 : 0;
      request->pc = 2;
    } else { // the next kernel boots
      DumpResult dump;
      dump.segment = request->input;
      dump.complete = state.ghost.last_dump;
      dump.overflowed = request->command == 1;
      boot_next_kernel(state, dump);
      return out; // requests were reset with the old kernel
    }
    break;
  }
  }
  out.done = request->pc == -1;
  out.ret = request->result;
  if (out.done)
    finish_request(state, pid);
  check_leaks(state);
  return out;
}

Outcome do_close(KernelState &state, Process &proc, int fd) {
  OpenFileId id = fd_file(proc, fd);
  if (id == UINT32_MAX)
    return {.ret = -kEBADF};
  proc.fds[fd].reset();
  OpenFile &file = state.open_files.at(id);
  if (--file.refs == 0)
    hooks_for(state.proposal).release(state, proc.pid, file); // close(2) ignores ->release
  return {};
}

Outcome do_open(KernelState &state, const Open &open) {
  Process &proc = idle_process(state, open.pid);
  auto file_index = resolve(state, open.path);
  if (!file_index)
    return {.ret = -kENOENT};
  OpenFile file;
  file.file = *file_index;
  file.access = open.access;
  file.opener = open.pid;
  // Every process is uid 0 with CAP_DAC_OVERRIDE, so DAC never refuses (documented).
  if (std::int64_t err = hooks_for(state.proposal).open(state, proc, file); err < 0)
    return {.ret = err};
  file.refs = 1;
  state.open_files.push_back(std::move(file));
  return {.ret = install_fd(proc, static_cast<OpenFileId>(state.open_files.size() - 1))};
}

Outcome start_request(KernelState &state, Pid pid, int fd, Request::Kind kind, std::size_t count,
                      Bytes input, std::optional<std::uint32_t> fault_after = std::nullopt) {
  Process &proc = idle_process(state, pid);
  OpenFileId id = fd_file(proc, fd);
  if (id == UINT32_MAX)
    return {.ret = -kEBADF};
  const OpenFile &file = state.open_files.at(id);
  if (kind == Request::Kind::read && file.access == Access::write)
    return {.ret = -kEBADF};
  if (kind == Request::Kind::write && file.access == Access::read)
    return {.ret = -kEBADF};
  Request request;
  request.kind = kind;
  request.pid = pid;
  request.fd = fd;
  request.open_file = id;
  request.count = count;
  request.input = std::move(input);
  request.fault_after = fault_after;
  state.requests.push_back(std::move(request));
  return step_request(state, pid);
}

Outcome do_measure(KernelState &state, RecordId record) {
  return {.ret = measure(state, record)};
}

// The record a Measure or MeasureViolation makes, from the run's record table when it was made
// before (new_record would make the template data first, to key by it): keyed by
// the configuration's inputs (record_key) and the action's.
RecordId measured_record(const KernelState &state, std::uint32_t file, std::uint32_t version,
                         bool violation, std::uint32_t path_bytes) {
  const KernelConfig &config = state.config;
  MemoKey key = record_key('M', config);
  key.append_value(file).append_value(version).append_value(path_bytes);
  key.push_back(static_cast<char>(violation));
  return interned_record(state, key.view(), [&] {
    return make_record(config.banks, config.measure_pcr,
                       measured_template(config, file, version, violation, path_bytes), violation,
                       state.digest_memo.get());
  });
}

} // namespace

bool blocked(const KernelState &state, Pid pid) {
  for (const Request &r : state.requests)
    if (r.pid == pid)
      return true;
  return false;
}

bool quiescent(const KernelState &state) {
  if (!state.requests.empty())
    return false;
  for (const OpenFile &file : state.open_files)
    if (file.refs > 0 && writes(file.access))
      return false;
  return true;
}

std::int64_t shown_count(const KernelState &state) {
  return hooks_for(state.proposal).shown_count(state);
}

std::uint64_t kexec_runtime_size(const KernelState &state) {
  return hooks_for(state.proposal).kexec_runtime_size(state);
}

std::string measured_path(std::uint32_t file, std::uint32_t path_bytes) {
  const std::string name = "/f" + std::to_string(file);
  if (path_bytes == 0)
    return name;
  if (path_bytes < name.size() + 2 || path_bytes > kMaxPathBytes)
    throw std::invalid_argument("a path of " + std::to_string(path_bytes) + " bytes to " + name +
                                " must be 0 or " + std::to_string(name.size() + 2) + ".." +
                                std::to_string(kMaxPathBytes) + " bytes long");
  // Directories "/ddd..." of 2 to 256 bytes each (names of at most NAME_MAX), as even as
  // the padding allows.
  constexpr std::size_t kMaxComponent = 256;
  const std::size_t padding = path_bytes - name.size();
  const std::size_t directories = (padding + kMaxComponent - 1) / kMaxComponent;
  std::string path;
  path.reserve(path_bytes);
  for (std::size_t i = 0; i < directories; ++i) {
    const std::size_t length = padding / directories + (i < padding % directories ? 1 : 0);
    path += '/';
    path.append(length - 1, 'd');
  }
  return path + name;
}

TemplateData measured_template(const KernelConfig &config, std::uint32_t file,
                               std::uint32_t version, bool violation, std::uint32_t path_bytes) {
  // The legacy template records SHA-1 file digests.
  const bool legacy = config.template_kind == TemplateKind::ima;
  const HashAlgo algo = legacy ? HashAlgo::sha1 : config.banks.ima_hash;
  constexpr std::size_t kLegacyNameMax = 255; // IMA_EVENT_NAME_LEN_MAX
  std::string name = measured_path(file, path_bytes);
  if (legacy && name.size() > kLegacyNameMax)
    name = "f" + std::to_string(file); // the dentry's name
  Digest file_digest = violation ? Digest(digest_size(algo), 0)
                                 : hash_bytes(algo, to_bytes("v" + std::to_string(version)));
  return make_file_template(config.template_kind, algo, file_digest, name);
}

TemplateData boot_aggregate(const KernelConfig &config, const PcrBanks &pcrs) {
  const BankLayout &layout = config.banks;
  // ima_calc_boot_aggregate: the requested bank if allocated, else sha256, else sha1. The
  // legacy `ima` template's 20-byte `d` field requests SHA-1 (ima_eventdigest_init).
  const HashAlgo wanted =
      config.template_kind == TemplateKind::ima ? HashAlgo::sha1 : layout.ima_hash;
  std::optional<std::size_t> bank;
  for (std::size_t i = 0; i < layout.tpm_banks.size(); ++i) {
    HashAlgo algo = layout.tpm_banks[i].algo;
    if (algo == wanted) {
      bank = i;
      break;
    }
    if (algo == HashAlgo::sha256)
      bank = i;
    if (!bank && algo == HashAlgo::sha1)
      bank = i;
  }
  if (!bank)
    return make_file_template(config.template_kind, wanted, Digest(digest_size(wanted), 0),
                              "boot_aggregate");
  const HashAlgo algo = layout.tpm_banks[*bank].algo;
  // PCRs 8-9 (command line, kernel image) enter only non-SHA1 aggregates, "to avoid
  // ambiguity" (ima_calc_boot_aggregate_tfm); a SHA1 aggregate is PCRs 0-7. Found by
  // conform on a 6.12 kernel booted with ima_template=ima.
  const std::size_t last = algo == HashAlgo::sha1 ? 8 : 10;
  Hasher hasher(algo);
  for (std::size_t pcr = 0; pcr < last; ++pcr)
    hasher.update(pcrs.value(*bank, pcr));
  return make_file_template(config.template_kind, algo, hasher.finish(), "boot_aggregate");
}

PcrBanks firmware_banks(const KernelConfig &config) {
  PcrBanks pcrs(config.banks);
  for (const FirmwarePcr &firmware : config.firmware_pcrs) {
    const auto &banks = config.banks.tpm_banks;
    const auto bank = std::find_if(banks.begin(), banks.end(),
                                   [&](const TpmBank &tpm) { return tpm.algo == firmware.bank; });
    if (bank == banks.end())
      throw std::invalid_argument("firmware PCR " + std::to_string(firmware.pcr) + " of bank " +
                                  std::string(hash_name(firmware.bank)) +
                                  ", which the TPM's bank layout lacks");
    pcrs.set_firmware(static_cast<std::size_t>(bank - banks.begin()), firmware.pcr, firmware.value);
  }
  return pcrs;
}

std::vector<FirmwarePcr> firmware_of(const PcrBanks &pcrs) {
  std::vector<FirmwarePcr> firmware;
  for (std::size_t bank = 0; bank < pcrs.num_banks(); ++bank)
    for (std::uint32_t pcr = 0; pcr < 10; ++pcr) {
      const auto value = pcrs.value(bank, pcr);
      if (std::any_of(value.begin(), value.end(), [](std::uint8_t b) { return b != 0; }))
        firmware.push_back({pcrs.bank_algo(bank), pcr, Digest(value.begin(), value.end())});
    }
  return firmware;
}

KernelState boot(ProposalId proposal, const KernelConfig &config) {
  base_tree(proposal, config.base); // refuses a baseline on another tree
  KernelState state;
  state.proposal = proposal;
  state.config = config;
  state.pcrs = firmware_banks(config);
  state.digest_memo = SharedDigestMemo::fresh();
  state.contents = RecordList(std::make_shared<RecordTable>());
  const FamilyHooks &hooks = hooks_for(proposal);
  state.files = hooks.files(state);
  if (hooks.boot != nullptr)
    hooks.boot(state);
  state.procs.push_back(Process{1, true, true, {}});
  measure(state, boot_aggregate_record(state));
  return state;
}

Outcome apply(KernelState &state, const Action &action) {
  return std::visit(
      [&](const auto &a) -> Outcome {
        using A = std::decay_t<decltype(a)>;
        const KernelConfig &config = state.config;
        if constexpr (std::is_same_v<A, Measure>) {
          return do_measure(state, measured_record(state, a.file, a.version, false, a.path_bytes));
        } else if constexpr (std::is_same_v<A, MeasureViolation>) {
          return do_measure(state, measured_record(state, a.file, 0, true, 0));
        } else if constexpr (std::is_same_v<A, MeasureRecord>) {
          return do_measure(state, new_record(state, a.pcr, a.data, a.violation));
        } else if constexpr (std::is_same_v<A, Spawn>) {
          Pid pid = static_cast<Pid>(state.procs.size() + 1);
          state.procs.push_back(Process{pid, true, a.cap_sys_admin, {}});
          return {.ret = pid};
        } else if constexpr (std::is_same_v<A, Open>) {
          return do_open(state, a);
        } else if constexpr (std::is_same_v<A, Read>) {
          return start_request(state, a.pid, a.fd, Request::Kind::read, a.count, {});
        } else if constexpr (std::is_same_v<A, Write>) {
          return start_request(state, a.pid, a.fd, Request::Kind::write, 0, a.bytes, a.fault_after);
        } else if constexpr (std::is_same_v<A, Seek>) {
          Process &proc = idle_process(state, a.pid);
          OpenFileId id = fd_file(proc, a.fd);
          if (id == UINT32_MAX)
            return {.ret = -kEBADF};
          OpenFile &file = state.open_files.at(id);
          file.pos = 0; // seq_lseek to 0 restarts the iteration and drops the buffer
          file.pending.clear();
          file.pending_records.clear();
          return {};
        } else if constexpr (std::is_same_v<A, Close>) {
          Outcome out = do_close(state, idle_process(state, a.pid), a.fd);
          check_leaks(state);
          return out;
        } else if constexpr (std::is_same_v<A, Fork>) {
          Process parent = idle_process(state, a.pid);
          Pid pid = static_cast<Pid>(state.procs.size() + 1);
          for (const auto &fd : parent.fds)
            if (fd)
              ++state.open_files.at(*fd).refs;
          state.procs.push_back(Process{pid, true, parent.cap_sys_admin, parent.fds});
          return {.ret = pid};
        } else if constexpr (std::is_same_v<A, PassFd>) {
          Process &from = idle_process(state, a.from);
          OpenFileId id = fd_file(from, a.fd);
          if (id == UINT32_MAX)
            return {.ret = -kEBADF};
          Process &to = idle_process(state, a.to);
          ++state.open_files.at(id).refs;
          return {.ret = install_fd(to, id)};
        } else if constexpr (std::is_same_v<A, DropCap>) {
          idle_process(state, a.pid).cap_sys_admin = false;
          return {};
        } else if constexpr (std::is_same_v<A, Exit>) {
          Process &proc = idle_process(state, a.pid);
          for (std::size_t fd = 0; fd < proc.fds.size(); ++fd)
            if (proc.fds[fd])
              do_close(state, proc, static_cast<int>(fd));
          proc.alive = false;
          check_leaks(state);
          return {};
        } else if constexpr (std::is_same_v<A, Continue>) {
          if (a.pid != 0)
            process(state, a.pid);
          return step_request(state, a.pid);
        } else if constexpr (std::is_same_v<A, KexecLoad>) {
          const FamilyHooks &hooks = hooks_for(state.proposal);
          const std::uint64_t runtime = hooks.kexec_runtime_size(state);
          const std::size_t size = kexec_segment_size(config, runtime);
          state.kexec = {};
          if (config.ima_kexec && size / kPageSize <= config.ram_bytes / kPageSize / 2)
            state.kexec = {true, size};
          if (measures_kexec_events(state.proposal, state.config))
            measure_critical_data(state, "kexec_load", kexec_event_buffer(state, size));
          return {};
        } else if constexpr (std::is_same_v<A, KexecExecute>) {
          if (blocked(state, 0))
            throw std::invalid_argument("a kexec is already executing");
          Request request;
          request.kind = Request::Kind::kexec_execute;
          request.pid = 0;
          state.requests.push_back(std::move(request));
          return step_request(state, 0);
        }
      },
      action);
}

} // namespace trimcheck::model
