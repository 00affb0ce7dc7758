// The model as pure init/step functions (Porcupine style): `boot` builds the initial
// state of a version and configuration, `apply` performs one action and returns what
// the caller observes. Every version is selected by its ProposalId; nothing else differs.
//
// Actions are the events of spec section 2 ("Common shape"): kernel measurements,
// user-space system calls, and kexec. A read or write that the version performs in
// several atomic steps (section 2.15) runs its first step when issued; the process is
// then blocked in the call and `Continue{pid}` runs the next step, so that steps of
// different tasks interleave. `Outcome::done` tells whether the call has returned.
#pragma once

#include "trimcheck/model/kernel.hpp"

#include <variant>

namespace trimcheck::model {

// A file measured by IMA: an ima-ng record named "/f<file>" whose content is "v<version>".
// The same (file, version) twice is a duplicate template digest. With `path_bytes`, the
// file lies under directories that make its path exactly that long (`measured_path`):
// one record then carries up to 4 KB of name, as a deep path does on a real system, so
// that the list outgrows a kexec segment's margin in a few steps instead of dozens.
struct Measure {
  std::uint32_t file = 0;
  std::uint32_t version = 0;
  std::uint32_t path_bytes = 0; // 0: "/f<file>"
  bool operator==(const Measure &) const = default;
};
// An open-writers violation on "/f<file>": zero digest recorded, 0xFF.. extended.
struct MeasureViolation {
  std::uint32_t file = 0;
  bool operator==(const MeasureViolation &) const = default;
};
// A record with exact contents (golden tests, replay of captured lists).
struct MeasureRecord {
  std::uint32_t pcr = 10;
  TemplateData data;
  bool violation = false;
  bool operator==(const MeasureRecord &) const = default;
};
struct Spawn { // a new process (root, with or without CAP_SYS_ADMIN)
  bool cap_sys_admin = true;
  bool operator==(const Spawn &) const = default;
};
struct Open {
  Pid pid = 1;
  std::string path;
  Access access = Access::read;
  bool operator==(const Open &) const = default;
};
struct Read {
  Pid pid = 1;
  int fd = 0;
  std::size_t count = 4096;
  bool operator==(const Read &) const = default;
};
struct Write {
  Pid pid = 1;
  int fd = 0;
  Bytes bytes; // the buffer as user space filled it; its size is the write's length
  // The buffer faults after this many readable bytes (fewer than bytes.size()): the bytes
  // after them are on an unmapped page. Unset: the whole buffer is readable.
  std::optional<std::uint32_t> fault_after;
  bool operator==(const Write &) const = default;
};
struct Seek { // lseek(fd, 0, SEEK_SET)
  Pid pid = 1;
  int fd = 0;
  bool operator==(const Seek &) const = default;
};
struct Close {
  Pid pid = 1;
  int fd = 0;
  bool operator==(const Close &) const = default;
};
struct Fork { // child shares every open file description of the parent
  Pid pid = 1;
  bool operator==(const Fork &) const = default;
};
struct PassFd { // SCM_RIGHTS: `to` receives a new fd for the same open file
  Pid from = 1;
  int fd = 0;
  Pid to = 2;
  bool operator==(const PassFd &) const = default;
};
struct DropCap {
  Pid pid = 1;
  bool operator==(const DropCap &) const = default;
};
struct Exit { // closes every fd of the process in fd order
  Pid pid = 1;
  bool operator==(const Exit &) const = default;
};
struct Continue { // next atomic step of pid's in-flight call (pid 0: the kexec)
  Pid pid = 1;
  bool operator==(const Continue &) const = default;
};
struct KexecLoad {
  bool operator==(const KexecLoad &) const = default;
};
struct KexecExecute { // reboot notifiers, dump, then the next kernel boots (steps)
  bool operator==(const KexecExecute &) const = default;
};

using Action =
    std::variant<Measure, MeasureViolation, MeasureRecord, Spawn, Open, Read, Write, Seek, Close,
                 Fork, PassFd, DropCap, Exit, Continue, KexecLoad, KexecExecute>;

struct Outcome {
  std::int64_t ret = 0;          // return value, or -errno
  Bytes data;                    // bytes returned by a read
  std::vector<Serial> delivered; // ghost: records whose last byte this read returned
  bool done = true;              // the call returned (false: blocked in a later step)
  // A write's parse read bytes user space did not deliver in this step: past the written
  // length, or where the user buffer faulted (detail/user_copy.hpp; P21).
  bool read_past_user_data = false;
  bool operator==(const Outcome &) const = default;
};

// Initial state: firmware left `config.firmware_pcrs` in the TPM, the kernel has booted,
// IMA measured the boot_aggregate, and process 1 (root with CAP_SYS_ADMIN) runs.
// Throws std::invalid_argument for a firmware PCR of a bank the layout lacks or above 9.
KernelState boot(ProposalId proposal, const KernelConfig &config);

// The TPM as firmware left it: `config.firmware_pcrs` in `config.banks`.
PcrBanks firmware_banks(const KernelConfig &config);
// The firmware PCRs of `pcrs` (PCRs 0-9 that are not zero, bank then PCR order): the
// canonical value of KernelConfig::firmware_pcrs.
std::vector<FirmwarePcr> firmware_of(const PcrBanks &pcrs);

Outcome apply(KernelState &state, const Action &action);

// One-line rendering for traces, e.g. `write(pid 1, fd 3, "A\n")`.
std::string describe(const Action &action);
// A system call's return value in words: the errno's name for -1..-4095 ("EEXIST"), the
// number and "(no errno)" for any other negative value (a kernel that returned a bogus
// value, e.g. LONG_MIN), the number otherwise.
std::string return_text(std::int64_t ret);

// Whether `pid` is blocked in a call (only Continue{pid} is then allowed).
bool blocked(const KernelState &state, Pid pid);
bool quiescent(const KernelState &state); // nothing in flight, no open writer

// What runtime_measurements_count shows in this version.
std::int64_t shown_count(const KernelState &state);
// binary_runtime_size the version would size a kexec segment from right now.
std::uint64_t kexec_runtime_size(const KernelState &state);

// The path of a measured file: "/f<file>", or with `path_bytes` > 0 that name under
// directories of at most 255 bytes each ("/ddd.../ddd.../f<file>") making the path exactly
// `path_bytes` long. Throws std::invalid_argument unless 0 or between the short name's
// length + 2 and kMaxPathBytes.
inline constexpr std::uint32_t kMaxPathBytes = 4095; // PATH_MAX less its NUL
std::string measured_path(std::uint32_t file, std::uint32_t path_bytes = 0);

// The record content of a Measure / MeasureViolation action. The legacy `ima` template
// records the file's own name instead of a path longer than 255 bytes
// (ima_eventname_init: IMA_EVENT_NAME_LEN_MAX).
TemplateData measured_template(const KernelConfig &config, std::uint32_t file,
                               std::uint32_t version, bool violation, std::uint32_t path_bytes = 0);
// boot_aggregate: hash of PCRs 0-9 (TPM 2.0) in the ima_hash bank if the TPM has it,
// else sha256, else sha1 (ima_calc_boot_aggregate), in the configured template.
TemplateData boot_aggregate(const KernelConfig &config, const PcrBanks &pcrs);

} // namespace trimcheck::model
