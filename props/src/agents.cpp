#include "agents.hpp"

#include "trimcheck/model/list_format.hpp"
#include "trimcheck/model/removal_interface.hpp"

#include "explore/fingerprint.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace trimcheck::props::detail {

using namespace model;

std::string_view protocol_name(Protocol protocol) {
  switch (protocol) {
  case Protocol::reader:
    return "reader";
  case Protocol::save_then_trim:
    return "save-then-trim";
  case Protocol::stage_read_delete:
    return "stage-read-delete";
  case Protocol::read_then_delete:
    return "read-then-delete";
  case Protocol::quote_then_trim:
    return "quote-then-trim";
  }
  return "?";
}

std::span<const Protocol> protocols_for(ProposalId proposal) {
  using enum Protocol;
  static constexpr Protocol kBaseline[] = {reader};
  static constexpr Protocol kMs[] = {reader, quote_then_trim};
  static constexpr Protocol kChen[] = {reader, save_then_trim, quote_then_trim};
  static constexpr Protocol kSassuLive[] = {reader, stage_read_delete, read_then_delete,
                                            quote_then_trim};
  static constexpr Protocol kSassu[] = {reader, stage_read_delete, quote_then_trim};
  switch (proposal_info(proposal).family) {
  case Family::baseline:
    return kBaseline;
  case Family::ms:
    return kMs;
  case Family::chen:
    return kChen;
  case Family::sassu:
    if (removal_interface(proposal).command == RemovalCommand::delete_count_live)
      return kSassuLive;
    return kSassu;
  }
  return kBaseline;
}

namespace {

bool total_colon_count(ProposalId p) {
  return removal_interface(p).command == RemovalCommand::total_colon_count;
}

Script session(ProposalId proposal, Protocol protocol) {
  using enum Op;
  switch (protocol) {
  case Protocol::reader:
    return {open_list_read, read_list_all, close_list};
  case Protocol::save_then_trim:
    if (total_colon_count(proposal))
      return {open_trim_read, read_trimmed,    close_fd,      open_list_read, read_list_all,
              close_list,     open_trim_write, write_t_count, close_fd};
    return {open_list_read, read_list_all, close_list, open_trim_write, write_count, close_fd};
  case Protocol::stage_read_delete:
    if (removal_interface(proposal).stages_on_live) // A only on the live file (v5, 2.11)
      return {open_live_rw, write_stage_all, close_fd,     open_staged_rw,
              read_fd_all,  seek_fd,         write_delete, close_fd};
    return {open_staged_rw, write_stage_all, read_fd_all, seek_fd, write_delete, close_fd};
  case Protocol::read_then_delete:
    return {open_live_rw, read_fd_all, seek_fd, write_count, close_fd};
  case Protocol::quote_then_trim:
    switch (proposal_info(proposal).family) {
    case Family::ms:
      return {quote, open_pcrs_write, write_quoted_pcrs, close_fd};
    case Family::chen:
      if (total_colon_count(proposal)) // T first, so that a concurrent trim makes T:N stale
        return {quote,         open_trim_read, read_trimmed,    close_fd,     open_list_read,
                read_list_all, close_list,     open_trim_write, write_quoted, close_fd};
      return {quote,           open_list_read, read_list_all, close_list,
              open_trim_write, write_quoted,   close_fd};
    case Family::sassu:
      switch (removal_interface(proposal).command) {
      case RemovalCommand::stage_then_delete: // RFC v1
        return {quote,          open_list_read, read_list_all, close_list,
                open_staged_rw, write_quoted,   write_delete,  close_fd};
      case RemovalCommand::stage_all_then_delete_count: // v3
        return {quote,          open_list_read,  read_list_all, close_list,
                open_staged_rw, write_stage_all, write_quoted,  close_fd};
      case RemovalCommand::minus_count:         // RFC v2
      case RemovalCommand::delete_count_staged: // v4
        return {quote,          open_list_read, read_list_all, close_list,
                open_staged_rw, write_quoted,   close_fd};
      case RemovalCommand::delete_count_live:
        // v5-v7: one writer fd across read and delete (Sassu 2026-01-29).
        return {quote, open_live_rw, read_fd_all, seek_fd, write_quoted, close_fd};
      case RemovalCommand::none:
      case RemovalCommand::pcr_values:
      case RemovalCommand::count:
      case RemovalCommand::total_colon_count:
        break;
      }
      break;
    case Family::baseline:
      break;
    }
    break;
  }
  return {open_list_read, read_list_all, close_list};
}

// An agent is one long-lived process (a collector service): its first session spawns it,
// later sessions reuse it. A session that fails ends with the process exiting, so that no
// half-done state (open fds, a quote) leaks into the next session.
Script script(ProposalId proposal, Protocol protocol) {
  Script ops{Op::spawn};
  for (Op op : session(proposal, protocol))
    ops.push_back(op);
  return ops;
}

std::optional<std::string> path_of(const KernelState &state, FileKind kind) {
  const std::size_t sha1 = state.config.banks.sha1_slot();
  for (const FileSpec &spec : state.files)
    if (spec.kind == kind && spec.link_to.empty() &&
        (kind != FileKind::list_binary && kind != FileKind::staged_binary ? true
                                                                          : spec.slot == sha1))
      return spec.path;
  return std::nullopt;
}

std::optional<std::size_t> sha1_bank(const KernelState &state) {
  for (std::size_t bank = 0; bank < state.config.banks.tpm_banks.size(); ++bank)
    if (state.config.banks.tpm_banks[bank].algo == HashAlgo::sha1)
      return bank;
  return std::nullopt;
}

} // namespace

