// A private swtpm process: TPM 2.0 in socket mode, fresh state, gone without a trace.
//
// start() creates a private directory (process::ScratchDir: mode 0700, under $TMPDIR or
// /tmp, `trimcheck-swtpm.<pid>.<pid namespace>.XXXXXX`) and starts `swtpm socket --tpm2`
// with its state, its command socket and its control socket in that directory. Nothing is
// shared with other swtpm instances (no TCP ports).
//
// Cleanup on every exit path. The swtpm is not a child of the caller: a small guardian
// process (its own process group, so a signal to the caller's group does not reach it)
// starts swtpm as its child (with PR_SET_PDEATHSIG) and then blocks reading a pipe whose
// only write end the caller holds. The pipe reaches end-of-file when the SwtpmProcess is
// destroyed (normal return, exception, failed test assertion) *and* when the caller dies
// for any reason (a signal, even SIGKILL, abort, exit without unwinding). The guardian
// then terminates swtpm (SIGTERM, SIGKILL after 2 s), waits for it, and removes the
// directory. The destructor waits for the guardian, so after it returns neither process
// nor directory exists.
#pragma once

#include "trimcheck/process/scratch_dir.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>
#include <sys/types.h>
#include <utility>

namespace trimcheck::swtpm {

class SwtpmError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

class SwtpmProcess {
public:
  // Starts swtpm and waits (up to 10 s) until its socket accepts connections.
  static SwtpmProcess start();

  SwtpmProcess(SwtpmProcess &&other) noexcept;
  SwtpmProcess &operator=(SwtpmProcess &&) = delete;
  SwtpmProcess(const SwtpmProcess &) = delete;
  SwtpmProcess &operator=(const SwtpmProcess &) = delete;
  ~SwtpmProcess();

  // The TCTI configuration for tpm2-tss ("swtpm:path=<socket>"), also usable as
  // TPM2TOOLS_TCTI for tpm2-tools.
  std::string tcti() const;
  const std::filesystem::path &directory() const { return directory_.path(); }
  pid_t swtpm_pid() const { return swtpm_pid_; }
  pid_t guardian_pid() const { return guardian_pid_; }

  // Stops swtpm and removes the directory now (idempotent; the destructor calls it).
  void stop();

private:
  explicit SwtpmProcess(process::ScratchDir directory) : directory_(std::move(directory)) {}

  // Removed by the guardian; the ScratchDir removes it too if the guardian never ran,
  // and a later start() sweeps it if the guardian was killed with its owner.
  process::ScratchDir directory_;
  pid_t guardian_pid_ = -1;
  pid_t swtpm_pid_ = -1;
  int lifeline_ = -1; // write end of the guardian's pipe
};

} // namespace trimcheck::swtpm
