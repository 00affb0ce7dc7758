#include "wire.hpp"

#include "trimcheck/model/detail/hex.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace trimcheck::vm::guest {

std::string to_hex(const Bytes &bytes) {
  return model::detail::hex_encode(bytes);
}

std::optional<Bytes> from_hex(const std::string &hex) {
  return model::detail::hex_decode(hex);
}

bool write_all(int fd, const std::string &text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool send_message(int socket, const Message &message) {
  iovec iov{const_cast<std::uint8_t *>(message.payload.data()), message.payload.size()};
  msghdr header{};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  if (message.fd >= 0) {
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    cmsghdr *cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cmsg), &message.fd, sizeof(int));
  }
  ssize_t n;
  do
    n = ::sendmsg(socket, &header, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(message.payload.size());
}

std::optional<Message> receive_message(int socket) {
  Message message;
  message.payload.resize(1 << 17);
  iovec iov{message.payload.data(), message.payload.size()};
  msghdr header{};
  header.msg_iov = &iov;
  header.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  header.msg_control = control;
  header.msg_controllen = sizeof control;
  ssize_t n;
  do
    n = ::recvmsg(socket, &header, 0);
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return std::nullopt;
  message.payload.resize(static_cast<std::size_t>(n));
  for (cmsghdr *cmsg = CMSG_FIRSTHDR(&header); cmsg; cmsg = CMSG_NXTHDR(&header, cmsg))
    if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SCM_RIGHTS)
      std::memcpy(&message.fd, CMSG_DATA(cmsg), sizeof(int));
  return message;
}

std::string read_text_file(const std::string &path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return {};
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0)
    out.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

} // namespace trimcheck::vm::guest
