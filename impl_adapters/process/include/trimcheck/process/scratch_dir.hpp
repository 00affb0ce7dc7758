// The private temporary directory of a run: `check`'s worker results, a VM's initrd, TPM
// state and sockets, a swtpm's state. Removed when the run ends; and when the run was
// killed before it could remove it (SIGKILL, a crash), by the next run that makes a
// directory of the same kind (issue 20 item 10).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace trimcheck::process {

// $TMPDIR, or /tmp when it is unset or empty.
std::filesystem::path temp_base();

// A directory `<base>/<prefix>.<pid>.<pid namespace>.XXXXXX` (mkdtemp: mode 0700, XXXXXX
// six random letters or digits; <pid> this process's, <pid namespace> pid_namespace()),
// removed with its contents on destruction. Creating one first sweeps `base` for what
// killed runs left (sweep_stale).
class ScratchDir {
public:
  explicit ScratchDir(std::string_view prefix, const std::filesystem::path &base = temp_base());
  ~ScratchDir();
  ScratchDir(ScratchDir &&other) noexcept; // `other` then removes nothing
  ScratchDir &operator=(ScratchDir &&) = delete;
  ScratchDir(const ScratchDir &) = delete;
  ScratchDir &operator=(const ScratchDir &) = delete;
  const std::filesystem::path &path() const { return path_; }

private:
  std::filesystem::path path_;
};

// The inode of this process's PID namespace (/proc/self/ns/pid), 0 if /proc cannot say.
// Containers that share a temporary directory may each run a process of the same pid: a
// pid names a process only within its namespace.
std::uint64_t pid_namespace();

// Removes every directory `<base>/<prefix>.<pid>.<pid namespace>.XXXXXX` that this user
// owns, made in this process's PID namespace, and whose <pid> is no process (kill(pid, 0)
// fails with ESRCH): a live run's directory, another namespace's (its pid means nothing
// here), a name of another shape, a symbolic link or another user's directory is never
// touched. A dead run's pid reused by a new process keeps its directory until that
// process is gone too.
void sweep_stale(const std::filesystem::path &base, std::string_view prefix);

} // namespace trimcheck::process