void Script::push_back(Op op) {
  if (size_ == kMaxOps)
    throw std::logic_error("agent script longer than " + std::to_string(kMaxOps) + " steps");
  ops_[size_++] = op;
}

void Agent::restart(Protocol protocol) {
  protocol_ = protocol;
  ops_ = script(proposal_, protocol);
  step_ = 0;
  fd_ = list_fd_ = -1;
  if (!memory().saved.empty() || !memory().trimmed_text.empty())
    change_memory([](Memory &memory) {
      memory.saved.clear();
      memory.trimmed_text.clear();
    });
  if (pid_ != 0)
    step_ = 1; // the agent's process already runs
}

void Agent::encode(StateEncoder &out) const {
  out.number(static_cast<std::uint8_t>(protocol_));
  out.number(ops_.size());
  for (Op op : ops_)
    out.number(static_cast<std::uint8_t>(op));
  out.number(step_);
  out.pid(pid_);
  out.signed_number(fd_);
  out.signed_number(list_fd_);
  out.signed_number(trimmed_total_);
  out.blob(memory().identity);
}

void Agent::Memory::take_identity() {
  const Renaming none; // nothing in the buffers names a process or an open file
  StateEncoder out(none);
  out.blob(saved);
  out.blob(trimmed_text);
  out.blob(quoted_sha1);
  out.number(quoted_banks.size());
  for (const Digest &digest : quoted_banks)
    out.blob(digest);
  out.blob(base);
  const Fingerprint hash = fingerprint(out.bytes());
  std::memcpy(identity.data(), &hash.high, 8);
  std::memcpy(identity.data() + 8, &hash.low, 8);
}

const Agent::Memory &Agent::memory() const {
  static const Memory kEmpty = [] {
    Memory empty;
    empty.take_identity();
    return empty;
  }();
  return memory_ ? *memory_ : kEmpty;
}

template <typename Change> void Agent::change_memory(Change &&change) {
  if (!memory_)
    memory_ = std::make_shared<Memory>();
  else if (memory_.use_count() > 1)
    memory_ = std::make_shared<Memory>(*memory_);
  else // the last other owner's release happens before this write (as in SharedVector)
    std::atomic_thread_fence(std::memory_order_acquire);
  change(*memory_);
  memory_->take_identity();
}

void Agent::reset_after_kexec() {
  pid_ = 0;                   // every process died with the old kernel
  if (!memory().base.empty()) // the verifier starts over with the carried list
    change_memory([](Memory &memory) { memory.base.clear(); });
  restart(protocol_);
}

void Agent::abort_session() {
  ops_.shrink_to(step_);
  if (pid_ != 0)
    ops_.push_back(Op::exit_process);
}

std::size_t Agent::records_saved() const {
  return parse_binary_prefix(memory().saved, digest_size(HashAlgo::sha1)).entries.size();
}

