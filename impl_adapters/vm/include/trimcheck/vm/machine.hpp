// One guest: a private swtpm and a QEMU (TCG) running a kernel with the trimcheck guest
// agent, and the request/reply channel to the agent (trimcheck/vm/protocol.hpp). Thin: it moves
// text lines and watches the console; what the lines mean is the caller's business.
//
// Everything it starts (swtpm, QEMU, the temporary directory) is stopped and removed when
// the Vm is destroyed, on every exit path; SIGINT/SIGTERM/SIGHUP during a run throw
// VmInterrupted so that the caller unwinds through these destructors.
#pragma once

#include "trimcheck/process/scratch_dir.hpp"
#include "trimcheck/vm/detail/console.hpp"
#include "trimcheck/vm/detail/process.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace trimcheck::vm {

struct VmOptions {
  std::filesystem::path kernel;    // bzImage
  std::filesystem::path agent;     // static guest agent (built with the project)
  std::filesystem::path initramfs; // make-initramfs script
  std::chrono::seconds boot_timeout{90};
  std::chrono::seconds request_timeout{30};
  std::size_t memory_mb = 1024;
  // no_timer_check: under TCG on a loaded host the IO-APIC timer check can fail and
  // panic the kernel ("IO-APIC + timer doesn't work!"), seen once after a kexec.
  // nosoftlockup: a guest CPU starved by the host for 20 s (three VMs and a kernel build
  // on two cores) printed "BUG: soft lockup" while booting, a hang report about the host;
  // a guest that really stops answering still fails the request timeout as hung.
  std::string cmdline = "console=ttyS0,115200 panic=-1 loglevel=4 no_timer_check nosoftlockup";
  // Paths of the project's guest agent and initramfs script in this build.
  static VmOptions defaults_for(std::filesystem::path kernel);
};

// The guest stopped answering properly: a kernel crash or hang seen on the console (or
// a timeout), or an agent that cannot run. `report` holds the first lines.
class VmFailure : public std::runtime_error {
public:
  enum class Kind { kernel_crash, hung, agent };
  VmFailure(Kind kind, std::string report);
  Kind kind() const { return kind_; }
  const std::string &report() const { return report_; }
  std::string_view kind_name() const; // "kernel-crash", "hung", "agent"

private:
  Kind kind_;
  std::string report_;
};

// Could not even start. `input`: what the user named is wrong (no such kernel file, a file
// QEMU refuses or that exits at once); `environment`: this machine could not run it (swtpm
// or the initramfs packer failed, a boot that did not reach the agent in time, a TPM whose
// banks are not the model's). The CLI exits 2 for the first and 3 (inconclusive) for the
// second.
class VmSetupError : public std::runtime_error {
public:
  enum class Cause { input, environment };
  explicit VmSetupError(const std::string &what, Cause cause = Cause::input)
      : std::runtime_error(what), cause_(cause) {}
  Cause cause() const { return cause_; }

private:
  Cause cause_;
};

class VmInterrupted : public std::runtime_error {
public:
  explicit VmInterrupted(int signal);
  int signal() const { return signal_; }

private:
  int signal_;
};

class Vm {
public:
  // Starts swtpm and QEMU and waits for the agent's "ready".
  explicit Vm(const VmOptions &options);
  ~Vm();
  Vm(const Vm &) = delete;
  Vm &operator=(const Vm &) = delete;

  // Sends one request line and returns the reply line ("ok ..." / "err ...").
  std::string request(const std::string &line);
  // After a "kexec-exec" request: waits for the next kernel's "ready".
  void await_ready();
  // Everything the kernels printed on the serial console so far.
  std::string console() const;
  const std::string &ready_line() const { return ready_; }

private:
  std::string read_line(std::chrono::steady_clock::time_point deadline);
  [[noreturn]] void fail_from_console(const std::string &why);
  void check_console();

  VmOptions options_;
  detail::SignalCatcher signals_;
  // initrd, TPM state, sockets and logs: `trimcheck-vm.<pid>.<pid namespace>.XXXXXX`,
  // swept by a later run if this one is killed.
  process::ScratchDir dir_{"trimcheck-vm"};
  std::unique_ptr<detail::ChildProcess> swtpm_;
  std::unique_ptr<detail::ChildProcess> qemu_;
  int channel_ = -1;
  std::string pending_;
  std::string ready_;
};

} // namespace trimcheck::vm
