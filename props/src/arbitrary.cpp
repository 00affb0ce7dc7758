#include "arbitrary.hpp"

namespace trimcheck::props::detail {

using namespace model;

// A vocabulary of commands covering every version's grammar and its edge cases.
Bytes vocabulary_command(const KernelState &state, std::size_t index) {
  const std::string t = std::to_string(state.counters.trimcount);
  const std::string whole = std::to_string(state.list.size());
  switch (index) {
  case 0:
    return to_bytes("A\n");
  case 1:
    return to_bytes("D\n");
  case 2:
    return to_bytes("1\n");
  case 3:
    return to_bytes("2\n");
  case 4:
    return to_bytes("01");
  case 5:
    return to_bytes("02");
  case 6:
    return to_bytes(t + ":1\n");
  case 7:
    return to_bytes(t + ":2\n");
  case 8:
    return to_bytes("-1\n");
  case 9:
    return to_bytes("0\n");
  case 10:
    return to_bytes("1");
  case 11:
    return to_bytes("0:1\n");
  case 12: {
    char head[8];
    std::snprintf(head, sizeof head, "pcr%02u:", state.config.measure_pcr);
    Bytes out = to_bytes(std::string(head) + "sha1:");
    const auto value = state.pcrs.value(0, state.config.measure_pcr);
    out.insert(out.end(), value.begin(), value.end());
    return out;
  }
  case 13:
    return to_bytes("-5\n");
  case 14:
    return to_bytes("99999999999999999999\n"); // beyond ULONG_MAX
  case 15:
    return to_bytes(t + ":" + whole + "\n"); // every record of L
  case 16:
    return to_bytes(whole + "\n");
  default:
    return to_bytes(t + ":9223372036854775808\n"); // N beyond LONG_MAX
  }
}

namespace {

std::vector<Pid> live_idle(const KernelState &state) {
  std::vector<Pid> out;
  for (const Process &proc : state.procs)
    if (proc.alive && !blocked(state, proc.pid))
      out.push_back(proc.pid);
  return out;
}

// The command a write choice stands for.
Bytes command(const KernelState &state, std::uint8_t a, std::uint8_t b) {
  return vocabulary_command(state, (a * 8u + b) % kVocabularySize);
}

std::vector<int> fds_of(const KernelState &state, Pid pid) {
  std::vector<int> out;
  const auto &fds = state.procs[pid - 1].fds;
  for (std::size_t fd = 0; fd < fds.size(); ++fd)
    if (fds[fd])
      out.push_back(static_cast<int>(fd));
  return out;
}

// The commands of an echo: what each version's documentation tells user space to write,
// with the whole list as a count (eight, so that one selector picks them all evenly).
Bytes echo_command(const KernelState &state, std::uint8_t b) {
  const std::string t = std::to_string(state.counters.trimcount);
  const std::string whole = std::to_string(state.list.size());
  static constexpr const char *kFixed[] = {"A\n", "D\n", "1\n", "2\n"};
  switch (b % 8u) {
  case 4:
    return to_bytes(t + ":1\n");
  case 5:
    return to_bytes(t + ":" + whole + "\n");
  case 6:
    return to_bytes(whole + "\n");
  case 7:
    return to_bytes("0\n");
  default:
    return to_bytes(kFixed[b % 8u]);
  }
}

// The files an arbitrary process opens: the first bank's lists (live and staged), the
// counters and every version's control file.
std::vector<const FileSpec *> openable_files(const KernelState &state) {
  std::vector<const FileSpec *> files;
  for (const FileSpec &spec : state.files)
    if (spec.kind != FileKind::policy && spec.link_to.empty() &&
        (spec.slot == state.config.banks.sha1_slot() || spec.kind == FileKind::count ||
         spec.kind == FileKind::trim_log || spec.kind == FileKind::ms_pcrs))
      files.push_back(&spec);
  return files;
}

} // namespace

std::vector<std::string> arbitrary_file_paths(const KernelState &state) {
  std::vector<std::string> paths;
  for (const FileSpec *spec : openable_files(state))
    paths.push_back(spec->path);
  return paths;
}

std::optional<EchoCommand> arbitrary_echo(const KernelState &state, const Choice &choice) {
  const auto pids = live_idle(state);
  std::vector<const FileSpec *> files;
  for (const FileSpec *spec : openable_files(state))
    if (spec->kind != FileKind::count && spec->kind != FileKind::violations)
      files.push_back(spec);
  if (pids.empty() || files.empty())
    return std::nullopt;
  return EchoCommand{pids[choice.a % pids.size()], files[choice.c % files.size()]->path,
                     echo_command(state, choice.b)};
}

ArbitraryChoices::ArbitraryChoices(const KernelState &state)
    : state_(state), pids_(live_idle(state)), files_(openable_files(state)) {
  for (const Request &request : state.requests)
    if (request.pid != 0) {
      in_flight_ = request.pid;
      break;
    }
  for (Pid pid : pids_)
    fds_.push_back(fds_of(state, pid));
}

std::optional<TraceAction> ArbitraryChoices::action(const Choice &choice) const {
  // A continue choice continues a call in flight even when every process is blocked
  // (else a lone process blocked in a write could only ever be followed by a spawn).
  if (choice.kind >= 15 && in_flight_)
    return Action{Continue{*in_flight_}};
  if (choice.kind == 7 || pids_.empty())
    return Action{Spawn{(choice.b & 1) == 0}};
  const std::size_t index = choice.a % pids_.size();
  const Pid pid = pids_[index];
  const std::vector<int> &fds = fds_[index];
  const int fd = fds.empty() ? -1 : fds[choice.b % fds.size()];
  switch (choice.kind) {
  case 8: {
    if (files_.empty())
      return std::nullopt;
    const FileSpec &spec = *files_[(choice.a + choice.b) % files_.size()];
    return Action{Open{pid, spec.path, static_cast<Access>(choice.b % 3)}};
  }
  case 9:
    if (fd >= 0)
      return Action{Read{pid, fd, choice.a % 2 ? std::size_t{4096} : std::size_t{150}}};
    return std::nullopt;
  case 10:
  case 11: {
    if (fd < 0)
      return std::nullopt;
    Write write{pid, fd, command(state_, choice.a, choice.b)};
    // One write in eight passes a buffer that faults part way (P21).
    if (choice.c == kFaultingBuffer && !write.bytes.empty())
      write.fault_after = static_cast<std::uint32_t>(choice.a % write.bytes.size());
    return Action{std::move(write)};
  }
  case 12:
    if (fd >= 0)
      return Action{Close{pid, fd}};
    return std::nullopt;
  case 13:
    if (choice.b % 2 == 0)
      return Action{Fork{pid}};
    if (fd >= 0 && pids_.size() > 1)
      return Action{PassFd{pid, fd, pids_[(choice.a + 1) % pids_.size()]}};
    return std::nullopt;
  case 14:
    if (choice.b % 3 == 0)
      return Action{DropCap{pid}};
    if (choice.b % 3 == 1 && fd >= 0)
      return Action{Seek{pid, fd}};
    return Action{Exit{pid}};
  default:
    return std::nullopt; // kinds 15 and 16 without a call in flight
  }
}

std::vector<TraceAction> ArbitraryChoices::every_action() const {
  std::vector<TraceAction> out;
  auto add = [&](Action action) { out.emplace_back(std::move(action)); };
  if (in_flight_)
    add(Continue{*in_flight_});
  add(Spawn{true});
  add(Spawn{false});
  for (std::size_t index = 0; index < pids_.size(); ++index) {
    const Pid pid = pids_[index];
    for (const FileSpec *spec : files_)
      for (const Access access : {Access::read, Access::write, Access::read_write})
        add(Open{pid, spec->path, access});
    for (const int fd : fds_[index]) {
      add(Read{pid, fd, 4096});
      add(Read{pid, fd, 150});
      for (std::size_t command = 0; command < kVocabularySize; ++command) {
        const Write whole{pid, fd, vocabulary_command(state_, command)};
        for (std::uint32_t fault = 0; fault < whole.bytes.size(); ++fault) {
          Write faulting = whole;
          faulting.fault_after = fault;
          add(std::move(faulting));
        }
        add(whole);
      }
      add(Close{pid, fd});
      for (const Pid other : pids_) // a choice passes to the next one only
        if (other != pid)
          add(PassFd{pid, fd, other});
      add(Seek{pid, fd});
    }
    add(Fork{pid});
    add(DropCap{pid});
    add(Exit{pid});
  }
  return out;
}

std::optional<TraceAction> arbitrary_action(const KernelState &state, const Choice &choice) {
  return ArbitraryChoices(state).action(choice);
}

} // namespace trimcheck::props::detail