// The number of saved records that replay, from the list's start value, to the quoted
// sha1 PCR 10 (keylime's incremental check).
std::optional<std::size_t> Agent::records_up_to_quote(const KernelState &state) const {
  auto bank = sha1_bank(state);
  const Memory &memory = this->memory();
  if (!bank || memory.quoted_sha1.empty())
    return std::nullopt;
  Digest value = memory.base.empty() ? Digest(digest_size(HashAlgo::sha1), 0) : memory.base;
  if (value == memory.quoted_sha1)
    return 0;
  auto entries = parse_binary_prefix(memory.saved, digest_size(HashAlgo::sha1)).entries;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].pcr != state.config.measure_pcr)
      continue;
    const bool zero = std::all_of(entries[i].template_digest.begin(),
                                  entries[i].template_digest.end(), [](auto b) { return b == 0; });
    Digest extend = zero ? Digest(digest_size(HashAlgo::sha1), 0xFF) : entries[i].template_digest;
    value = Hasher(HashAlgo::sha1).update(value).update(extend).finish();
    if (value == memory.quoted_sha1)
      return i + 1;
  }
  return std::nullopt;
}

Bytes Agent::count_command(std::size_t n) const {
  std::string text = std::to_string(n);
  if (removal_interface(proposal_).digits_only) {
    if (text.size() < 2)
      text = "0" + text; // `echo 05`: digits only, at least two (spec 2.2)
    return to_bytes(text);
  }
  return to_bytes(text + "\n");
}

std::optional<TraceAction> Agent::next(const KernelState &state) {
  if (pid_ != 0 && (pid_ > state.procs.size() || !state.procs[pid_ - 1].alive)) {
    pid_ = 0; // the process is gone: start the session over in a new one
    restart(protocol_);
  }
  if (pid_ != 0 && blocked(state, pid_))
    return Action{Continue{pid_}};
  while (!finished()) {
    if (auto action = action_for(ops_[step_], state))
      return action;
    abort_session(); // a step that cannot run ends the session
  }
  return std::nullopt;
}

std::optional<TraceAction> Agent::action_for(Op op, const KernelState &state) {
  // The action, if the fd it needs is open.
  auto on = [](int fd, Action action) -> std::optional<TraceAction> {
    if (fd < 0)
      return std::nullopt;
    return action;
  };
  auto open = [&](FileKind kind, Access access) -> std::optional<TraceAction> {
    auto path = path_of(state, kind);
    if (!path)
      return std::nullopt;
    return Action{Open{pid_, *path, access}};
  };
  switch (op) {
  case Op::spawn:
    return Action{Spawn{true}};
  case Op::quote:
    return Quote{pid_};
  case Op::open_list_read:
    return open(FileKind::list_binary, Access::read);
  case Op::open_live_rw:
    return open(FileKind::list_binary, Access::read_write);
  case Op::open_live_write:
    return open(FileKind::list_binary, Access::write);
  case Op::open_staged_rw:
    return open(FileKind::staged_binary, Access::read_write);
  case Op::open_trim_read:
    return open(FileKind::trim_log, Access::read);
  case Op::open_trim_write:
    return open(FileKind::trim_log, Access::write);
  case Op::open_pcrs_write:
    return open(FileKind::ms_pcrs, Access::write);
  case Op::read_list_all: // small reads, so that a list takes several read() calls
    return on(list_fd_, Action{Read{pid_, list_fd_, 150}});
  case Op::read_fd_all:
    return on(fd_, Action{Read{pid_, fd_, 150}});
  case Op::read_trimmed:
    return on(fd_, Action{Read{pid_, fd_, 32}});
  case Op::seek_fd:
    return on(fd_, Action{Seek{pid_, fd_}});
  case Op::close_list:
    return on(list_fd_, Action{Close{pid_, list_fd_}});
  case Op::close_fd:
    return on(fd_, Action{Close{pid_, fd_}});
  case Op::exit_process:
    return Action{Exit{pid_}};
  case Op::write_count: {
    const std::size_t n = records_saved();
    if (fd_ < 0 || n == 0)
      return std::nullopt;
    return Action{Write{pid_, fd_, count_command(n)}};
  }
  case Op::write_t_count: {
    const std::size_t n = records_saved();
    if (fd_ < 0 || n == 0)
      return std::nullopt;
    return Action{Write{pid_, fd_,
                        to_bytes(std::to_string(trimmed_total_) + ":" + std::to_string(n) + "\n")}};
  }
  case Op::write_stage_all:
    return on(fd_, Action{Write{pid_, fd_, to_bytes("A\n")}});
  case Op::write_delete:
    return on(fd_, Action{Write{pid_, fd_, to_bytes("D\n")}});
  case Op::write_quoted: {
    auto k = records_up_to_quote(state);
    if (fd_ < 0 || !k || *k == 0)
      return std::nullopt;
    Bytes command;
    if (total_colon_count(proposal_))
      command = to_bytes(std::to_string(trimmed_total_) + ":" + std::to_string(*k) + "\n");
    else if (removal_interface(proposal_).command == RemovalCommand::minus_count)
      command = to_bytes("-" + std::to_string(*k) + "\n");
    else
      command = count_command(*k);
    return Action{Write{pid_, fd_, command}};
  }
  case Op::write_quoted_pcrs: {
    const std::vector<Digest> &quoted_banks = memory().quoted_banks;
    if (fd_ < 0 || quoted_banks.empty())
      return std::nullopt;
    // One record per configured PCR (the measurement PCR), in the sha256 bank when the
    // TPM has it: "pcrNN:<hash>:<raw digest>" (spec 2.1).
    std::size_t bank = 0;
    for (std::size_t b = 0; b < state.config.banks.tpm_banks.size(); ++b)
      if (state.config.banks.tpm_banks[b].algo == HashAlgo::sha256)
        bank = b;
    char head[8];
    std::snprintf(head, sizeof head, "pcr%02u:", state.config.measure_pcr);
    Bytes command = to_bytes(std::string(head) +
                             std::string(hash_name(state.config.banks.tpm_banks[bank].algo)) + ":");
    command.insert(command.end(), quoted_banks[bank].begin(), quoted_banks[bank].end());
    return Action{Write{pid_, fd_, command}};
  }
  }
  return std::nullopt;
}

