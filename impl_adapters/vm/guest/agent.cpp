// The guest agent, /init of the trimcheck initramfs: mounts the pseudo file systems,
// writes the IMA policy, opens the virtio-serial port and executes the host's requests
// (protocol.hpp). It is statically linked and needs nothing else at run time; busybox and
// kexec in the initramfs serve kexec-load.
#include "trimcheck/vm/protocol.hpp"
#include "wire.hpp"
#include "worker.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <sstream>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace trimcheck::vm::guest {
namespace {

void mount_pseudo_filesystems() {
  ::mkdir("/proc", 0755);
  ::mkdir("/sys", 0755);
  ::mkdir("/dev", 0755);
  ::mkdir("/tmp", 01777);
  ::mount("proc", "/proc", "proc", 0, nullptr);
  ::mount("sysfs", "/sys", "sysfs", 0, nullptr);
  ::mount("securityfs", "/sys/kernel/security", "securityfs", 0, nullptr);
  ::mount("devtmpfs", "/dev", "devtmpfs", 0, nullptr);
  // configfs (the MS RFC's /sys/kernel/config/ima/pcrs); absent from most kernels.
  ::mount("configfs", "/sys/kernel/config", "configfs", 0, nullptr);
  for (int fd = 0; fd < 3; ++fd)
    if (::fcntl(fd, F_GETFD) < 0)
      ::open("/dev/console", O_RDWR);
}

// The policy: measured files, plus critical data when the kernel command line asks
// for it (protocol::kCriticalDataParameter).
std::string policy_text() {
  const std::string cmdline = read_text_file("/proc/cmdline");
  std::string policy = protocol::kPolicy;
  for (std::size_t at = 0;
       (at = cmdline.find(protocol::kCriticalDataParameter, at)) != std::string::npos; ++at)
    if (at == 0 || cmdline[at - 1] == ' ')
      return policy + protocol::kCriticalDataPolicy;
  return policy;
}

int write_policy() {
  const int fd = ::open((std::string(protocol::kImaDir) + "policy").c_str(), O_WRONLY);
  if (fd < 0)
    return -errno;
  const bool ok = write_all(fd, policy_text());
  const int error = errno;
  ::close(fd);
  return ok ? 0 : -error;
}

// The /dev node of the virtio-serial port named protocol::kPortName, waiting for it.
int open_port() {
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (DIR *dir = ::opendir("/sys/class/virtio-ports")) {
      while (dirent *entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name[0] == '.')
          continue;
        std::string label = read_text_file("/sys/class/virtio-ports/" + name + "/name");
        if (label.rfind(protocol::kPortName, 0) == 0) {
          ::closedir(dir);
          return ::open(("/dev/" + name).c_str(), O_RDWR | O_CLOEXEC);
        }
      }
      ::closedir(dir);
    }
    ::usleep(50'000);
  }
  return -1;
}

std::string ok(long ret, const std::string &hex = "") {
  return "ok " + std::to_string(ret) + (hex.empty() ? "" : " " + hex);
}

