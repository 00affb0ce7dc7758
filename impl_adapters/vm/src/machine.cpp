#include "trimcheck/vm/machine.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace trimcheck::vm {
namespace {

using Clock = std::chrono::steady_clock;

void require_file(const std::filesystem::path &path, const std::string &what,
                  VmSetupError::Cause cause) {
  if (!std::filesystem::is_regular_file(path))
    throw VmSetupError(what + " not found: " + path.string(), cause);
}

bool wait_for_path(const std::filesystem::path &path, detail::ChildProcess &owner,
                   Clock::time_point deadline) {
  while (Clock::now() < deadline) {
    if (std::filesystem::exists(path))
      return true;
    if (!owner.running())
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// True once `process` has exited, waiting at most `limit` for it.
bool exits_within(detail::ChildProcess &process, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (process.running()) {
    if (Clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

int connect_unix(const std::filesystem::path &path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0)
    return fd;
  ::close(fd);
  return -1;
}

std::string read_file(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

VmOptions VmOptions::defaults_for(std::filesystem::path kernel) {
  VmOptions options;
  options.kernel = std::move(kernel);
  options.agent = TRIMCHECK_VM_AGENT;
  options.initramfs = TRIMCHECK_VM_INITRAMFS_SCRIPT;
  return options;
}

VmFailure::VmFailure(Kind kind, std::string report)
    : std::runtime_error(std::string(kind == Kind::kernel_crash ? "kernel-crash"
                                     : kind == Kind::hung       ? "hung"
                                                                : "agent") +
                         ": " + report),
      kind_(kind), report_(std::move(report)) {}

std::string_view VmFailure::kind_name() const {
  switch (kind_) {
  case Kind::kernel_crash:
    return "kernel-crash";
  case Kind::hung:
    return "hung";
  case Kind::agent:
    break;
  }
  return "agent";
}

VmInterrupted::VmInterrupted(int signal)
    : std::runtime_error("interrupted by signal " + std::to_string(signal)), signal_(signal) {}

Vm::Vm(const VmOptions &options) : options_(options) {
  constexpr auto kEnvironment = VmSetupError::Cause::environment;
  require_file(options.kernel, "kernel", VmSetupError::Cause::input);
  require_file(options.agent, "guest agent", kEnvironment); // installed with trimcheck
  require_file(options.initramfs, "initramfs script", kEnvironment);
  const auto &dir = dir_.path();
  {
    detail::ChildProcess pack({options.initramfs.string(), options.agent.string(),
                               options.kernel.string(), (dir / "initrd.cpio").string()},
                              dir / "initramfs.log");
    while (pack.running())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (pack.exit_status() != 0)
      throw VmSetupError("make-initramfs failed: " + read_file(dir / "initramfs.log"),
                         kEnvironment);
  }
  std::filesystem::create_directory(dir / "tpm");
  swtpm_ = std::make_unique<detail::ChildProcess>(
      std::vector<std::string>{"swtpm", "socket", "--tpm2", "--tpmstate",
                               "dir=" + (dir / "tpm").string(), "--ctrl",
                               "type=unixio,path=" + (dir / "swtpm.sock").string(), "--terminate",
                               "--log", "file=" + (dir / "swtpm.log").string() + ",level=2"},
      dir / "swtpm.log");
  if (!wait_for_path(dir / "swtpm.sock", *swtpm_, Clock::now() + std::chrono::seconds(10)))
    throw VmSetupError("swtpm did not start: " + read_file(dir / "swtpm.log"), kEnvironment);
  qemu_ = std::make_unique<detail::ChildProcess>(
      std::vector<std::string>{"qemu-system-x86_64",
                               "-machine",
                               "q35",
                               "-m",
                               std::to_string(options.memory_mb),
                               "-smp",
                               "1",
                               "-nodefaults",
                               "-no-user-config",
                               "-display",
                               "none",
                               "-vga",
                               "none",
                               "-no-reboot",
                               "-accel",
                               "tcg",
                               "-cpu",
                               "max",
                               "-kernel",
                               options.kernel.string(),
                               "-initrd",
                               (dir / "initrd.cpio").string(),
                               "-append",
                               options.cmdline,
                               "-chardev",
                               "file,id=console,path=" + (dir / "console.log").string(),
                               "-serial",
                               "chardev:console",
                               "-device",
                               "virtio-serial-pci,id=vser",
                               "-chardev",
                               "socket,id=data,path=" + (dir / "data.sock").string() +
                                   ",server=on,wait=off",
                               "-device",
                               "virtserialport,bus=vser.0,chardev=data,name=trimcheck",
                               "-chardev",
                               "socket,id=chrtpm,path=" + (dir / "swtpm.sock").string(),
                               "-tpmdev",
                               "emulator,id=tpm0,chardev=chrtpm",
                               "-device",
                               "tpm-tis,tpmdev=tpm0"},
      dir / "qemu.log");
  const auto deadline = Clock::now() + options.boot_timeout;
  // QEMU that exits at once (say, refusing a file that is no kernel) may do so before or
  // after it opens the data channel; both are the same failure, with one message.
  auto not_started = [&] {
    const std::string qemu_log = read_file(dir / "qemu.log");
    const std::string console_text = console();
    if (!qemu_->running())
      return VmSetupError(
          "the kernel did not boot to the guest agent: QEMU exited with status " +
          std::to_string(qemu_->exit_status()) + (qemu_log.empty() ? "" : "\nQEMU: " + qemu_log) +
          (console_text.empty() ? ""
                                : "\nconsole ends with:\n" + detail::console_tail(console_text)));
    return VmSetupError("QEMU did not open its data channel in time: " + qemu_log, kEnvironment);
  };
  while (channel_ < 0) {
    if (!wait_for_path(dir / "data.sock", *qemu_, deadline))
      throw not_started();
    channel_ = connect_unix(dir / "data.sock");
    if (channel_ >= 0)
      break;
    if (!qemu_->running() || Clock::now() >= deadline) // a socket file left behind
      throw not_started();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Nothing can be compared with a kernel that never reaches the agent: that is a VM that
  // could not be started (a crash after a kexec is an observation, see read_line).
  try {
    await_ready();
  } catch (const VmFailure &failure) {
    ::close(channel_); // the destructor does not run for a constructor that throws
    // Without a crash on the console, a channel that closed before the agent was ready is
    // QEMU exiting, however long its exit takes on a loaded machine: the message above.
    if (failure.kind() == VmFailure::Kind::kernel_crash && !detail::scan_console(console()) &&
        exits_within(*qemu_, std::chrono::seconds(30)))
      throw not_started();
    const std::string qemu_log = read_file(dir / "qemu.log");
    throw VmSetupError("the kernel did not boot to the guest agent (" +
                           std::string(failure.kind_name()) + "): " + failure.report() +
                           (qemu_log.empty() ? "" : "\nQEMU: " + qemu_log),
                       kEnvironment);
  }
}

Vm::~Vm() {
  if (channel_ >= 0)
    ::close(channel_);
  qemu_.reset();
  swtpm_.reset();
}

void Vm::await_ready() {
  const auto deadline = Clock::now() + options_.boot_timeout;
  for (;;) {
    std::string line = read_line(deadline);
    if (line.rfind("ready ", 0) == 0) {
      ready_ = line;
      return;
    }
  }
}

std::string Vm::request(const std::string &line) {
  const std::string text = line + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::send(channel_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      fail_from_console("the guest channel closed");
    done += static_cast<std::size_t>(n);
  }
  std::string reply = read_line(Clock::now() + options_.request_timeout);
  check_console();
  return reply;
}

std::string Vm::read_line(Clock::time_point deadline) {
  for (;;) {
    if (const std::size_t end = pending_.find('\n'); end != std::string::npos) {
      std::string line = pending_.substr(0, end);
      pending_.erase(0, end + 1);
      return line;
    }
    check_console();
    const auto now = Clock::now();
    if (now >= deadline)
      fail_from_console("no answer from the guest within the timeout");
    if (!qemu_->running())
      fail_from_console("QEMU exited with status " + std::to_string(qemu_->exit_status()));
    pollfd fds[2] = {{channel_, POLLIN, 0}, {signals_.fd(), POLLIN, 0}};
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long>(wait.count(), 200)));
    if (ready < 0 && errno != EINTR)
      fail_from_console("poll failed");
    if (fds[1].revents & POLLIN)
      if (int signal = signals_.caught())
        throw VmInterrupted(signal);
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      char buffer[65536];
      const ssize_t n = ::recv(channel_, buffer, sizeof buffer, 0);
      if (n == 0) {
        // QEMU closed the channel: it is exiting (panic with -no-reboot).
        exits_within(*qemu_, std::chrono::seconds(2));
        fail_from_console("the guest channel closed");
      }
      if (n > 0)
        pending_.append(buffer, static_cast<std::size_t>(n));
    }
  }
}

std::string Vm::console() const {
  return read_file(dir_.path() / "console.log");
}

void Vm::check_console() {
  if (auto report = detail::scan_console(console()))
    throw VmFailure(report->event == detail::ConsoleEvent::hung ? VmFailure::Kind::hung
                                                                : VmFailure::Kind::kernel_crash,
                    report->lines);
}

void Vm::fail_from_console(const std::string &why) {
  const std::string text = console();
  if (auto report = detail::scan_console(text))
    throw VmFailure(report->event == detail::ConsoleEvent::hung ? VmFailure::Kind::hung
                                                                : VmFailure::Kind::kernel_crash,
                    report->lines);
  const bool timeout = why.find("timeout") != std::string::npos;
  throw VmFailure(timeout ? VmFailure::Kind::hung : VmFailure::Kind::kernel_crash,
                  why + "; console ends with:\n" + detail::console_tail(text));
}

} // namespace trimcheck::vm
