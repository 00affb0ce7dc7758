#include "worker.hpp"

#include "trimcheck/vm/protocol.hpp"
#include "wire.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <linux/capability.h>
#include <sstream>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace trimcheck::vm::guest {
namespace {

std::string result(long value) {
  return std::to_string(value);
}
// A system call's result as the kernel returned it: the C library turns a kernel return
// in -4095..-1 into -1 and errno, and passes any other value through, so that a handler
// returning a negative non-errno value (e.g. LONG_MIN from a write) reaches user space as
// that value, with errno unchanged (a stale errno must not be reported in its place).
std::string result_of(long value) {
  return result(value == -1 ? -errno : value);
}

Message text(const std::string &reply, int fd = -1) {
  return Message{Bytes(reply.begin(), reply.end()), fd};
}

int open_flags(const std::string &access) {
  if (access == "w")
    return O_WRONLY;
  if (access == "rw")
    return O_RDWR;
  return O_RDONLY;
}

// fork: the child keeps every fd of the parent and gets a new control pair.
Message do_fork() {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) < 0)
    return text(result(-errno));
  const pid_t child = ::fork();
  if (child < 0) {
    const int error = errno;
    ::close(pair[0]);
    ::close(pair[1]);
    return text(result(-error));
  }
  if (child == 0) {
    ::dup2(pair[1], kControlFd); // replaces the parent's control end
    ::close(pair[0]);
    ::close(pair[1]);
    return Message{}; // empty: the caller loops on as the child
  }
  ::close(pair[1]);
  return text("0", pair[0]);
}

// write(2) from a buffer whose first `readable` bytes end a mapped page and whose rest
// lies on the next page, which is not mapped: the kernel's copy faults there.
std::string faulting_write(int fd, const Bytes &data, std::size_t readable) {
  const long page = ::sysconf(_SC_PAGESIZE);
  void *pages =
      ::mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED)
    return result(-errno);
  auto *second = static_cast<std::uint8_t *>(pages) + page;
  std::uint8_t *buffer = second - readable;
  std::copy(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(readable), buffer);
  ::munmap(second, page);
  const std::string answer = result_of(::write(fd, buffer, data.size()));
  ::munmap(pages, page);
  return answer;
}

[[noreturn]] void worker_loop() {
  for (;;) {
    auto request = receive_message(kControlFd);
    if (!request)
      ::_exit(0);
    std::istringstream in(std::string(request->payload.begin(), request->payload.end()));
    std::string op;
    in >> op;
    Message reply;
    if (op == "open") {
      std::string access, path;
      in >> access >> path;
      reply = text(result_of(::open(path.c_str(), open_flags(access))));
    } else if (op == "read") {
      int fd = -1;
      std::size_t count = 0;
      in >> fd >> count;
      Bytes data(count);
      const ssize_t n = ::read(fd, data.data(), count);
      data.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      reply = text(result_of(n) + (data.empty() ? "" : " " + to_hex(data)));
    } else if (op == "write") {
      int fd = -1;
      std::string hex;
      in >> fd >> hex;
      const Bytes data = from_hex(hex).value_or(Bytes{});
      std::size_t readable = data.size();
      in >> readable; // "write FD HEX READABLE": the buffer faults after READABLE bytes
      reply = text(readable < data.size() ? faulting_write(fd, data, readable)
                                          : result_of(::write(fd, data.data(), data.size())));
    } else if (op == "seek") {
      int fd = -1;
      in >> fd;
      reply = text(result_of(::lseek(fd, 0, SEEK_SET)));
    } else if (op == "close") {
      int fd = -1;
      in >> fd;
      reply = text(result_of(::close(fd)));
    } else if (op == "fork") {
      reply = do_fork();
      if (reply.payload.empty())
        continue; // the child: wait for its first request
    } else if (op == "sendfd") {
      int fd = -1;
      in >> fd;
      reply = ::fcntl(fd, F_GETFD) < 0 ? text(result(-EBADF)) : text("0", fd);
    } else if (op == "recvfd") {
      reply = text(request->fd >= 0 ? result(request->fd) : result(-EBADF));
    } else if (op == "dropcap") {
      reply = text(result(drop_cap_sys_admin()));
    } else if (op == "exit") {
      ::close_range(3, kControlFd - 1, 0); // in fd order, as exit(2) would
      send_message(kControlFd, text("0"));
      ::_exit(0);
    } else {
      reply = text(result(-ENOSYS));
    }
    send_message(kControlFd, reply);
    if (reply.fd >= 0 && op == "fork")
      ::close(reply.fd);
  }
}

} // namespace

int drop_cap_sys_admin() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) < 0)
    return -errno;
  const unsigned bit = 1u << (CAP_SYS_ADMIN % 32);
  data[CAP_SYS_ADMIN / 32].effective &= ~bit;
  data[CAP_SYS_ADMIN / 32].permitted &= ~bit;
  data[CAP_SYS_ADMIN / 32].inheritable &= ~bit;
  if (::syscall(SYS_capset, &header, data) < 0)
    return -errno;
  ::prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0);
  return 0;
}

int spawn_worker(bool cap_sys_admin) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
    return -1;
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(pair[0]);
    ::close(pair[1]);
    return -1;
  }
  if (child != 0) {
    ::close(pair[1]);
    return pair[0];
  }
  ::dup2(pair[1], kControlFd);
  ::close_range(3, kControlFd - 1, 0);
  ::close_range(kControlFd + 1, ~0U, 0);
  for (int fd = 0; fd < 3; ++fd)
    if (::fcntl(fd, F_GETFD) < 0)
      ::open("/dev/null", O_RDWR);
  ::signal(SIGCHLD, SIG_IGN);
  if (!cap_sys_admin)
    drop_cap_sys_admin();
  worker_loop();
}

} // namespace trimcheck::vm::guest