void Agent::observe(const KernelState &state, const Outcome &outcome) {
  if (finished())
    return;
  const Op op = ops_[step_];
  if (!outcome.done)
    return; // blocked: the next step continues the call
  switch (op) {
  case Op::spawn:
    pid_ = static_cast<Pid>(outcome.ret);
    break;
  case Op::quote:
    change_memory([&](Memory &memory) {
      if (auto bank = sha1_bank(state))
        memory.quoted_sha1 = state.pcrs.value_copy(*bank, state.config.measure_pcr);
      memory.quoted_banks.clear();
      for (std::size_t b = 0; b < state.pcrs.num_banks(); ++b)
        memory.quoted_banks.push_back(state.pcrs.value_copy(b, state.config.measure_pcr));
    });
    break;
  case Op::open_list_read:
    list_fd_ = static_cast<int>(outcome.ret);
    break;
  case Op::open_live_rw:
  case Op::open_live_write:
  case Op::open_staged_rw:
  case Op::open_trim_read:
  case Op::open_trim_write:
  case Op::open_pcrs_write:
    fd_ = static_cast<int>(outcome.ret);
    break;
  case Op::read_list_all:
  case Op::read_fd_all:
    if (outcome.ret > 0) {
      change_memory([&](Memory &memory) {
        memory.saved.insert(memory.saved.end(), outcome.data.begin(), outcome.data.end());
      });
      return; // keep reading until EOF
    }
    break;
  case Op::read_trimmed:
    if (outcome.ret > 0) {
      change_memory([&](Memory &memory) {
        memory.trimmed_text.insert(memory.trimmed_text.end(), outcome.data.begin(),
                                   outcome.data.end());
      });
      return;
    }
    trimmed_total_ =
        std::atoll(std::string(memory().trimmed_text.begin(), memory().trimmed_text.end()).c_str());
    break;
  case Op::close_list:
    list_fd_ = -1;
    break;
  case Op::close_fd:
    fd_ = -1;
    break;
  case Op::write_quoted:
  case Op::write_quoted_pcrs:
    // The verifier's next replay starts at the quote.
    if (outcome.ret >= 0 && memory().base != memory().quoted_sha1)
      change_memory([](Memory &memory) { memory.base = memory.quoted_sha1; });
    break;
  default:
    break;
  }
  if (op == Op::exit_process) {
    pid_ = 0;
    fd_ = list_fd_ = -1;
  }
  if (outcome.ret < 0) {
    ++step_;
    abort_session();
    return;
  }
  ++step_;
}

} // namespace trimcheck::props::detail