int run(const std::vector<std::string> &argv) {
  const pid_t child = ::fork();
  if (child == 0) {
    std::vector<char *> args;
    for (const std::string &arg : argv)
      args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Creates "/f<file>" afresh with `content` and the measured owner; returns its write fd.
int create_measured_file(const std::string &path, const std::string &content) {
  ::unlink(path.c_str());
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return -errno;
  if (!write_all(fd, content) || ::fchown(fd, protocol::kMeasuredOwner, 0) < 0) {
    const int error = errno;
    ::close(fd);
    return -error;
  }
  return fd;
}

class Agent {
public:
  explicit Agent(int port) : port_(port) {}

  std::string handle(const std::string &line) {
    std::istringstream in(line);
    std::string op;
    in >> op;
    if (op == "spawn") {
      int cap = 1;
      in >> cap;
      return add_worker(spawn_worker(cap != 0));
    }
    if (op == "open") {
      std::string pid, access, path;
      in >> pid >> access >> path;
      if (path.empty() || path[0] != '/')
        path = protocol::kImaDir + path;
      return forward(pid, "open " + access + " " + path);
    }
    if (op == "read" || op == "write" || op == "seek" || op == "close" || op == "dropcap") {
      std::string pid, rest;
      in >> pid;
      std::getline(in, rest);
      return forward(pid, op + rest);
    }
    if (op == "fork")
      return fork_worker(in);
    if (op == "passfd")
      return pass_fd(in);
    if (op == "exit")
      return exit_worker(in);
    if (op == "measure" || op == "violation")
      return measure(op, in);
    if (op == "measure-path")
      return measure_path(in);
    if (op == "kexec-load")
      return kexec_load();
    if (op == "kexec-exec")
      return kexec_execute();
    if (op == "cat")
      return cat(in);
    if (op == "pcr") {
      std::string algo, index;
      in >> algo >> index;
      std::string value = read_text_file("/sys/class/tpm/tpm0/pcr-" + algo + "/" + index);
      while (!value.empty() && (value.back() == '\n' || value.back() == ' '))
        value.pop_back();
      return value.empty() ? ok(-ENOENT) : ok(0, value);
    }
    if (op == "banks")
      return banks();
    return "err unknown request '" + op + "'";
  }

private:
  int worker(const std::string &pid_text) const {
    const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
    if (pid < 1 || static_cast<std::size_t>(pid) > workers_.size())
      return -1;
    return workers_[static_cast<std::size_t>(pid - 1)];
  }

  std::string add_worker(int control) {
    if (control < 0)
      return "err cannot start a worker: " + std::string(std::strerror(errno));
    workers_.push_back(control);
    return ok(static_cast<long>(workers_.size()));
  }

  std::optional<Message> ask(int control, const std::string &request, int fd = -1) {
    if (!send_message(control, Message{Bytes(request.begin(), request.end()), fd}))
      return std::nullopt;
    return receive_message(control);
  }

  std::string forward(const std::string &pid, const std::string &request) {
    const int control = worker(pid);
    if (control < 0)
      return "err no live process " + pid;
    auto reply = ask(control, request);
    if (!reply)
      return "err process " + pid + " does not answer";
    return "ok " + std::string(reply->payload.begin(), reply->payload.end());
  }

  std::string fork_worker(std::istringstream &in) {
    std::string pid;
    in >> pid;
    const int control = worker(pid);
    if (control < 0)
      return "err no live process " + pid;
    auto reply = ask(control, "fork");
    if (!reply || reply->fd < 0)
      return "err fork in process " + pid + " failed";
    ::fcntl(reply->fd, F_SETFD, FD_CLOEXEC);
    return add_worker(reply->fd);
  }

  std::string pass_fd(std::istringstream &in) {
    std::string from, fd, to;
    in >> from >> fd >> to;
    const int source = worker(from), target = worker(to);
    if (source < 0 || target < 0)
      return "err no live process " + (source < 0 ? from : to);
    auto sent = ask(source, "sendfd " + fd);
    if (!sent)
      return "err process " + from + " does not answer";
    if (sent->fd < 0)
      return "ok " + std::string(sent->payload.begin(), sent->payload.end());
    auto received = ask(target, "recvfd", sent->fd);
    ::close(sent->fd);
    if (!received)
      return "err process " + to + " does not answer";
    return "ok " + std::string(received->payload.begin(), received->payload.end());
  }

  std::string exit_worker(std::istringstream &in) {
    std::string pid;
    in >> pid;
    const int control = worker(pid);
    if (control < 0)
      return "err no live process " + pid;
    auto reply = ask(control, "exit");
    ::close(control);
    workers_[std::stoul(pid) - 1] = -1;
    return reply ? "ok 0" : "err process " + pid + " does not answer";
  }

  // "measure F V [PATH-HEX]" and "violation F": "/f<F>" holding "v<V>", or that file at a
  // long path whose directories are created first and removed after the read, with the
  // file (model::measured_path; nothing of it goes into the next kernel's initramfs).
  std::string measure(const std::string &op, std::istringstream &in) {
    std::string file, version = "0", hex;
    in >> file;
    if (op == "measure")
      in >> version >> hex;
    std::string path = "/f" + file;
    std::vector<std::string> made;
    if (!hex.empty()) {
      const auto bytes = from_hex(hex);
      if (!bytes || bytes->size() <= path.size() ||
          !std::equal(path.rbegin(), path.rend(), bytes->rbegin()))
        return "err measure needs a path in hex that ends in " + path;
      path.assign(bytes->begin(), bytes->end());
      if (const int error = make_directories(path, &made); error != 0)
        return ok(error);
    }
    const int writer = create_measured_file(path, "v" + version);
    if (writer < 0)
      return ok(writer);
    if (op == "measure")
      ::close(writer); // the last writer is gone before the measuring open
    const int reader = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    const int error = errno;
    if (reader >= 0)
      ::close(reader);
    if (op == "violation")
      ::close(writer);
    if (!made.empty()) {
      ::unlink(path.c_str());
      for (auto directory = made.rbegin(); directory != made.rend(); ++directory)
        ::rmdir(directory->c_str());
    }
    return ok(reader < 0 ? -error : 0);
  }

  // The directories above `path`; those this call created are appended to `made` (if not
  // null). 0 or -errno.
  static int make_directories(const std::string &path, std::vector<std::string> *made) {
    for (std::size_t slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      const std::string directory = path.substr(0, slash);
      if (::mkdir(directory.c_str(), 0755) == 0) {
        if (made != nullptr)
          made->push_back(directory);
      } else if (errno != EEXIST) {
        return -errno;
      }
    }
    return 0;
  }

  // A file of any name (spaces, newlines, bytes that are not UTF-8, thousands of bytes of
  // directories), created with its directories and read once, for captures of lists.
  std::string measure_path(std::istringstream &in) {
    std::string hex;
    in >> hex;
    const auto bytes = from_hex(hex);
    if (!bytes || bytes->empty() || (*bytes)[0] != '/')
      return "err measure-path needs an absolute path in hex";
    const std::string path(bytes->begin(), bytes->end());
    if (const int error = make_directories(path, nullptr); error != 0)
      return ok(error);
    const int writer = create_measured_file(path, "v0");
    if (writer < 0)
      return ok(writer);
    ::close(writer);
    const int reader = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    const int error = errno;
    if (reader >= 0)
      ::close(reader);
    return ok(reader < 0 ? -error : 0);
  }

  // The rootfs minus measured files, as the next kernel's initramfs (packed once a boot).
  int pack_initramfs() {
    if (packed_)
      return 0;
    const int status =
        run({"/bin/sh", "-c",
             "cd / && find . -xdev -path ./tmp -prune -o -path './f[0-9]*' -prune -o -print "
             "| cpio -o -H newc >/tmp/next.cpio 2>/dev/null"});
    packed_ = status == 0;
    return status;
  }

  // kexec -l with this kernel, the re-packed rootfs and this command line; `mode` is -s
  // (kexec_file_load: the list is carried) or -c (kexec_load: nothing carried).
  int load_kernel(const std::string &mode) {
    if (int status = pack_initramfs(); status != 0)
      return status;
    std::string cmdline = read_text_file("/proc/cmdline");
    while (!cmdline.empty() && cmdline.back() == '\n')
      cmdline.pop_back();
    return run({"/sbin/kexec", mode, "-l", "/boot/vmlinuz", "--initrd=/tmp/next.cpio",
                "--command-line=" + cmdline});
  }

  std::string kexec_load() {
    const int status = load_kernel("-s");
    file_loaded_ = status == 0;
    return ok(status);
  }

  std::string kexec_execute() {
    if (!file_loaded_) // nothing carried: the classic syscall, as the model's execute
      if (int status = load_kernel("-c"); status != 0)
        return ok(status);
    write_all(port_, ok(0) + "\n");
    ::sync();
    ::reboot(LINUX_REBOOT_CMD_KEXEC);
    return "err kexec failed: " + std::string(std::strerror(errno));
  }

  std::string cat(std::istringstream &in) {
    std::string path;
    in >> path;
    if (path.empty() || path[0] != '/')
      path = protocol::kImaDir + path;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return ok(-errno);
    Bytes data;
    std::uint8_t buffer[65536];
    ssize_t n;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
      data.insert(data.end(), buffer, buffer + n);
    const int error = errno;
    ::close(fd);
    if (n < 0)
      return ok(-error);
    return ok(static_cast<long>(data.size()), to_hex(data));
  }

  std::string banks() {
    std::string names;
    if (DIR *dir = ::opendir("/sys/class/tpm/tpm0")) {
      while (dirent *entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name.rfind("pcr-", 0) == 0)
          names += (names.empty() ? "" : ",") + name.substr(4);
      }
      ::closedir(dir);
    }
    return ok(0, to_hex(Bytes(names.begin(), names.end())));
  }

  int port_;
  std::vector<int> workers_; // control fd by pid - 1, -1 once exited
  bool file_loaded_ = false;
  bool packed_ = false;
};

int agent_main() {
  mount_pseudo_filesystems();
  ::signal(SIGCHLD, SIG_DFL);
  const int policy = write_policy();
  const int port = open_port();
  if (port < 0) {
    write_all(2, "trimcheck-agent: no virtio-serial port named trimcheck\n");
    return 1;
  }
  Agent agent(port);
  agent.handle("spawn 1"); // pid 1 of the model: root with CAP_SYS_ADMIN
  write_all(port, "ready trimcheck-agent " + std::to_string(protocol::kVersion) +
                      " policy=" + std::to_string(policy) + "\n");
  std::string pending;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(port, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      ::usleep(10'000); // host not connected yet
      continue;
    }
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t end;
    while ((end = pending.find('\n')) != std::string::npos) {
      const std::string line = pending.substr(0, end);
      pending.erase(0, end + 1);
      write_all(port, agent.handle(line) + "\n");
    }
  }
}

} // namespace
} // namespace trimcheck::vm::guest

int main() {
  const int status = trimcheck::vm::guest::agent_main();
  // /init must not exit (the kernel would panic): report and power off.
  ::sync();
  ::reboot(RB_POWER_OFF);
  return status;
}
