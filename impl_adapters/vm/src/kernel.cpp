#include "trimcheck/vm/kernel.hpp"

#include <algorithm>
#include <sstream>

namespace trimcheck::vm {
namespace {

using namespace model;

// open's access in the agent's notation (that of traces), indexed by Access.
constexpr const char *kAccessNames[] = {"r", "w", "rw"};

std::string n(std::uint64_t value) {
  return std::to_string(value);
}

// The agent moves one datagram per call to and from a worker (guest/wire.hpp).
constexpr std::size_t kMaxTransfer = 32 * 1024;

void check_size(std::size_t size, const char *what) {
  if (size > kMaxTransfer)
    throw std::invalid_argument(std::string(what) + " of more than " + n(kMaxTransfer) +
                                " bytes cannot be performed in the guest");
}

// The request line for an action, empty if the action has no guest operation.
std::string request_line(const Action &action) {
  return std::visit(
      [](const auto &a) -> std::string {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, Measure>) {
          const std::string line = "measure " + n(a.file) + " " + n(a.version);
          if (a.path_bytes == 0)
            return line;
          const std::string path = model::measured_path(a.file, a.path_bytes);
          return line + " " + to_hex(model::Bytes(path.begin(), path.end()));
        } else if constexpr (std::is_same_v<A, MeasureViolation>)
          return "violation " + n(a.file);
        else if constexpr (std::is_same_v<A, MeasureRecord>)
          throw std::invalid_argument("a MeasureRecord action cannot be performed on a kernel");
        else if constexpr (std::is_same_v<A, Spawn>)
          return std::string("spawn ") + (a.cap_sys_admin ? "1" : "0");
        else if constexpr (std::is_same_v<A, Open>)
          return "open " + n(a.pid) + " " + kAccessNames[static_cast<std::size_t>(a.access)] + " " +
                 a.path;
        else if constexpr (std::is_same_v<A, Read>) {
          check_size(a.count, "a read");
          return "read " + n(a.pid) + " " + std::to_string(a.fd) + " " + n(a.count);
        } else if constexpr (std::is_same_v<A, Write>) {
          check_size(a.bytes.size(), "a write");
          return "write " + n(a.pid) + " " + std::to_string(a.fd) + " " + to_hex(a.bytes) +
                 (a.fault_after ? " " + n(*a.fault_after) : std::string());
        } else if constexpr (std::is_same_v<A, Seek>)
          return "seek " + n(a.pid) + " " + std::to_string(a.fd);
        else if constexpr (std::is_same_v<A, Close>)
          return "close " + n(a.pid) + " " + std::to_string(a.fd);
        else if constexpr (std::is_same_v<A, Fork>)
          return "fork " + n(a.pid);
        else if constexpr (std::is_same_v<A, PassFd>)
          return "passfd " + n(a.from) + " " + std::to_string(a.fd) + " " + n(a.to);
        else if constexpr (std::is_same_v<A, DropCap>)
          return "dropcap " + n(a.pid);
        else if constexpr (std::is_same_v<A, Exit>)
          return "exit " + n(a.pid);
        else if constexpr (std::is_same_v<A, KexecLoad>)
          return "kexec-load";
        else if constexpr (std::is_same_v<A, KexecExecute>)
          return "kexec-exec";
        else
          return "";
      },
      action);
}

} // namespace

std::vector<Action> realised(const Action &action) {
  if (const auto *violation = std::get_if<MeasureViolation>(&action))
    return {action, Measure{violation->file, 0}};
  if (std::holds_alternative<Continue>(action))
    return {};
  return {action};
}

bool realisable(const Action &action) {
  if (const auto *read = std::get_if<Read>(&action))
    return read->count <= kMaxTransfer;
  if (const auto *write = std::get_if<Write>(&action))
    return write->bytes.size() <= kMaxTransfer;
  if (const auto *open = std::get_if<Open>(&action))
    return !open->path.empty() && open->path.find_first_of(" \t\r\n") == std::string::npos;
  return !std::holds_alternative<MeasureRecord>(action);
}

VmKernel::VmKernel(const VmOptions &options) : vm_(options) {}

Outcome VmKernel::ask(const std::string &line) {
  return agent_reply(line, vm_.request(line));
}

Outcome agent_reply(const std::string &line, const std::string &reply) {
  std::istringstream in(reply);
  std::string status, hex;
  std::int64_t ret = 0;
  in >> status;
  if (status != "ok" || !(in >> ret))
    throw VmFailure(VmFailure::Kind::agent, "'" + line.substr(0, 60) + "' -> " + reply);
  Outcome outcome;
  outcome.ret = ret;
  if (in >> hex) {
    auto data = from_hex(hex);
    if (!data)
      throw VmFailure(VmFailure::Kind::agent, "malformed reply to '" + line.substr(0, 60) + "'");
    outcome.data = std::move(*data);
  }
  return outcome;
}

Outcome VmKernel::apply(const Action &action) {
  const std::string line = request_line(action);
  if (line.empty())
    return {};
  Outcome outcome = ask(line);
  if (std::holds_alternative<KexecExecute>(action) && outcome.ret == 0)
    vm_.await_ready();
  if (std::holds_alternative<Measure>(action) || std::holds_alternative<MeasureViolation>(action) ||
      std::holds_alternative<KexecLoad>(action)) {
    if (outcome.ret != 0)
      throw VmFailure(VmFailure::Kind::agent, "'" + line + "' failed with " + n(outcome.ret));
  }
  return outcome;
}

std::vector<HashAlgo> VmKernel::banks() {
  const Outcome outcome = ask("banks");
  std::vector<HashAlgo> out;
  std::string names(outcome.data.begin(), outcome.data.end());
  std::istringstream in(names);
  std::string name;
  while (std::getline(in, name, ','))
    if (auto algo = hash_from_name(name))
      out.push_back(*algo);
    else
      throw VmFailure(VmFailure::Kind::agent, "unknown PCR bank '" + name + "'");
  std::sort(out.begin(), out.end(),
            [](HashAlgo a, HashAlgo b) { return digest_size(a) < digest_size(b); });
  return out;
}

Digest VmKernel::pcr(HashAlgo bank, std::size_t index) {
  const std::string line = "pcr " + std::string(hash_name(bank)) + " " + n(index);
  Outcome outcome = ask(line);
  if (outcome.ret != 0 || outcome.data.size() != digest_size(bank))
    throw VmFailure(VmFailure::Kind::agent, "'" + line + "' gave no digest");
  return outcome.data;
}

VmKernel::FileRead VmKernel::cat(const std::string &path) {
  Outcome outcome = ask("cat " + path);
  return {outcome.ret, std::move(outcome.data)};
}

} // namespace trimcheck::vm
